"""Flow logs as a property of the networks they cover: ``flowLogsEnabled`` on VPCs and subnets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from aws_integration.integrations.aws.collectors.ec2 import SUBNET, VPC, ec2_arn
from aws_integration.integrations.aws.declarations import MapperDecl, RawItem
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import EntityPatch, Relationship


def map_flow_logs(raw: Mapping[str, list[tuple[TransformContext, RawItem]]]) -> Iterator[EntityPatch | Relationship]:
    """``flowLogsEnabled`` on every VPC and subnet: true when an active flow log covers it."""
    logged = {(scope.region, log.get("ResourceId")) for scope, log in raw["fetch-flow-logs"]
              if log.get("FlowLogStatus", "ACTIVE") == "ACTIVE"}
    for scope, vpc in raw["fetch-vpcs"]:
        yield EntityPatch(ec2_arn(scope, "vpc", vpc["VpcId"]), {"flowLogsEnabled": (scope.region, vpc["VpcId"]) in logged})
    for scope, subnet in raw["fetch-subnets"]:
        covered = (scope.region, subnet["SubnetId"]) in logged or (scope.region, subnet["VpcId"]) in logged
        yield EntityPatch(ec2_arn(scope, "subnet", subnet["SubnetId"]), {"flowLogsEnabled": covered})


FLOW_LOGS = MapperDecl(
    id="map-flow-logs",
    name="Flow logs of networks",
    depends_on=("fetch-flow-logs", "fetch-vpcs", "fetch-subnets"),
    enriches=(VPC.type, SUBNET.type),
    map=map_flow_logs,
)
