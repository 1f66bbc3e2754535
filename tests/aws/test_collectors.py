"""Every collector against in-process moto, on the sample account."""

from __future__ import annotations

import pytest

from aws_integration.steps.report import StepStatus
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, SampleAccount
from tests.moto_quirks import MOTO_LACKS, MOTO_LACKS_TYPES

ACCOUNT = "123456789012"


def _ec2_key(region: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{resource_id}"


@pytest.fixture
def sample(sampled_graph: tuple[SampleAccount, CollectedGraph]) -> SampleAccount:
    return sampled_graph[0]


@pytest.fixture
def graph(sampled_graph: tuple[SampleAccount, CollectedGraph]) -> CollectedGraph:
    return sampled_graph[1]


def _entity(graph: CollectedGraph, key: str) -> dict:
    matches = [entity.to_dict() for entity in graph.entities if entity.key == key]
    assert matches, f"no entity {key}"
    return matches[0]


def _relationship_keys(graph: CollectedGraph) -> set[str]:
    return {rel.key for rel in graph.relationships}


def test_every_step_succeeds_in_both_regions(graph: CollectedGraph) -> None:
    assert graph.report.status == "success"
    assert all(step.status is StepStatus.SUCCESS for step in graph.report.steps
               if step.step_id not in MOTO_LACKS), graph.report.steps
    assert graph.report.details["regions"] == sorted(SAMPLE_REGIONS)
    vpc_step = next(step for step in graph.report.steps if step.step_id == "fetch-vpcs")
    assert vpc_step.regions == sorted(SAMPLE_REGIONS)
    assert set(graph.partial_entity_types) <= MOTO_LACKS_TYPES  # nothing else is partial
    lacking = {rel.type for step in default_registry().steps if step.id in MOTO_LACKS for rel in step.all_relationships}
    assert set(graph.partial_relationship_types) - lacking == set()


def test_account_entity_and_account_has_relationships(graph: CollectedGraph, sample: SampleAccount) -> None:
    account = _entity(graph, f"aws_account:{ACCOUNT}")
    assert account["_class"] == "Account" and account["displayName"] == "sample"
    keys = _relationship_keys(graph)
    assert f"aws_account:{ACCOUNT}|has|arn:aws:s3:::sample-audit-logs" in keys
    assert f"aws_account:{ACCOUNT}|has|{_ec2_key('us-east-1', 'vpc', sample.public_vpc)}" in keys


def test_public_and_private_networks(graph: CollectedGraph, sample: SampleAccount) -> None:
    public_vpc = _entity(graph, _ec2_key("us-east-1", "vpc", sample.public_vpc))
    assert public_vpc["public"] is True and public_vpc["internal"] is True and public_vpc["CIDR"] == "10.0.0.0/16"
    assert public_vpc["displayName"] == "prod-vpc" and public_vpc["tag.Environment"] == "production"
    assert _entity(graph, _ec2_key("us-east-1", "subnet", sample.public_subnet))["public"] is True
    assert _entity(graph, _ec2_key("us-east-1", "subnet", sample.private_subnet))["public"] is False
    assert _entity(graph, _ec2_key("eu-west-1", "vpc", sample.private_vpc))["public"] is False
    assert _entity(graph, _ec2_key("eu-west-1", "subnet", sample.eu_subnet))["public"] is False


def test_network_relationships(graph: CollectedGraph, sample: SampleAccount) -> None:
    keys = _relationship_keys(graph)
    vpc = _ec2_key("us-east-1", "vpc", sample.public_vpc)
    public_subnet = _ec2_key("us-east-1", "subnet", sample.public_subnet)
    assert f"{vpc}|contains|{public_subnet}" in keys
    assert f"{vpc}|has|{_ec2_key('us-east-1', 'internet-gateway', sample.internet_gateway)}" in keys
    assert f"{vpc}|has|{_ec2_key('us-east-1', 'natgateway', sample.nat_gateway)}" in keys
    uses_table = [r for r in graph.relationships if r.type == "aws_subnet_uses_route_table" and r.from_key == public_subnet]
    assert len(uses_table) == 1
    protects = [r for r in graph.relationships if r.type == "aws_network_acl_protects_subnet" and r.to_key == public_subnet]
    assert len(protects) == 1


def test_instances_with_tags_and_relationships(graph: CollectedGraph, sample: SampleAccount) -> None:
    web_key = _ec2_key("us-east-1", "instance", sample.web_instances[0])
    web = _entity(graph, web_key)
    assert web["_class"] == "Host" and web["displayName"] == "web-1"
    assert web["tag.Environment"] == "production" and web["tag.PatchGroup"] == 2 and web["tag.Monitored"] is True
    assert web["owner"] == "alice@example.com" and web["tags"] == ["Monitored"]
    assert web["tag.AccountName"] == "sample" and web["region"] == "us-east-1"
    assert web["instanceType"] == "t3.micro" and web["state"] == "running"
    assert isinstance(web["launchTime"], int)
    keys = _relationship_keys(graph)
    assert f"{_ec2_key('us-east-1', 'subnet', sample.public_subnet)}|has|{web_key}" in keys
    assert f"{_ec2_key('us-east-1', 'security-group', sample.web_security_group)}|protects|{web_key}" in keys
    assert f"{web_key}|uses|{_ec2_key('us-east-1', 'elastic-ip', sample.elastic_ip_allocation)}" in keys
    assert any(r.type == "aws_instance_uses_eni" and r.from_key == web_key for r in graph.relationships)
    db_key = _ec2_key("us-east-1", "instance", sample.db_instance)
    assert f"{db_key}|uses|{_ec2_key('us-east-1', 'volume', sample.data_volume)}" in keys
    staging = _entity(graph, _ec2_key("eu-west-1", "instance", sample.eu_instance))
    assert staging["tag.Environment"] == "staging" and staging["tags"] == ["Ephemeral"]


def test_security_groups_and_volumes(graph: CollectedGraph, sample: SampleAccount) -> None:
    web = _entity(graph, _ec2_key("us-east-1", "security-group", sample.web_security_group))
    db = _entity(graph, _ec2_key("us-east-1", "security-group", sample.db_security_group))
    assert web["allowsIngressFromInternet"] is True and db["allowsIngressFromInternet"] is False
    volume = _entity(graph, _ec2_key("us-east-1", "volume", sample.data_volume))
    assert volume["_class"] == ["DataStore", "Disk"]
    assert volume["encrypted"] is True and volume["classification"] == "confidential" and volume["size"] == 100


def test_buckets_with_tags_encryption_versioning_and_access_block(graph: CollectedGraph) -> None:
    logs = _entity(graph, "arn:aws:s3:::sample-audit-logs")
    assert logs["encrypted"] is True and logs["encryptionAlgorithm"] == "aws:kms"
    assert logs["versioningEnabled"] is True and logs["publicAccessBlocked"] is True
    assert logs["classification"] == "internal" and logs["owner"] == "security@example.com"
    assert logs["region"] == "us-east-1"
    assets = _entity(graph, "arn:aws:s3:::sample-public-assets")
    assert assets["publicAccessBlocked"] is False and assets["blockPublicAcls"] is False
    assert assets["versioningEnabled"] is False
    assert assets["classification"] is None
    assert not any(name.startswith("tag.") and name != "tag.AccountName" for name in assets)
    eu = _entity(graph, "arn:aws:s3:::sample-eu-customer-data")
    assert eu["region"] == "eu-west-1" and eu["tag.Retention"] == 365 and eu["classification"] == "restricted"


def test_iam_principals_policies_and_keys(graph: CollectedGraph, sample: SampleAccount) -> None:
    alice_key = f"arn:aws:iam::{ACCOUNT}:user/alice"
    alice = _entity(graph, alice_key)
    assert alice["_class"] == "User" and alice["email"] == "alice@example.com" and "region" not in alice
    group_key = f"arn:aws:iam::{ACCOUNT}:group/auditors"
    role_key = f"arn:aws:iam::{ACCOUNT}:role/app-server"
    role = _entity(graph, role_key)
    assert role["_class"] == "AccessRole" and role["tag.Environment"] == "production"
    policy = _entity(graph, sample.policy_arn)
    assert policy["awsManaged"] is False and policy["attachmentCount"] == 3
    keys = _relationship_keys(graph)
    assert f"{group_key}|contains|{alice_key}" in keys
    assert f"{group_key}|assigned|{sample.policy_arn}" in keys
    assert f"{role_key}|assigned|{sample.policy_arn}" in keys
    assert f"arn:aws:iam::{ACCOUNT}:user/bob@example.com|assigned|{sample.policy_arn}" in keys
    key = _entity(graph, sample.access_key_id)
    assert key["_class"] == "AccessKey" and key["active"] is True and key["userName"] == "ci-deployer"
    assert not any("secret" in name.lower() for name in key)
    assert f"arn:aws:iam::{ACCOUNT}:user/ci-deployer|has|{sample.access_key_id}" in keys
