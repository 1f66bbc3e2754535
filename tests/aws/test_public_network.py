"""The public-network rule, on raw EC2 items: all three conditions, and each way to fail one."""

from __future__ import annotations

import copy

import pytest

from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import EntityPatch, Relationship
from aws_integration.integrations.aws.mappers.public_network import acl_direction_allows_external, map_public_networks

SCOPE = TransformContext("aws", "123456789012", "us-east-1")
VPC, SUBNET, IGW = "vpc-1", "subnet-1", "igw-1"


def _acl_entries(ingress_action: str = "allow", egress_action: str = "allow") -> list[dict]:
    return [
        {"RuleNumber": 100, "RuleAction": ingress_action, "Egress": False, "CidrBlock": "0.0.0.0/0", "Protocol": "-1"},
        {"RuleNumber": 32767, "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0", "Protocol": "-1"},
        {"RuleNumber": 100, "RuleAction": egress_action, "Egress": True, "CidrBlock": "0.0.0.0/0", "Protocol": "-1"},
        {"RuleNumber": 32767, "RuleAction": "deny", "Egress": True, "CidrBlock": "0.0.0.0/0", "Protocol": "-1"},
    ]


def _raw_account() -> dict[str, list]:
    """A VPC with an attached IGW, a main table routing 0.0.0.0/0 to it and an open default ACL."""
    return {
        "fetch-vpcs": [(SCOPE, {"VpcId": VPC})],
        "fetch-subnets": [(SCOPE, {"SubnetId": SUBNET, "VpcId": VPC})],
        "fetch-internet-gateways": [
            (SCOPE, {"InternetGatewayId": IGW, "Attachments": [{"VpcId": VPC, "State": "available"}]})
        ],
        "fetch-route-tables": [
            (SCOPE, {
                "RouteTableId": "rtb-main", "VpcId": VPC,
                "Associations": [{"Main": True}],
                "Routes": [
                    {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                    {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW, "State": "active"},
                ],
            })
        ],
        "fetch-network-acls": [
            (SCOPE, {"NetworkAclId": "acl-default", "VpcId": VPC, "IsDefault": True, "Entries": _acl_entries(),
                     "Associations": []})
        ],
    }


def _public_flags(raw: dict[str, list]) -> dict[str, bool]:
    return {
        patch.key.rsplit("/", 1)[1]: patch.properties["public"]
        for patch in map_public_networks(raw)
        if isinstance(patch, EntityPatch)
    }


def test_igw_route_and_open_acl_make_vpc_and_subnet_public() -> None:
    assert _public_flags(_raw_account()) == {VPC: True, SUBNET: True}


def test_no_internet_gateway_means_private() -> None:
    raw = _raw_account()
    raw["fetch-internet-gateways"] = []
    assert _public_flags(raw) == {VPC: False, SUBNET: False}


def test_gateway_attached_to_another_vpc_does_not_count() -> None:
    raw = _raw_account()
    raw["fetch-internet-gateways"][0][1]["Attachments"] = [{"VpcId": "vpc-other", "State": "available"}]
    assert _public_flags(raw) == {VPC: False, SUBNET: False}


def test_route_to_a_nat_gateway_only_is_private() -> None:
    raw = _raw_account()
    raw["fetch-route-tables"][0][1]["Routes"][1] = {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}
    assert _public_flags(raw) == {VPC: False, SUBNET: False}


def test_ipv6_default_route_to_the_gateway_is_public() -> None:
    raw = _raw_account()
    raw["fetch-route-tables"][0][1]["Routes"][1] = {"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW}
    raw["fetch-network-acls"][0][1]["Entries"] = [
        {"RuleNumber": 100, "RuleAction": "allow", "Egress": egress, "Ipv6CidrBlock": "::/0", "Protocol": "-1"}
        for egress in (False, True)
    ]
    assert _public_flags(raw) == {VPC: True, SUBNET: True}


def test_blackholed_route_does_not_count() -> None:
    raw = _raw_account()
    raw["fetch-route-tables"][0][1]["Routes"][1]["State"] = "blackhole"
    assert _public_flags(raw)[SUBNET] is False


@pytest.mark.parametrize(("ingress", "egress"), [("deny", "allow"), ("allow", "deny"), ("deny", "deny")])
def test_acl_denying_external_traffic_in_either_direction_is_private(ingress: str, egress: str) -> None:
    raw = _raw_account()
    raw["fetch-network-acls"][0][1]["Entries"] = _acl_entries(ingress, egress)
    assert _public_flags(raw) == {VPC: False, SUBNET: False}


def test_acl_allow_shadowed_by_an_earlier_deny_does_not_count() -> None:
    entries = [
        {"RuleNumber": 50, "RuleAction": "deny", "CidrBlock": "0.0.0.0/0", "Protocol": "-1"},
        {"RuleNumber": 100, "RuleAction": "allow", "CidrBlock": "0.0.0.0/0", "Protocol": "6"},
    ]
    assert acl_direction_allows_external(entries) is False
    # A narrower deny leaves the rest of the internet allowed.
    entries[0]["CidrBlock"] = "203.0.113.0/24"
    assert acl_direction_allows_external(entries) is True


def test_acl_allowing_only_private_ranges_is_not_external() -> None:
    entries = [{"RuleNumber": 100, "RuleAction": "allow", "CidrBlock": "10.0.0.0/8", "Protocol": "-1"}]
    assert acl_direction_allows_external(entries) is False


def test_subnet_with_its_own_route_table_follows_that_table() -> None:
    raw = _raw_account()
    private_table = {
        "RouteTableId": "rtb-private", "VpcId": VPC,
        "Associations": [{"Main": False, "SubnetId": SUBNET}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
    }
    raw["fetch-route-tables"].append((SCOPE, private_table))
    assert _public_flags(raw) == {VPC: True, SUBNET: False}
    uses = [r for r in map_public_networks(raw) if isinstance(r, Relationship) and r.verb == "USES"]
    assert [r.to_key for r in uses] == ["arn:aws:ec2:us-east-1:123456789012:route-table/rtb-private"]


def test_subnet_with_a_public_table_in_a_private_main_vpc_is_public() -> None:
    raw = _raw_account()
    main = raw["fetch-route-tables"][0][1]
    public_table = copy.deepcopy(main)
    public_table.update(RouteTableId="rtb-public", Associations=[{"SubnetId": SUBNET}])
    main["Routes"] = main["Routes"][:1]
    raw["fetch-route-tables"].append((SCOPE, public_table))
    assert _public_flags(raw) == {VPC: False, SUBNET: True}


def test_subnet_with_its_own_closed_acl_is_private() -> None:
    raw = _raw_account()
    raw["fetch-network-acls"].append((SCOPE, {
        "NetworkAclId": "acl-closed", "VpcId": VPC, "IsDefault": False,
        "Entries": _acl_entries("deny", "deny"), "Associations": [{"SubnetId": SUBNET}],
    }))
    assert _public_flags(raw) == {VPC: True, SUBNET: False}
    protects = [r for r in map_public_networks(raw) if isinstance(r, Relationship) and r.verb == "PROTECTS"]
    assert [r.from_key for r in protects] == ["arn:aws:ec2:us-east-1:123456789012:network-acl/acl-closed"]


def test_same_ids_in_two_regions_are_judged_separately() -> None:
    raw = _raw_account()
    other = TransformContext("aws", "123456789012", "eu-west-1")
    raw["fetch-vpcs"].append((other, {"VpcId": VPC}))
    raw["fetch-subnets"].append((other, {"SubnetId": SUBNET, "VpcId": VPC}))
    patches = {p.key: p.properties["public"] for p in map_public_networks(raw) if isinstance(p, EntityPatch)}
    assert patches["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"] is True
    assert patches["arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-1"] is False
