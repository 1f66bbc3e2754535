"""How networks join beyond one VPC: transit gateways and their attachments, customer gateways, and
site-to-site VPN connections (their tunnels' state, never their pre-shared keys)."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import OneAnswer
from aws_integration.integrations.aws.collectors.ec2 import EC2_PAGE, VPC, ec2_arn
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.collectors.vpc_connectivity import VPN_GATEWAY
from aws_integration.integrations.aws.declarations import ApiCall


def _keyed(kind: str, id_field: str):  # type: ignore[no-untyped-def]
    """The EC2 ARN of the item, from its ID."""
    return lambda item, scope: ec2_arn(scope, kind, item[id_field])


def _if(field: str, value: str, then: str):  # type: ignore[no-untyped-def]
    """The item's ``then`` field where ``field`` is ``value`` (an attachment's VPC, say)."""
    return lambda item: item.get(then) if item.get(field) == value else None


TRANSIT_GATEWAY = mapped_type(
    "aws_transit_gateway", ("Gateway",), "A transit gateway: a regional router between VPCs, VPNs and peers.",
    key="TransitGatewayArn", display_name="TransitGatewayId", tags="Tags",
    transitGatewayId=("string: Its ID.", "TransitGatewayId"),
    state=("string: pending, available, modifying, deleting or deleted.", "State"),
    ownerId=("string: The account that owns it (another, when it is shared through RAM).", "OwnerId"),
    description=("string: Its description.", "Description"),
    amazonSideAsn=("integer: The BGP ASN of the Amazon side.", "Options.AmazonSideAsn"),
    autoAcceptSharedAttachments=("boolean: Whether other accounts' attachments are accepted without review.",
                                 equals("Options.AutoAcceptSharedAttachments", "enable")),
    defaultRouteTableAssociation=("boolean: Whether attachments join its default route table.",
                                  equals("Options.DefaultRouteTableAssociation", "enable")),
    dnsSupport=("boolean: Whether DNS resolves across its VPCs.", equals("Options.DnsSupport", "enable")),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)

CUSTOMER_GATEWAY = mapped_type(
    "aws_customer_gateway", ("Gateway",), "A customer gateway: the on-premises end of a site-to-site VPN.",
    key=_keyed("customer-gateway", "CustomerGatewayId"), display_name="CustomerGatewayId", tags="Tags",
    customerGatewayId=("string: Its ID.", "CustomerGatewayId"),
    state=("string: pending, available, deleting or deleted.", "State"),
    ipAddress=("string: The public address of its outside interface.", "IpAddress"),
    bgpAsn=("string: Its BGP ASN.", "BgpAsn"),
    vpnType=("string: The VPN type it supports (ipsec.1).", "Type"),
    deviceName=("string: The name of its device.", "DeviceName"),
)

VPN_CONNECTION = mapped_type(
    "aws_vpn_connection", ("Channel",), "A site-to-site VPN connection (its tunnels' state; never its keys).",
    key=_keyed("vpn-connection", "VpnConnectionId"), display_name="VpnConnectionId", tags="Tags",
    links=(
        Link("CONNECTS", CUSTOMER_GATEWAY.decl, "CustomerGatewayId", ec2_kind="customer-gateway"),
        Link("HAS", VPN_GATEWAY, "VpnGatewayId", inbound=True, ec2_kind="vpn-gateway"),
        Link("HAS", TRANSIT_GATEWAY.decl, "TransitGatewayId", inbound=True, ec2_kind="transit-gateway"),
    ),
    vpnConnectionId=("string: Its ID.", "VpnConnectionId"),
    state=("string: pending, available, deleting or deleted.", "State"),
    vpnType=("string: The VPN type (ipsec.1).", "Type"),
    customerGatewayId=("string: Its customer gateway.", "CustomerGatewayId"),
    vpnGatewayId=("string: Its virtual private gateway, when it ends on one.", "VpnGatewayId"),
    transitGatewayId=("string: Its transit gateway, when it ends on one.", "TransitGatewayId"),
    staticRoutesOnly=("boolean: Whether it routes statically (no BGP).", "Options.StaticRoutesOnly"),
    tunnelsUp=("integer: Its tunnels that are UP.",
               lambda item: sum(1 for tunnel in item.get("VgwTelemetry") or [] if tunnel.get("Status") == "UP")),
    tunnels=("integer: Its tunnels.", lambda item: len(item.get("VgwTelemetry") or []) or None),
    category=("string: VPN (current) or VPN-Classic.", "Category"),
)

ATTACHED = {"vpc": "vpc", "vpn": "vpn-connection"}  # attachment resource types placed in the graph

TRANSIT_GATEWAY_ATTACHMENT = mapped_type(
    "aws_transit_gateway_attachment", ("Gateway",),
    "An attachment of a VPC, VPN, peering or Direct Connect gateway to a transit gateway.",
    key=_keyed("transit-gateway-attachment", "TransitGatewayAttachmentId"),
    display_name="TransitGatewayAttachmentId", tags="Tags",
    links=(
        Link("HAS", TRANSIT_GATEWAY.decl, "TransitGatewayId", inbound=True, ec2_kind="transit-gateway"),
        Link("CONNECTS", VPC, _if("ResourceType", "vpc", "ResourceId"), ec2_kind="vpc"),
        Link("CONNECTS", VPN_CONNECTION.decl, _if("ResourceType", "vpn", "ResourceId"), ec2_kind="vpn-connection"),
    ),
    attachmentId=("string: Its ID.", "TransitGatewayAttachmentId"),
    transitGatewayId=("string: Its transit gateway.", "TransitGatewayId"),
    transitGatewayOwnerId=("string: The account that owns the transit gateway.", "TransitGatewayOwnerId"),
    resourceType=("string: vpc, vpn, direct-connect-gateway, peering, connect or tgw-peering.", "ResourceType"),
    resourceId=("string: The attached resource's ID.", "ResourceId"),
    resourceOwnerId=("string: The account that owns the attached resource.", "ResourceOwnerId"),
    crossAccount=("boolean: Whether the attached resource belongs to another account than the gateway.",
                  lambda item: item.get("ResourceOwnerId") != item.get("TransitGatewayOwnerId")
                  if item.get("ResourceOwnerId") and item.get("TransitGatewayOwnerId") else None),
    state=("string: pending, available, pendingAcceptance, rejected and so on.", "State"),
    routeTableId=("string: The transit gateway route table it is associated with.", "Association.TransitGatewayRouteTableId"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)

STEPS = (
    mapped_step("fetch-transit-gateways", "Transit gateways", "ec2", TRANSIT_GATEWAY,
                calls=(ApiCall("ec2", "DescribeTransitGateways", "TransitGateways", page_size=EC2_PAGE),)),
    mapped_step("fetch-transit-gateway-attachments", "Transit gateway attachments", "ec2", TRANSIT_GATEWAY_ATTACHMENT,
                calls=(ApiCall("ec2", "DescribeTransitGatewayAttachments", "TransitGatewayAttachments",
                               page_size=EC2_PAGE),)),
    mapped_step("fetch-customer-gateways", "Customer gateways", "ec2", CUSTOMER_GATEWAY,
                fetch=OneAnswer(ApiCall("ec2", "DescribeCustomerGateways"), "CustomerGateways")),
    mapped_step("fetch-vpn-connections", "Site-to-site VPN connections", "ec2", VPN_CONNECTION,
                fetch=OneAnswer(ApiCall("ec2", "DescribeVpnConnections"), "VpnConnections")),
)
