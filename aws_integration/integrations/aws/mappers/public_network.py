"""Which VPCs and subnets are public, and which route table and ACL each subnet uses.

A VPC or subnet is public only when all three hold: the VPC has an internet gateway
attached; the route table in effect routes 0.0.0.0/0 or ::/0 to that gateway; the
network ACL in effect allows traffic to and from external addresses. A subnet uses its
explicitly associated route table (else the VPC's main one) and its associated ACL
(else the VPC's default one); the VPC itself is judged by its main table and default ACL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from aws_integration.integrations.aws.collectors.ec2 import (
    EXTERNAL_IPV4,
    EXTERNAL_IPV6,
    NETWORK_ACL,
    ROUTE_TABLE,
    SUBNET,
    ec2_arn,
)
from aws_integration.integrations.aws.collectors.common import relate
from aws_integration.integrations.aws.declarations import MapperDecl, RawItem, RelationshipDecl
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import EntityPatch, Relationship

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _entry_network(entry: RawItem) -> Network | None:
    cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    return ipaddress.ip_network(cidr, strict=False) if cidr else None


def _covers(outer: Network, inner: Network) -> bool:
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def acl_direction_allows_external(entries: Iterable[RawItem]) -> bool:
    """Whether ACL entries of one direction let some external (non-private) traffic through.

    Entries are evaluated in rule-number order: an allow counts unless an earlier deny
    covers its whole range for the same protocol (or all protocols).
    """
    ordered = sorted(entries, key=lambda entry: entry.get("RuleNumber", 32767))
    for index, entry in enumerate(ordered):
        network = _entry_network(entry)
        if entry.get("RuleAction") != "allow" or network is None or network.is_private:
            continue
        protocol = str(entry.get("Protocol", "-1"))
        shadowed = any(
            earlier.get("RuleAction") == "deny"
            and str(earlier.get("Protocol", "-1")) in ("-1", protocol)
            and (earlier_network := _entry_network(earlier)) is not None
            and _covers(earlier_network, network)
            for earlier in ordered[:index]
        )
        if not shadowed:
            return True
    return False


def acl_allows_external(acl: RawItem) -> bool:
    """Both inbound and outbound external traffic are allowed by the ACL."""
    entries = acl.get("Entries", [])
    return acl_direction_allows_external(e for e in entries if not e.get("Egress")) and acl_direction_allows_external(
        e for e in entries if e.get("Egress")
    )


def routes_to_gateway(route_table: RawItem, gateway_ids: set[str]) -> bool:
    """The table sends 0.0.0.0/0 or ::/0 to one of the given internet gateways."""
    for route in route_table.get("Routes", []):
        external = route.get("DestinationCidrBlock") == EXTERNAL_IPV4 or route.get("DestinationIpv6CidrBlock") == EXTERNAL_IPV6
        if external and route.get("GatewayId") in gateway_ids and route.get("State", "active") == "active":
            return True
    return False


@dataclass
class _VpcNetwork:
    scope: TransformContext
    gateways: set[str] = field(default_factory=set)
    main_table: RawItem | None = None
    default_acl: RawItem | None = None
    table_of_subnet: dict[str, RawItem] = field(default_factory=dict)
    acl_of_subnet: dict[str, RawItem] = field(default_factory=dict)

    def is_public(self, table: RawItem | None, acl: RawItem | None) -> bool:
        return bool(
            self.gateways and table and acl and routes_to_gateway(table, self.gateways) and acl_allows_external(acl)
        )


def _index(raw: Mapping[str, list[tuple[TransformContext, RawItem]]]) -> dict[tuple[str | None, str], _VpcNetwork]:
    vpcs = {(scope.region, item["VpcId"]): _VpcNetwork(scope) for scope, item in raw["fetch-vpcs"]}
    for scope, gateway in raw["fetch-internet-gateways"]:
        for attachment in gateway.get("Attachments", []):
            vpc = vpcs.get((scope.region, attachment["VpcId"]))
            if vpc and attachment.get("State") in (None, "available", "attached"):
                vpc.gateways.add(gateway["InternetGatewayId"])
    for scope, table in raw["fetch-route-tables"]:
        vpc = vpcs.get((scope.region, table["VpcId"]))
        if vpc is None:
            continue
        for association in table.get("Associations", []):
            if association.get("Main"):
                vpc.main_table = table
            elif association.get("SubnetId"):
                vpc.table_of_subnet[association["SubnetId"]] = table
    for scope, acl in raw["fetch-network-acls"]:
        vpc = vpcs.get((scope.region, acl["VpcId"]))
        if vpc is None:
            continue
        if acl.get("IsDefault"):
            vpc.default_acl = acl
        for association in acl.get("Associations", []):
            if association.get("SubnetId"):
                vpc.acl_of_subnet[association["SubnetId"]] = acl
    return vpcs


def map_public_networks(
    raw: Mapping[str, list[tuple[TransformContext, RawItem]]],
) -> Iterator[EntityPatch | Relationship]:
    """Set ``public`` on every VPC and subnet; link subnets to their table and ACL."""
    vpcs = _index(raw)
    for (region, vpc_id), vpc in vpcs.items():
        yield EntityPatch(
            ec2_arn(vpc.scope, "vpc", vpc_id), {"public": vpc.is_public(vpc.main_table, vpc.default_acl)}
        )
    for scope, subnet in raw["fetch-subnets"]:
        vpc = vpcs.get((scope.region, subnet["VpcId"]))
        if vpc is None:
            continue
        subnet_key = ec2_arn(scope, "subnet", subnet["SubnetId"])
        table = vpc.table_of_subnet.get(subnet["SubnetId"], vpc.main_table)
        acl = vpc.acl_of_subnet.get(subnet["SubnetId"], vpc.default_acl)
        yield EntityPatch(subnet_key, {"public": vpc.is_public(table, acl)})
        if table:
            yield relate(SUBNET, subnet_key, "USES", ROUTE_TABLE, ec2_arn(scope, "route-table", table["RouteTableId"]))
        if acl:
            yield relate(NETWORK_ACL, ec2_arn(scope, "network-acl", acl["NetworkAclId"]), "PROTECTS", SUBNET, subnet_key)


PUBLIC_NETWORKS = MapperDecl(
    id="map-public-networks",
    name="Public networks",
    depends_on=(
        "fetch-vpcs",
        "fetch-subnets",
        "fetch-internet-gateways",
        "fetch-route-tables",
        "fetch-network-acls",
    ),
    enriches=("aws_vpc", "aws_subnet"),
    map=map_public_networks,
    relationships=(
        RelationshipDecl(SUBNET.type, "USES", ROUTE_TABLE.type),
        RelationshipDecl(NETWORK_ACL.type, "PROTECTS", SUBNET.type),
    ),
)
