"""Route 53 Resolver endpoints: DNS forwarded into or out of a VPC, and where they sit."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import iso, mapped_step, mapped_type, protected_by
from aws_integration.integrations.aws.declarations import ApiCall

RESOLVER_ENDPOINT = mapped_type(
    "aws_route53resolver_endpoint", ("Gateway",), "A Route 53 Resolver endpoint of a VPC.",
    key="Arn", display_name=lambda item: item.get("Name") or item["Id"], tags="Tags",
    links=(protected_by("SecurityGroupIds"),),
    name=("string: The endpoint's name.", "Name"),
    endpointId=("string: Its ID.", "Id"),
    direction=("string: INBOUND (queries from the network into the VPC) or OUTBOUND.", "Direction"),
    status=("string: CREATING, OPERATIONAL, ACTION_NEEDED and so on.", "Status"),
    vpcId=("string: The VPC it serves.", "HostVPCId"),
    ipAddressCount=("integer: Its IP addresses.", "IpAddressCount"),
    endpointType=("string: IPV4, IPV6 or DUALSTACK.", "ResolverEndpointType"),
    protocols=("string[]: The DNS protocols it answers (Do53, DoH, DoH-FIPS).", "Protocols"),
    createdOn=("timestamp: When it was created.", iso("CreationTime")),
)

STEPS = (
    mapped_step("fetch-route53resolver-endpoints", "Route 53 Resolver endpoints", "route53resolver", RESOLVER_ENDPOINT,
                fetch=list_then_describe(
        ApiCall("route53resolver", "ListResolverEndpoints", "ResolverEndpoints", page_size=100),
        Detail("Tags", ApiCall("route53resolver", "ListTagsForResource", "Tags"), lambda item: {"ResourceArn": item["Arn"]}),
    )),
)
