"""Auto Scaling groups: the instances they run, the launch template they launch from."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import INSTANCE, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.ec2_images import LAUNCH_TEMPLATE
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

GROUP = EntityDecl("aws_autoscaling_group", ("Deployment",), "An EC2 Auto Scaling group.", properties=described(
    name="string: The group's name.",
    arn="string: Its ARN.",
    minSize="integer: The fewest instances it keeps.",
    maxSize="integer: The most instances it may run.",
    desiredCapacity="integer: The instances it aims to run.",
    instanceCount="integer: The instances it runs now.",
    healthCheckType="string: EC2 or ELB.",
    launchConfigurationName="string: The launch configuration it launches from.",
    launchTemplateId="string: The launch template it launches from.",
    subnetIds="string[]: The subnets it launches into.",
    loadBalancerNames="string[]: The classic load balancers it registers with.",
    targetGroupArns="string[]: The target groups it registers with.",
    createdOn="timestamp: When it was created.",
))


DESCRIBE_AUTO_SCALING_GROUPS = ApiCall("autoscaling", "DescribeAutoScalingGroups", "AutoScalingGroups")


def transform_group(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_autoscaling_group``: it HAS its instances, USES its launch template, sits in subnets."""
    key = item["AutoScalingGroupARN"]
    template = item.get("LaunchTemplate") or (item.get("MixedInstancesPolicy") or {}).get(
        "LaunchTemplate", {}).get("LaunchTemplateSpecification") or {}
    subnets = [subnet for subnet in (item.get("VPCZoneIdentifier") or "").split(",") if subnet]
    yield build_entity(
        GROUP,
        scope,
        key=key,
        name=item["AutoScalingGroupName"],
        tags=[{"Key": tag["Key"], "Value": tag.get("Value")} for tag in item.get("Tags", [])],
        properties={
            "name": item["AutoScalingGroupName"],
            "arn": key,
            "minSize": item.get("MinSize"),
            "maxSize": item.get("MaxSize"),
            "desiredCapacity": item.get("DesiredCapacity"),
            "instanceCount": len(item.get("Instances", [])),
            "healthCheckType": item.get("HealthCheckType"),
            "launchConfigurationName": item.get("LaunchConfigurationName"),
            "launchTemplateId": template.get("LaunchTemplateId"),
            "subnetIds": subnets or None,
            "loadBalancerNames": item.get("LoadBalancerNames") or None,
            "targetGroupArns": item.get("TargetGroupARNs") or None,
            "createdOn": item.get("CreatedTime"),
        },
    )
    for instance in item.get("Instances", []):
        yield relate(GROUP, key, "HAS", INSTANCE, ec2_arn(scope, "instance", instance["InstanceId"]))
    if template.get("LaunchTemplateId"):
        yield relate(GROUP, key, "USES", LAUNCH_TEMPLATE, ec2_arn(scope, "launch-template", template["LaunchTemplateId"]))
    for subnet in subnets:
        yield relate(SUBNET, ec2_arn(scope, "subnet", subnet), "HAS", GROUP, key)


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-autoscaling-groups",
        name="Auto Scaling groups",
        service="autoscaling",
        scope=Scope.REGIONAL,
        calls=(DESCRIBE_AUTO_SCALING_GROUPS,),
        entities=(GROUP,),
        relationships=(
            RelationshipDecl(GROUP.type, "HAS", INSTANCE.type),
            RelationshipDecl(GROUP.type, "USES", LAUNCH_TEMPLATE.type),
            RelationshipDecl(SUBNET.type, "HAS", GROUP.type),
        ),
        transform=transform_group,
    ),
)
