"""The organization's tree and policies, Inspector coverage, identity pools, and the sub-resources security
teams ask about (RDS snapshots, SNS subscriptions, event source mappings, node groups, replication groups,
health checks, SageMaker models and endpoints): one seeded moto account, one run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest

from aws_integration.integrations.aws.collectors import organizations
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

OTHER_ACCOUNT = "111122223333"
DENY_REGIONS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGION}}}]}


@dataclass
class Seeded:
    """What the seeding created."""

    role: str = ""
    ids: dict[str, str] = field(default_factory=dict)


def _seed_organization(seeded: Seeded) -> None:
    org = boto3.client("organizations", region_name=REGION)
    seeded.ids["org"] = org.create_organization(FeatureSet="ALL")["Organization"]["Arn"]
    root = org.list_roots()["Roots"][0]
    seeded.ids["root"], seeded.ids["root_id"] = root["Arn"], root["Id"]
    workloads = org.create_organizational_unit(ParentId=root["Id"], Name="workloads",
                                               Tags=[{"Key": "Tier", "Value": "prod"}])["OrganizationalUnit"]
    seeded.ids["workloads"] = workloads["Arn"]
    payments = org.create_organizational_unit(ParentId=workloads["Id"], Name="payments")["OrganizationalUnit"]
    seeded.ids["payments"] = payments["Arn"]
    member = org.create_account(AccountName="payments-prod", Email="payments@example.com")["CreateAccountStatus"]["AccountId"]
    seeded.ids["member"] = member
    org.move_account(AccountId=member, SourceParentId=root["Id"], DestinationParentId=payments["Id"])
    org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    policy = org.create_policy(Name="one-region", Description="keep to one region", Type="SERVICE_CONTROL_POLICY",
                               Content=json.dumps(DENY_REGIONS))["Policy"]["PolicySummary"]
    seeded.ids["scp"] = policy["Arn"]
    org.attach_policy(PolicyId=policy["Id"], TargetId=workloads["Id"])
    org.attach_policy(PolicyId=policy["Id"], TargetId=member)


def _seed_data(seeded: Seeded) -> None:
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin", MasterUserPassword="password-long-1", AllocatedStorage=20)
    seeded.ids["db_snapshot"] = rds.create_db_snapshot(
        DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-export",
        Tags=[{"Key": "Team", "Value": "shop"}])["DBSnapshot"]["DBSnapshotArn"]
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="orders-export", AttributeName="restore",
                                     ValuesToAdd=["all", OTHER_ACCOUNT])
    rds.create_db_cluster(DBClusterIdentifier="ledger", Engine="aurora-postgresql", MasterUsername="admin",
                          MasterUserPassword="password-long-1", StorageEncrypted=True)
    seeded.ids["cluster_snapshot"] = rds.create_db_cluster_snapshot(
        DBClusterIdentifier="ledger", DBClusterSnapshotIdentifier="ledger-nightly")["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    elasticache = boto3.client("elasticache", region_name=REGION)
    seeded.ids["replication"] = elasticache.create_replication_group(
        ReplicationGroupId="sessions", ReplicationGroupDescription="session store", Engine="redis",
        CacheNodeType="cache.t3.micro", NumCacheClusters=2, AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True,
        Tags=[{"Key": "Team", "Value": "shop"}])["ReplicationGroup"]["ARN"]


def _seed_messaging(seeded: Seeded) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    seeded.ids["queue"] = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = boto3.client("sns", region_name=REGION)
    seeded.ids["topic"] = sns.create_topic(Name="order-events")["TopicArn"]
    seeded.ids["sqs_subscription"] = sns.subscribe(TopicArn=seeded.ids["topic"], Protocol="sqs",
                                                   Endpoint=seeded.ids["queue"])["SubscriptionArn"]
    sns.subscribe(TopicArn=seeded.ids["topic"], Protocol="http", Endpoint="http://hooks.example.com/orders")
    awslambda = boto3.client("lambda", region_name=REGION)
    seeded.ids["function"] = awslambda.create_function(
        FunctionName="ship", Runtime="python3.12", Role=seeded.role, Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})["FunctionArn"]
    seeded.ids["mapping"] = awslambda.create_event_source_mapping(
        EventSourceArn=seeded.ids["queue"], FunctionName="ship", BatchSize=5)["UUID"]


def _seed_platform(seeded: Seeded) -> None:
    eks = boto3.client("eks", region_name=REGION)
    eks.create_cluster(name="apps", roleArn=seeded.role, resourcesVpcConfig={"subnetIds": ["subnet-0a1"]})
    seeded.ids["node_group"] = eks.create_nodegroup(
        clusterName="apps", nodegroupName="general", nodeRole=seeded.role, subnets=["subnet-0a1"],
        instanceTypes=["m5.large"], remoteAccess={"ec2SshKey": "ops"}, tags={"Team": "platform"})["nodegroup"]["nodegroupArn"]
    route53 = boto3.client("route53", region_name=REGION)
    check = route53.create_health_check(CallerReference="shop", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": "shop.example.com", "Port": 443, "ResourcePath": "/health"})
    seeded.ids["health_check"] = check["HealthCheck"]["Id"]
    route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=seeded.ids["health_check"],
                                     AddTags=[{"Key": "Team", "Value": "shop"}])
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model(ModelName="ranker", ExecutionRoleArn=seeded.role,
                           PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1"},
                           Tags=[{"Key": "Team", "Value": "ml"}])
    sagemaker.create_endpoint_config(EndpointConfigName="ranker-config", ProductionVariants=[{
        "VariantName": "main", "ModelName": "ranker", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName="ranker", EndpointConfigName="ranker-config", Tags=[{"Key": "Team", "Value": "ml"}])
    boto3.client("inspector2", region_name=REGION).enable(accountIds=[ACCOUNT], resourceTypes=["EC2", "ECR"])
    seeded.ids["identity_pool"] = boto3.client("cognito-identity", region_name=REGION).create_identity_pool(
        IdentityPoolName="shop_guests", AllowUnauthenticatedIdentities=True,
        SupportedLoginProviders={"accounts.google.com": "shop-client"}, IdentityPoolTags={"Team": "shop"})["IdentityPoolId"]


def _seed() -> Seeded:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}
    seeded = Seeded(role=boto3.client("iam", region_name=REGION).create_role(
        RoleName="shop-service", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    _seed_organization(seeded)
    _seed_data(seeded)
    _seed_messaging(seeded)
    _seed_platform(seeded)
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)


def test_every_step_succeeds(world: tuple[Seeded, CollectedGraph]) -> None:
    assert failed_steps(world[1]) == []


def test_the_organization_its_tree_and_its_policies(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [organization] = entities_of(graph, "aws_organization", by="_key").values()
    assert organization.key == seeded.ids["org"] and organization.properties["allFeatures"] is True
    assert organization.properties["managementAccountId"] == ACCOUNT
    [root] = entities_of(graph, "aws_organizations_root", by="_key").values()
    assert root.key == seeded.ids["root"] and root.properties["scpEnabled"] is True
    assert ACCOUNT in root.properties["accountIds"]
    assert edges(graph, "aws_organization_has_organizations_root") == {(organization.key, root.key)}
    units = entities_of(graph, "aws_organizations_unit")
    assert units["workloads"].properties["tag.Tier"] == "prod"
    assert units["payments"].properties["accountIds"] == [seeded.ids["member"]]
    assert edges(graph, "aws_organizations_root_has_unit") == {(root.key, seeded.ids["workloads"])}
    assert edges(graph, "aws_organizations_unit_has_unit") == {(seeded.ids["workloads"], seeded.ids["payments"])}
    assert (seeded.ids["payments"], f"aws_account:{seeded.ids['member']}") in edges(graph, "aws_organizations_unit_has_account")
    policy = entities_of(graph, "aws_organizations_policy")["one-region"]
    assert json.loads(str(policy.properties["policyDocument"])) == DENY_REGIONS and policy.properties["targetCount"] == 2
    def assigned(type_name: str, key: str) -> set[str]:
        return {target for target, to in edges(graph, type_name) if to == key}
    assert assigned("aws_organizations_unit_assigned_policy", policy.key) == {seeded.ids["workloads"]}
    assert assigned("aws_account_assigned_organizations_policy", policy.key) == {f"aws_account:{seeded.ids['member']}"}
    # AWS attaches FullAWSAccess to the root and to every unit as it is made.
    full = entities_of(graph, "aws_organizations_policy")["FullAWSAccess"]
    assert full.properties["awsManaged"] is True and root.key in assigned("aws_organizations_root_assigned_policy", full.key)


def test_a_policy_attached_to_an_account_is_assigned_to_it() -> None:
    item = {"Arn": f"arn:aws:organizations::{ACCOUNT}:policy/o-1/service_control_policy/p-1", "Name": "x", "Id": "p-1",
            "TargetArns": {"ACCOUNT": [f"aws_account:{OTHER_ACCOUNT}"]}}
    entity, assigned = list(organizations.SERVICE_CONTROL_POLICY.transform(item, TransformContext("aws", ACCOUNT, None)))
    assert (assigned.from_key, assigned.verb, assigned.to_key) == (f"aws_account:{OTHER_ACCOUNT}", "ASSIGNED", entity.key)


def test_rds_snapshots_and_whom_they_are_shared_with(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    snapshot = entities_of(graph, "aws_db_snapshot", by="_key")[seeded.ids["db_snapshot"]]
    assert (snapshot.properties["public"], snapshot.properties["sharedWithAccounts"]) == (True, [OTHER_ACCOUNT])
    assert snapshot.properties["tag.Team"] == "shop" and snapshot.properties["snapshotType"] == "manual"
    assert edges(graph, "aws_db_instance_has_snapshot") >= {
        (f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders", snapshot.key)}
    cluster_snapshot = entities_of(graph, "aws_db_cluster_snapshot", by="_key")[seeded.ids["cluster_snapshot"]]
    assert cluster_snapshot.properties["public"] is False and cluster_snapshot.properties["encrypted"] is True
    # moto also takes the automated snapshot a new cluster gets (rds:ledger-<date>): both are the cluster's.
    cluster = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:ledger"
    assert edges(graph, "aws_rds_cluster_has_db_cluster_snapshot") == {
        (cluster, key) for key in entities_of(graph, "aws_db_cluster_snapshot", by="_key")}
    assert (cluster, cluster_snapshot.key) in edges(graph, "aws_rds_cluster_has_db_cluster_snapshot")


def test_elasticache_replication_groups(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    group = entities_of(graph, "aws_elasticache_replication_group", by="_key")[seeded.ids["replication"]]
    assert (group.properties["encrypted"], group.properties["transitEncryptionEnabled"]) == (True, True)
    assert group.properties["tag.Team"] == "shop"
    members = edges(graph, "aws_elasticache_replication_group_has_cluster")
    assert members and len(members) == group.properties["memberCount"]  # moto keeps one member cluster
    assert all(cluster.startswith(f"arn:aws:elasticache:{REGION}:{ACCOUNT}:cluster:sessions") for _, cluster in members)


def test_sns_subscriptions(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    subscriptions = {entity.properties["protocol"]: entity for entity in graph.entities
                     if entity.type == "aws_sns_subscription"}
    assert set(subscriptions) == {"sqs", "http"}
    assert subscriptions["http"].properties["plaintextHttp"] is True
    assert subscriptions["sqs"].key == seeded.ids["sqs_subscription"]
    assert subscriptions["sqs"].properties["endpointAccountId"] == ACCOUNT
    assert edges(graph, "aws_sns_topic_has_subscription") == {
        (seeded.ids["topic"], subscription.key) for subscription in subscriptions.values()}


def test_lambda_event_source_mappings(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    mapping = entities_of(graph, "aws_lambda_event_source_mapping")[seeded.ids["mapping"]]
    assert mapping.properties["batchSize"] == 5
    assert edges(graph, "aws_lambda_event_source_mapping_triggers_function") == {(mapping.key, seeded.ids["function"])}
    assert edges(graph, "aws_sqs_queue_has_lambda_event_source_mapping") == {(seeded.ids["queue"], mapping.key)}


def test_eks_node_groups(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    group = entities_of(graph, "aws_eks_node_group", by="_key")[seeded.ids["node_group"]]
    assert group.properties["instanceTypes"] == ["m5.large"] and group.properties["tag.Team"] == "platform"
    assert (group.properties["remoteAccess"], group.properties["sshOpenToAll"]) == (True, True)
    assert edges(graph, "aws_eks_cluster_has_node_group") == {(f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/apps", group.key)}
    assert edges(graph, "aws_eks_node_group_uses_iam_role") == {(group.key, seeded.role)}


def test_route53_health_checks(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    check = entities_of(graph, "aws_route53_health_check")["shop.example.com"]
    assert check.key == f"arn:aws:route53:::healthcheck/{seeded.ids['health_check']}"
    assert (check.properties["checkType"], check.properties["port"], check.properties["tag.Team"]) == ("HTTPS", 443, "shop")


def test_sagemaker_models_and_endpoints(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    model = entities_of(graph, "aws_sagemaker_model")["ranker"]
    assert model.properties["image"].endswith("/ranker:1") and model.properties["tag.Team"] == "ml"
    assert edges(graph, "aws_sagemaker_model_uses_iam_role") == {(model.key, seeded.role)}
    endpoint = entities_of(graph, "aws_sagemaker_endpoint")["ranker"]
    assert endpoint.properties["models"] == ["ranker"] and endpoint.properties["tag.Team"] == "ml"
    assert edges(graph, "aws_sagemaker_endpoint_uses_model") == {(endpoint.key, model.key)}


def test_inspector_coverage(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    [coverage] = entities_of(graph, "aws_inspector2_coverage").values()
    assert coverage.key == f"aws_inspector2_coverage:{ACCOUNT}:{REGION}" and coverage.properties["enabled"] is True
    assert (coverage.properties["ec2Scanning"], coverage.properties["lambdaScanning"]) == (True, False)


def test_cognito_identity_pools(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    pool = entities_of(graph, "aws_cognito_identity_pool")["shop_guests"]
    assert pool.key == f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/{seeded.ids['identity_pool']}"
    assert (pool.properties["allowsGuests"], pool.properties["loginProviders"]) == (True, ["accounts.google.com"])
    assert pool.properties["tag.Team"] == "shop"
