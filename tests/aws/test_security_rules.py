"""Firewall rules and trust as edges (moto): what a security group or network ACL lets in and out, and
which accounts outside the store a role trusts, asked the way users ask."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from aws_integration.graph.model import Relationship
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from aws_integration.query import parse_query
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.derivations import open_graph_store
from tests.collected import ACCOUNT, REGION, collected_world

OUTSIDER = "999999999999"


def _seed() -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8090, "IpRanges": [{"CidrIp": "52.94.76.0/22"}]},
    ])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ])
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::888888888888:role/deployer"},
         "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="vendor-audit", AssumeRolePolicyDocument=json.dumps(trust))
    own = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="function", AssumeRolePolicyDocument=json.dumps(own))
    return {"web": web, "db": db, "acl": acl}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)


@pytest.fixture(scope="module")
def store(world: tuple[dict[str, str], CollectedGraph], module_store_location: str) -> Iterator[GraphStore]:
    _, graph = world
    with open_graph_store(module_store_location) as opened:
        report = graph.report
        opened.commit_run(GraphBatch(f"aws:{ACCOUNT}", graph.entities, graph.relationships, set(), set(),
                                     report.status, report.started_at, report.finished_at))
        yield opened


def _group_key(group_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group_id}"


def _rules(graph: CollectedGraph, from_key: str) -> list[Relationship]:
    return [rel for rel in graph.relationships if rel.from_key == from_key and rel.verb in ("ALLOWS", "DENIES")]


def _names(store: GraphStore, query: str) -> list[Any]:
    return sorted(row[0] if len(row) == 1 else tuple(row) for row in
                  (list(record.values()) for record in run_query(store, parse_query(query)).records()))


def test_each_rule_of_a_security_group_is_an_edge_with_its_ports(world: tuple[dict[str, str], CollectedGraph]) -> None:
    groups, graph = world
    web = {(rel.to_type, rel.properties["cidr"], rel.properties["fromPort"]): rel
           for rel in _rules(graph, _group_key(groups["web"])) if rel.properties.get("ingress")}
    assert set(web) == {("internet", "0.0.0.0/0", 22), ("internet", "0.0.0.0/0", 443), ("internet", "::/0", 443),
                        ("ip_range", "52.94.76.0/22", 8080)}
    ssh = web[("internet", "0.0.0.0/0", 22)]
    assert ssh.to_key == "global:internet" and ssh.type == "aws_security_group_allows_internet"
    assert ssh.properties == {"ingress": True, "egress": False, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                              "cidr": "0.0.0.0/0", "description": "ssh"}
    assert web[("ip_range", "52.94.76.0/22", 8080)].to_key == "ip_range:52.94.76.0/22"
    keys = [rel.key for rel in graph.relationships]
    assert len(keys) == len(set(keys))  # two rules between one group and the internet are two edges
    db = _rules(graph, _group_key(groups["db"]))
    from_web = next(rel for rel in db if rel.to_key == _group_key(groups["web"]))
    assert from_web.properties["fromPort"] == 5432 and from_web.type == "aws_security_group_allows_group"
    everything = next(rel for rel in db if rel.properties.get("cidr") == "10.0.0.0/8")
    assert (everything.properties["ipProtocol"], everything.properties["fromPort"],
            everything.properties["toPort"]) == ("all", 0, 65535)
    # moto's default egress rule: all traffic to anywhere.
    assert any(rel.properties["egress"] and rel.to_key == "global:internet" for rel in db)


def test_network_acl_entries_allow_or_deny_with_their_rule_numbers(world: tuple[dict[str, str], CollectedGraph]) -> None:
    groups, graph = world
    acl_key = f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/{groups['acl']}"
    entries = {(rel.verb, rel.properties["ruleNumber"]): rel for rel in _rules(graph, acl_key)
               if rel.properties["ingress"]}
    assert entries[("DENIES", 90)].properties["fromPort"] == 22
    assert entries[("ALLOWS", 100)].properties["toPort"] == 443
    assert entries[("ALLOWS", 100)].type == "aws_network_acl_allows_internet"


def test_ssh_open_to_the_internet_is_one_query(store: GraphStore, world: tuple[dict[str, str], CollectedGraph]) -> None:
    found = _names(store, "FIND aws_security_group AS g THAT ALLOWS AS r Internet "
                          "WHERE r.ingress = true AND r.fromPort <= 22 AND r.toPort >= 22 RETURN g.groupName")
    assert found == ["web"]
    rows = _names(store, "FIND aws_security_group AS g THAT ALLOWS AS r Internet WHERE r.ingress = true "
                         "AND r.ipProtocol = 'tcp' RETURN g.groupName, r.fromPort, r.cidr")
    assert rows == [("web", 22, "0.0.0.0/0"), ("web", 443, "0.0.0.0/0"), ("web", 443, "::/0")]
    [internet] = store.entities(types=["internet"])
    assert internet["_key"] == "global:internet" and internet["_class"] == "Internet"
    [ip_range] = [entity for entity in store.entities(types=["ip_range"]) if entity["CIDR"] == "52.94.76.0/22"]
    assert ip_range["public"] is True and ip_range["internal"] is False


def test_a_role_trusting_outside_accounts_trusts_their_placeholders(store: GraphStore) -> None:
    found = _names(store, "FIND aws_iam_role AS role THAT TRUSTS aws_account WITH external = true RETURN role.roleName")
    assert found == ["vendor-audit"]  # the account root and the other account's role, both outside
    outsiders = sorted(entity["accountId"] for entity in store.entities(types=["aws_account"]) if entity.get("external"))
    assert outsiders == ["888888888888", OUTSIDER]
    [own] = [entity for entity in store.entities(types=["aws_account"]) if not entity.get("external")]
    assert own["_key"] == f"aws_account:{ACCOUNT}"


def test_an_ingested_account_replaces_its_placeholder(store: GraphStore) -> None:  # last: it adds a source
    from aws_integration.graph.model import Entity

    outsider = Entity(f"aws_account:{OUTSIDER}", "aws_account", ("Account",), "vendor",
                      {"accountId": OUTSIDER, "external": False})
    store.commit_run(GraphBatch(f"aws:{OUTSIDER}", [outsider], [], set(), set(), "success", "t0", "t1"))
    held = [entity for entity in store.entities(types=["aws_account"]) if entity["accountId"] == OUTSIDER]
    assert [(entity["displayName"], entity.get("external")) for entity in held] == [("vendor", False)]
