"""Networks joined beyond one VPC (transit gateways, VPNs) and Dedicated Hosts: one seeded moto account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest

from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

PRE_SHARED_KEY = "Iw2IAN9XUsQeYUrkMGP3kP59ugFDkfHg"  # the key moto writes into every VPN's device configuration


@dataclass
class Seeded:
    """What the seeding created."""

    ids: dict[str, str] = field(default_factory=dict)


def _arn(kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{resource_id}"


def _seed() -> Seeded:
    ec2 = boto3.client("ec2", region_name=REGION)
    seeded = Seeded()
    vpc = seeded.ids["vpc"] = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    tgw = ec2.create_transit_gateway(
        Description="core", Options={"AutoAcceptSharedAttachments": "enable", "AmazonSideAsn": 64512},
        TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "core-tgw"}]}],
    )["TransitGateway"]
    seeded.ids["tgw"], seeded.ids["tgw_arn"] = tgw["TransitGatewayId"], tgw["TransitGatewayArn"]
    seeded.ids["vpc_attachment"] = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc, SubnetIds=[subnet],
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    seeded.ids["cgw"] = ec2.create_customer_gateway(
        Type="ipsec.1", PublicIp="203.0.113.10", BgpAsn=65000,
        TagSpecifications=[{"ResourceType": "customer-gateway", "Tags": [{"Key": "Site", "Value": "office"}]}],
    )["CustomerGateway"]["CustomerGatewayId"]
    seeded.ids["vpn"] = ec2.create_vpn_connection(
        Type="ipsec.1", CustomerGatewayId=seeded.ids["cgw"], TransitGatewayId=tgw["TransitGatewayId"],
    )["VpnConnection"]["VpnConnectionId"]
    seeded.ids["host"] = ec2.allocate_hosts(
        AvailabilityZone=f"{REGION}a", InstanceType="m5.large", Quantity=1, AutoPlacement="off",
        TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": [{"Key": "License", "Value": "byol"}]}],
    )["HostIds"][0]
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)


def test_every_step_succeeds_and_no_vpn_key_is_stored(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []
    assert PRE_SHARED_KEY not in json.dumps([entity.properties for entity in graph.entities])


def test_transit_gateways_and_their_attachments(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    gateway = entities_of(graph, "aws_transit_gateway", by="_key")[seeded.ids["tgw_arn"]]
    assert gateway.display_name == "core-tgw" and gateway.properties["autoAcceptSharedAttachments"] is True
    assert gateway.properties["amazonSideAsn"] == 64512
    attachments = entities_of(graph, "aws_transit_gateway_attachment")
    vpc_attachment = attachments[seeded.ids["vpc_attachment"]]
    assert vpc_attachment.properties["resourceType"] == "vpc" and vpc_attachment.properties["crossAccount"] is False
    vpn_attachment = next(a for a in attachments.values() if a.properties["resourceType"] == "vpn")
    assert edges(graph, "aws_transit_gateway_has_attachment") == {
        (gateway.key, attachment.key) for attachment in attachments.values()}
    assert edges(graph, "aws_transit_gateway_attachment_connects_vpc") == {
        (vpc_attachment.key, _arn("vpc", seeded.ids["vpc"]))}
    assert edges(graph, "aws_transit_gateway_attachment_connects_vpn_connection") == {
        (vpn_attachment.key, _arn("vpn-connection", seeded.ids["vpn"]))}


def test_customer_gateways_and_vpn_connections(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    customer = entities_of(graph, "aws_customer_gateway")[seeded.ids["cgw"]]
    assert customer.key == _arn("customer-gateway", seeded.ids["cgw"])
    assert (customer.properties["ipAddress"], customer.properties["tag.Site"]) == ("203.0.113.10", "office")
    vpn = entities_of(graph, "aws_vpn_connection")[seeded.ids["vpn"]]
    assert vpn.properties["transitGatewayId"] == seeded.ids["tgw"] and "vpnGatewayId" not in vpn.properties
    assert edges(graph, "aws_vpn_connection_connects_customer_gateway") == {(vpn.key, customer.key)}
    assert edges(graph, "aws_transit_gateway_has_vpn_connection") == {(seeded.ids["tgw_arn"], vpn.key)}


def test_dedicated_hosts(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    host = entities_of(graph, "aws_ec2_dedicated_host")[seeded.ids["host"]]
    assert (host.properties["instanceType"], host.properties["autoPlacement"]) == ("m5.large", False)
    assert host.properties["tag.License"] == "byol" and host.properties["instanceCount"] == 0
