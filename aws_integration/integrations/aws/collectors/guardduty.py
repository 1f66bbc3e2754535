"""GuardDuty detectors: whether threat detection is on, and how often it publishes."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity, iso_time
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

DETECTOR = EntityDecl("aws_guardduty_detector", ("Scanner",), "A GuardDuty detector.", properties=described(
    detectorId="string: The detector ID.",
    status="string: ENABLED or DISABLED.",
    enabled="boolean: Whether it is enabled.",
    findingPublishingFrequency="string: How often it exports updated findings.",
    serviceRole="string: The service-linked role it uses.",
    createdOn="timestamp: When it was created.",
))


LIST_DETECTORS = ApiCall("guardduty", "ListDetectors", "DetectorIds")
GET_DETECTOR = ApiCall("guardduty", "GetDetector")


def detector_arn(scope: TransformContext, detector_id: str) -> str:
    """The ARN of a detector of the scope's account and region."""
    return scope.arn("guardduty", f"detector/{detector_id}")


async def fetch_detectors(context: FetchContext) -> list[RawItem]:
    """Each detector with its settings."""
    ids = await context.items(LIST_DETECTORS)
    details = await context.each(ids, lambda detector_id: context.call(GET_DETECTOR, DetectorId=detector_id))
    return [{**(detail or {}), "DetectorId": detector_id} for detector_id, detail in zip(ids, details)]


def transform_detector(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_guardduty_detector``."""
    yield build_entity(
        DETECTOR,
        scope,
        key=detector_arn(scope, item["DetectorId"]),
        name=item["DetectorId"],
        tags=item.get("Tags"),
        properties={
            "detectorId": item["DetectorId"],
            "status": item.get("Status"),
            "enabled": item.get("Status") == "ENABLED",
            "findingPublishingFrequency": item.get("FindingPublishingFrequency"),
            "serviceRole": item.get("ServiceRole"),
            "createdOn": iso_time(item.get("CreatedAt")),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-guardduty-detectors", name="GuardDuty detectors", service="guardduty", scope=Scope.REGIONAL,
        calls=(LIST_DETECTORS, GET_DETECTOR),
        entities=(DETECTOR,), fetch=fetch_detectors, transform=transform_detector,
    ),
)
