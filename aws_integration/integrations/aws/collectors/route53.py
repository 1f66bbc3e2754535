"""Route 53 hosted zones with their record counts."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
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
)
