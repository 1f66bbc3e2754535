"""How VPCs reach beyond themselves: VPN gateways, VPC endpoints, peering, and flow logs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from aws_integration.integrations.aws.collectors.common import OneAnswer, build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import VPC, ec2_arn
from aws_integration.integrations.aws.collectors.iam_trust import open_to_anyone
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

VPN_GATEWAY = EntityDecl("aws_vpn_gateway", ("Gateway",), "A virtual private gateway (VPN).", properties=described(
    vpnGatewayId="string: The gateway ID.",
    state="string: pending, available, deleting or deleted.",
    type="string: The VPN type (ipsec.1).",
    amazonSideAsn="integer: The BGP ASN of the Amazon side.",
    attachedVpcIds="string[]: The VPCs it is attached to.",
))
VPC_ENDPOINT = EntityDecl("aws_vpc_endpoint", ("NetworkEndpoint",), "A VPC endpoint (gateway or interface).", properties=described(
    vpcEndpointId="string: The endpoint ID.",
    vpcId="string: The ID of its VPC.",
    serviceName="string: The service it reaches (com.amazonaws.us-east-1.s3).",
    endpointType="string: Gateway, Interface or GatewayLoadBalancer.",
    state="string: Its state (available, pending, rejected, ...).",
    privateDnsEnabled="boolean: Whether the service's DNS names resolve to the endpoint.",
    subnetIds="string[]: The subnets of an interface endpoint.",
    hasPolicy="boolean: Whether it has an endpoint policy.",
    policyDocument="string: Its endpoint policy, as JSON text.",
    allowsAnyPrincipal="boolean: Whether its policy lets any principal through without a condition (the default "
                       "full-access policy does), so credentials from any account can use the endpoint.",
    createdOn="timestamp: When it was created.",
))


DESCRIBE_VPN_GATEWAYS = ApiCall("ec2", "DescribeVpnGateways")
DESCRIBE_VPC_ENDPOINTS = ApiCall("ec2", "DescribeVpcEndpoints", "VpcEndpoints")
DESCRIBE_VPC_PEERING_CONNECTIONS = ApiCall("ec2", "DescribeVpcPeeringConnections", "VpcPeeringConnections")
DESCRIBE_FLOW_LOGS = ApiCall("ec2", "DescribeFlowLogs", "FlowLogs")


def transform_vpn_gateway(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_vpn_gateway``; each VPC it is attached to HAS it."""
    key = ec2_arn(scope, "vpn-gateway", item["VpnGatewayId"])
    attached = [a["VpcId"] for a in item.get("VpcAttachments", []) if a.get("State") in ("attached", "attaching")]
    yield build_entity(
        VPN_GATEWAY,
        scope,
        key=key,
        name=item["VpnGatewayId"],
        tags=item.get("Tags"),
        properties={"vpnGatewayId": item["VpnGatewayId"], "state": item.get("State"), "type": item.get("Type"),
                    "amazonSideAsn": item.get("AmazonSideAsn"), "attachedVpcIds": attached or None},
    )
    for vpc_id in attached:
        yield relate(VPC, ec2_arn(scope, "vpc", vpc_id), "HAS", VPN_GATEWAY, key)


def transform_vpc_endpoint(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_vpc_endpoint``; its VPC HAS it."""
    key = ec2_arn(scope, "vpc-endpoint", item["VpcEndpointId"])
    yield build_entity(
        VPC_ENDPOINT,
        scope,
        key=key,
        name=item.get("ServiceName") or item["VpcEndpointId"],
        tags=item.get("Tags"),
        properties={
            "vpcEndpointId": item["VpcEndpointId"],
            "vpcId": item.get("VpcId"),
            "serviceName": item.get("ServiceName"),
            "endpointType": item.get("VpcEndpointType"),
            "state": item.get("State"),
            "privateDnsEnabled": item.get("PrivateDnsEnabled"),
            "subnetIds": item.get("SubnetIds") or None,
            "hasPolicy": bool(item.get("PolicyDocument")),
            "policyDocument": item.get("PolicyDocument"),
            "allowsAnyPrincipal": open_to_anyone(item["PolicyDocument"]) if item.get("PolicyDocument") else None,
            "createdOn": item.get("CreationTimestamp"),
        },
    )
    if item.get("VpcId"):
        yield relate(VPC, ec2_arn(scope, "vpc", item["VpcId"]), "HAS", VPC_ENDPOINT, key)


def _peer_vpc_key(scope: TransformContext, side: Mapping[str, str]) -> str:
    region = side.get("Region") or scope.region or ""
    return f"arn:{scope.partition}:ec2:{region}:{side.get('OwnerId', scope.account_id)}:vpc/{side['VpcId']}"


def transform_peering(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """``aws_vpc`` CONNECTS ``aws_vpc`` for each active peering (requester to accepter).

    A peer in another account is not in this graph: the store counts that edge as dangling.
    """
    if (item.get("Status") or {}).get("Code") != "active":
        return
    yield Relationship(
        _peer_vpc_key(scope, item["RequesterVpcInfo"]), VPC.type, "CONNECTS",
        _peer_vpc_key(scope, item["AccepterVpcInfo"]), VPC.type,
        {"peeringConnectionId": item["VpcPeeringConnectionId"]},
    )


def _no_entities(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """Flow logs become properties of the networks they cover (the flow-logs mapper)."""
    return iter(())


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-vpn-gateways", name="VPN gateways", service="ec2", scope=Scope.REGIONAL,
        entities=(VPN_GATEWAY,),
        relationships=(RelationshipDecl(VPC.type, "HAS", VPN_GATEWAY.type),),
        fetch=OneAnswer(DESCRIBE_VPN_GATEWAYS, "VpnGateways"), transform=transform_vpn_gateway,
    ),
    StepDecl(
        id="fetch-vpc-endpoints", name="VPC endpoints", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_VPC_ENDPOINTS,), entities=(VPC_ENDPOINT,),
        relationships=(RelationshipDecl(VPC.type, "HAS", VPC_ENDPOINT.type),),
        transform=transform_vpc_endpoint,
    ),
    StepDecl(
        id="fetch-vpc-peering", name="VPC peering connections", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_VPC_PEERING_CONNECTIONS,), entities=(),
        relationships=(RelationshipDecl(VPC.type, "CONNECTS", VPC.type, described(
            peeringConnectionId="string: The ID of the peering connection.",
        )),),
        transform=transform_peering,
    ),
    StepDecl(
        id="fetch-flow-logs", name="VPC flow logs", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_FLOW_LOGS,), entities=(),
        transform=_no_entities,
    ),
)
