"""CloudTrail trails: whether they log, where to, validated and encrypted or not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity, relate
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.collectors.logs import LOG_GROUP
from aws_integration.integrations.aws.collectors.s3 import BUCKET
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

TRAIL = EntityDecl("aws_cloudtrail", ("Logs",), "A CloudTrail trail.", properties=described(
    name="string: The trail's name.",
    arn="string: Its ARN.",
    logging="boolean: Whether it is recording events now.",
    s3BucketName="string: The bucket it delivers log files to.",
    multiRegion="boolean: Whether it records events of every region.",
    organizationTrail="boolean: Whether it records the events of every account of the Organization.",
    includeGlobalServiceEvents="boolean: Whether it records global services' events (IAM).",
    logFileValidationEnabled="boolean: Whether its log files carry digests that prove them unaltered.",
    kmsKeyId="string: The KMS key that encrypts its log files.",
    encrypted="boolean: Whether a KMS key encrypts its log files.",
    cloudWatchLogsLogGroupArn="string: The log group it also delivers events to.",
    homeRegion="string: The region it was created in.",
))


DESCRIBE_TRAILS = ApiCall("cloudtrail", "DescribeTrails")
GET_TRAIL_STATUS = ApiCall("cloudtrail", "GetTrailStatus")
LIST_TAGS = ApiCall("cloudtrail", "ListTags", "ResourceTagList")


async def fetch_trails(context: FetchContext) -> list[RawItem]:
    """The trails whose home is this region (a multi-region trail once), with status and tags."""
    trails = (await context.call(DESCRIBE_TRAILS, includeShadowTrails=False) or {}).get("trailList", [])

    async def describe(trail: RawItem) -> RawItem:
        status, tags = await asyncio.gather(
            context.call(GET_TRAIL_STATUS, Name=trail["TrailARN"]),
            context.items(LIST_TAGS, ResourceIdList=[trail["TrailARN"]]),
        )
        return {**trail, "IsLogging": (status or {}).get("IsLogging"),
                "Tags": [tag for entry in tags for tag in entry.get("TagsList", [])]}

    return await context.each(trails, describe)


def transform_trail(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_cloudtrail``; it USES its bucket, log group and KMS key."""
    key = item["TrailARN"]
    log_group = item.get("CloudWatchLogsLogGroupArn")
    yield build_entity(
        TRAIL,
        scope,
        key=key,
        name=item["Name"],
        tags=item.get("Tags"),
        properties={
            "name": item["Name"],
            "arn": key,
            "logging": item.get("IsLogging"),
            "s3BucketName": item.get("S3BucketName"),
            "multiRegion": item.get("IsMultiRegionTrail"),
            "organizationTrail": item.get("IsOrganizationTrail"),
            "includeGlobalServiceEvents": item.get("IncludeGlobalServiceEvents"),
            "logFileValidationEnabled": item.get("LogFileValidationEnabled"),
            "kmsKeyId": item.get("KmsKeyId"),
            "encrypted": bool(item.get("KmsKeyId")),
            "cloudWatchLogsLogGroupArn": log_group,
            "homeRegion": item.get("HomeRegion"),
        },
    )
    if item.get("S3BucketName"):
        yield relate(TRAIL, key, "USES", BUCKET, f"arn:{scope.partition}:s3:::{item['S3BucketName']}")
    yield from uses_key(TRAIL, key, item.get("KmsKeyId"))
    if log_group:
        yield relate(TRAIL, key, "USES", LOG_GROUP, log_group.removesuffix(":*"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-cloudtrail-trails",
        name="CloudTrail trails",
        service="cloudtrail",
        scope=Scope.REGIONAL,
        calls=(
            DESCRIBE_TRAILS,
            GET_TRAIL_STATUS,
            LIST_TAGS,
        ),
        entities=(TRAIL,),
        relationships=(
            RelationshipDecl(TRAIL.type, "USES", BUCKET.type),
            RelationshipDecl(TRAIL.type, "USES", KEY.type),
            RelationshipDecl(TRAIL.type, "USES", LOG_GROUP.type),
        ),
        fetch=fetch_trails,
        transform=transform_trail,
    ),
)
