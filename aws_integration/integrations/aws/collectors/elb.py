"""Load balancers: application and network (v2), their target groups and listeners, and classic ELBs."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import batched, build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import INSTANCE, SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.declarations import (
    ApiCall, EntityDecl, Property, RawItem, RelationshipDecl, Scope, StepDecl, described,
)
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

def _v2_balancer_properties(kind: str, plaintext: str) -> tuple[Property, ...]:
    """What ALBs and NLBs both carry; ``kind`` is their ``type``, ``plaintext`` what an unencrypted listener takes."""
    return described(
        name="string: The load balancer's name.",
        arn="string: Its ARN.",
        type=f"string: {kind}.",
        scheme="string: internet-facing or internal.",
        public="boolean: Whether it is internet-facing.",
        dnsName="string: Its DNS name.",
        state="string: active, provisioning, active_impaired or failed.",
        vpcId="string: The ID of its VPC.",
        ipAddressType="string: ipv4 or dualstack.",
        listenerPorts="integer[]: The ports its listeners accept.",
        listenerProtocols="string[]: The protocols of its listeners.",
        sslPolicies="string[]: The TLS policies of its secure listeners.",
        plaintextListener=f"boolean: Whether a listener accepts unencrypted {plaintext}.",
        createdOn="timestamp: When it was created.",
    )


ALB = EntityDecl("aws_alb", ("Gateway",), "An application load balancer.",
                 properties=_v2_balancer_properties("application", "HTTP"))
NLB = EntityDecl("aws_nlb", ("Gateway",), "A network (or gateway) load balancer.",
                 properties=_v2_balancer_properties("network or gateway", "TCP or UDP"))
TARGET_GROUP = EntityDecl("aws_lb_target_group", ("Group",), "A target group of a v2 load balancer.", properties=described(
    name="string: The target group's name.",
    arn="string: Its ARN.",
    protocol="string: The protocol it routes with.",
    port="integer: The port it routes to.",
    targetType="string: instance, ip, lambda or alb.",
    vpcId="string: The ID of its VPC.",
    healthCheckPath="string: The path of its HTTP health check.",
    targetCount="integer: Its registered targets.",
    healthyTargetCount="integer: Its targets that pass the health check.",
))
CLASSIC = EntityDecl("aws_elb", ("Gateway",), "A classic load balancer.", properties=described(
    name="string: The load balancer's name.",
    arn="string: Its ARN.",
    scheme="string: internet-facing or internal.",
    public="boolean: Whether it is internet-facing.",
    dnsName="string: Its DNS name.",
    vpcId="string: The ID of its VPC.",
    listenerPorts="integer[]: The ports its listeners accept.",
    listenerProtocols="string[]: The protocols of its listeners.",
    plaintextListener="boolean: Whether a listener accepts unencrypted HTTP or TCP.",
    instanceCount="integer: The instances registered with it.",
    createdOn="timestamp: When it was created.",
))
TAG_BATCH = 20  # DescribeTags takes at most 20 resources per call


ELBV2_DESCRIBE_LOAD_BALANCERS = ApiCall("elbv2", "DescribeLoadBalancers", "LoadBalancers")
ELB_DESCRIBE_LOAD_BALANCERS = ApiCall("elb", "DescribeLoadBalancers", "LoadBalancerDescriptions")
ELBV2_DESCRIBE_TAGS = ApiCall("elbv2", "DescribeTags")
ELB_DESCRIBE_TAGS = ApiCall("elb", "DescribeTags")
DESCRIBE_LISTENERS = ApiCall("elbv2", "DescribeListeners", "Listeners")
DESCRIBE_TARGET_GROUPS = ApiCall("elbv2", "DescribeTargetGroups", "TargetGroups")
DESCRIBE_TARGET_HEALTH = ApiCall("elbv2", "DescribeTargetHealth")


def _placed(decl: EntityDecl, key: str, scope: TransformContext, groups: list[str], subnets: list[str]) -> Iterator[Relationship]:
    """Its security groups PROTECT a load balancer; its subnets HAVE it."""
    for group_id in groups:
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group_id), "PROTECTS", decl, key)
    for subnet in subnets:
        yield relate(SUBNET, ec2_arn(scope, "subnet", subnet), "HAS", decl, key)


async def _tags_by_resource(
    context: FetchContext, describe_tags: ApiCall, field: str, names: list[str]
) -> dict[str, list[RawItem]]:
    answers = await context.each(batched(names, TAG_BATCH), lambda batch: context.call(describe_tags, **{field: batch}))
    key = "ResourceArn" if field == "ResourceArns" else "LoadBalancerName"
    return {entry[key]: entry.get("Tags", []) for answer in answers for entry in (answer or {}).get("TagDescriptions", [])}


async def fetch_load_balancers(context: FetchContext) -> list[RawItem]:
    """v2 load balancers with their tags and listeners."""
    balancers = await context.items(ELBV2_DESCRIBE_LOAD_BALANCERS)
    tags = await _tags_by_resource(context, ELBV2_DESCRIBE_TAGS, "ResourceArns", [lb["LoadBalancerArn"] for lb in balancers])
    listeners = await context.each(
        balancers, lambda lb: context.items(DESCRIBE_LISTENERS, LoadBalancerArn=lb["LoadBalancerArn"])
    )
    return [{**lb, "Tags": tags.get(lb["LoadBalancerArn"], []), "Listeners": found}
            for lb, found in zip(balancers, listeners)]


def transform_load_balancer(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_alb`` or ``aws_nlb`` with its listeners as properties; in subnets, behind security groups."""
    decl = ALB if item.get("Type") == "application" else NLB
    key = item["LoadBalancerArn"]
    listeners = item.get("Listeners", [])
    subnets = [zone["SubnetId"] for zone in item.get("AvailabilityZones", []) if zone.get("SubnetId")]
    yield build_entity(
        decl,
        scope,
        key=key,
        name=item["LoadBalancerName"],
        tags=item.get("Tags"),
        properties={
            "name": item["LoadBalancerName"],
            "arn": key,
            "type": item.get("Type"),
            "scheme": item.get("Scheme"),
            "public": item.get("Scheme") == "internet-facing",
            "dnsName": item.get("DNSName"),
            "state": (item.get("State") or {}).get("Code"),
            "vpcId": item.get("VpcId"),
            "ipAddressType": item.get("IpAddressType"),
            "listenerPorts": sorted({listener.get("Port") for listener in listeners if listener.get("Port")}) or None,
            "listenerProtocols": sorted({listener.get("Protocol") for listener in listeners if listener.get("Protocol")}) or None,
            "sslPolicies": sorted({listener["SslPolicy"] for listener in listeners if listener.get("SslPolicy")}) or None,
            "plaintextListener": any(listener.get("Protocol") in ("HTTP", "TCP", "UDP") for listener in listeners),
            "createdOn": item.get("CreatedTime"),
        },
    )
    yield from _placed(decl, key, scope, item.get("SecurityGroups", []), subnets)


async def fetch_target_groups(context: FetchContext) -> list[RawItem]:
    """Target groups with the health of their targets."""
    groups = await context.items(DESCRIBE_TARGET_GROUPS)
    health = await context.each(
        groups, lambda group: context.call(DESCRIBE_TARGET_HEALTH, TargetGroupArn=group["TargetGroupArn"])
    )
    return [{**group, "Targets": (answer or {}).get("TargetHealthDescriptions", [])} for group, answer in zip(groups, health)]


def transform_target_group(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_lb_target_group``: its load balancers HAVE it, it HAS its instance targets."""
    key = item["TargetGroupArn"]
    targets = item.get("Targets", [])
    yield build_entity(
        TARGET_GROUP,
        scope,
        key=key,
        name=item["TargetGroupName"],
        properties={
            "name": item["TargetGroupName"],
            "arn": key,
            "protocol": item.get("Protocol"),
            "port": item.get("Port"),
            "targetType": item.get("TargetType"),
            "vpcId": item.get("VpcId"),
            "healthCheckPath": item.get("HealthCheckPath"),
            "targetCount": len(targets),
            "healthyTargetCount": sum(1 for t in targets if (t.get("TargetHealth") or {}).get("State") == "healthy"),
        },
    )
    for balancer in item.get("LoadBalancerArns", []):
        decl = ALB if ":loadbalancer/app/" in balancer else NLB
        yield relate(decl, balancer, "HAS", TARGET_GROUP, key)
    if item.get("TargetType", "instance") == "instance":
        for target in targets:
            target_id = (target.get("Target") or {}).get("Id")
            if target_id:
                yield relate(TARGET_GROUP, key, "HAS", INSTANCE, ec2_arn(scope, "instance", target_id))


async def fetch_classic_load_balancers(context: FetchContext) -> list[RawItem]:
    """Classic load balancers with their tags."""
    balancers = await context.items(ELB_DESCRIBE_LOAD_BALANCERS)
    tags = await _tags_by_resource(context, ELB_DESCRIBE_TAGS, "LoadBalancerNames",
                                   [lb["LoadBalancerName"] for lb in balancers])
    return [{**lb, "Tags": tags.get(lb["LoadBalancerName"], [])} for lb in balancers]


def transform_classic(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_elb``: it HAS its instances, in subnets, behind security groups."""
    key = scope.arn("elasticloadbalancing", f"loadbalancer/{item['LoadBalancerName']}")
    listeners = [entry.get("Listener", {}) for entry in item.get("ListenerDescriptions", [])]
    yield build_entity(
        CLASSIC,
        scope,
        key=key,
        name=item["LoadBalancerName"],
        tags=item.get("Tags"),
        properties={
            "name": item["LoadBalancerName"],
            "arn": key,
            "scheme": item.get("Scheme"),
            "public": item.get("Scheme") == "internet-facing",
            "dnsName": item.get("DNSName"),
            "vpcId": item.get("VPCId"),
            "listenerPorts": sorted({listener.get("LoadBalancerPort") for listener in listeners}) or None,
            "listenerProtocols": sorted({listener.get("Protocol") for listener in listeners if listener.get("Protocol")}) or None,
            "plaintextListener": any(listener.get("Protocol") in ("HTTP", "TCP") for listener in listeners),
            "instanceCount": len(item.get("Instances", [])),
            "createdOn": item.get("CreatedTime"),
        },
    )
    for instance in item.get("Instances", []):
        yield relate(CLASSIC, key, "HAS", INSTANCE, ec2_arn(scope, "instance", instance["InstanceId"]))
    yield from _placed(CLASSIC, key, scope, item.get("SecurityGroups", []), item.get("Subnets", []))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-load-balancers",
        name="Application and network load balancers",
        service="elbv2",
        scope=Scope.REGIONAL,
        calls=(
            ELBV2_DESCRIBE_LOAD_BALANCERS,
            ELBV2_DESCRIBE_TAGS,
            DESCRIBE_LISTENERS,
        ),
        entities=(ALB, NLB),
        relationships=tuple(
            relationship for decl in (ALB, NLB) for relationship in (
                RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", decl.type),
                RelationshipDecl(SUBNET.type, "HAS", decl.type),
            )
        ),
        fetch=fetch_load_balancers,
        transform=transform_load_balancer,
    ),
    StepDecl(
        id="fetch-target-groups",
        name="Load balancer target groups",
        service="elbv2",
        scope=Scope.REGIONAL,
        calls=(
            DESCRIBE_TARGET_GROUPS,
            DESCRIBE_TARGET_HEALTH,
        ),
        entities=(TARGET_GROUP,),
        relationships=(
            RelationshipDecl(ALB.type, "HAS", TARGET_GROUP.type),
            RelationshipDecl(NLB.type, "HAS", TARGET_GROUP.type),
            RelationshipDecl(TARGET_GROUP.type, "HAS", INSTANCE.type),
        ),
        fetch=fetch_target_groups,
        transform=transform_target_group,
    ),
    StepDecl(
        id="fetch-classic-load-balancers",
        name="Classic load balancers",
        service="elb",
        scope=Scope.REGIONAL,
        calls=(
            ELB_DESCRIBE_LOAD_BALANCERS,
            ELB_DESCRIBE_TAGS,
        ),
        entities=(CLASSIC,),
        relationships=(
            RelationshipDecl(CLASSIC.type, "HAS", INSTANCE.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", CLASSIC.type),
            RelationshipDecl(SUBNET.type, "HAS", CLASSIC.type),
        ),
        fetch=fetch_classic_load_balancers,
        transform=transform_classic,
    ),
)
