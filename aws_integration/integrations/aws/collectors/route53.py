"""Route 53 hosted zones with their record counts, and health checks."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, batched, build_entity, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

ZONE = EntityDecl("aws_route53_zone", ("DomainZone",), "A Route 53 hosted zone.", properties=described(
    zoneId="string: The hosted zone ID.",
    domainName="string: The domain it serves.",
    private="boolean: Whether it answers only inside VPCs.",
    public="boolean: Whether it answers on the internet.",
    comment="string: Its comment.",
    recordCount="integer: Its record sets.",
))


def _zone_id(item: RawItem) -> str:
    return str(item["Id"]).rsplit("/", 1)[-1]


def transform_zone(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_route53_zone``."""
    zone_id = _zone_id(item)
    name = str(item["Name"]).rstrip(".")
    config = item.get("Config") or {}
    yield build_entity(
        ZONE,
        scope,
        key=scope.arn("route53", f"hostedzone/{zone_id}", regional=False, account=False),
        name=name,
        tags=item.get("Tags"),
        properties={
            "zoneId": zone_id,
            "domainName": name,
            "private": bool(config.get("PrivateZone")),
            "public": not config.get("PrivateZone"),
            "comment": config.get("Comment") or None,
            "recordCount": item.get("ResourceRecordSetCount"),
        },
    )


CHECK = "HealthCheckConfig"

HEALTH_CHECK = mapped_type(
    "aws_route53_health_check", ("Configuration",), "A Route 53 health check.",
    key=lambda item, scope: scope.arn("route53", f"healthcheck/{item['Id']}", regional=False, account=False),
    display_name=lambda item: item["HealthCheckConfig"].get("FullyQualifiedDomainName")
    or item["HealthCheckConfig"].get("IPAddress") or item["Id"],
    tags="Tags",
    healthCheckId=("string: Its ID.", "Id"),
    checkType=("string: HTTP, HTTPS, HTTP_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC and the like.", f"{CHECK}.Type"),
    target=("string: The domain name it checks.", f"{CHECK}.FullyQualifiedDomainName"),
    ipAddress=("string: The address it checks.", f"{CHECK}.IPAddress"),
    port=("integer: The port it checks.", f"{CHECK}.Port"),
    resourcePath=("string: The path it requests.", f"{CHECK}.ResourcePath"),
    requestInterval=("integer: The seconds between checks.", f"{CHECK}.RequestInterval"),
    failureThreshold=("integer: The failed checks that make the target unhealthy.", f"{CHECK}.FailureThreshold"),
    disabled=("boolean: Whether it is turned off (and reports healthy).", f"{CHECK}.Disabled"),
    inverted=("boolean: Whether it reports the opposite of what it sees.", f"{CHECK}.Inverted"),
)


async def fetch_health_checks(context: FetchContext) -> list[RawItem]:
    """Every health check with its tags (ListTagsForResources takes ten at a time)."""
    checks = await context.items(LIST_HEALTH_CHECKS)
    answers = await context.each(batched([check["Id"] for check in checks], TAGS_BATCH), lambda ids: context.call(
        LIST_TAGS_FOR_RESOURCES, ResourceType="healthcheck", ResourceIds=ids))
    tags = {tag_set["ResourceId"]: tag_set.get("Tags") or [] for answer in answers
            for tag_set in (answer or {}).get("ResourceTagSets") or []}
    return [{**check, "Tags": tags.get(check["Id"], [])} for check in checks]


LIST_HEALTH_CHECKS = ApiCall("route53", "ListHealthChecks", "HealthChecks")
LIST_TAGS_FOR_RESOURCES = ApiCall("route53", "ListTagsForResources")
TAGS_BATCH = 10

STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-route53-zones",
        name="Route 53 hosted zones",
        service="route53",
        scope=Scope.GLOBAL,
        entities=(ZONE,),
        fetch=list_then_describe(
            ApiCall("route53", "ListHostedZones", "HostedZones"),
            Detail("Tags", ApiCall("route53", "ListTagsForResource"),
                   lambda item: {"ResourceType": "hostedzone", "ResourceId": _zone_id(item)}, pick="ResourceTagSet.Tags"),
        ),
        transform=transform_zone,
    ),
    mapped_step("fetch-route53-health-checks", "Route 53 health checks", "route53", HEALTH_CHECK, scope=Scope.GLOBAL,
                calls=(LIST_HEALTH_CHECKS, LIST_TAGS_FOR_RESOURCES), fetch=fetch_health_checks),
)
