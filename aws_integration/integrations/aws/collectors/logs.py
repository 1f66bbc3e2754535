"""CloudWatch log groups: retention, encryption, size."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

LOG_GROUP = EntityDecl("aws_cloudwatch_log_group", ("Logs",), "A CloudWatch Logs log group.", properties=described(
    name="string: The log group's name.",
    arn="string: Its ARN.",
    retentionInDays="integer: The days its events are kept (absent: forever).",
    retained="boolean: Whether a retention period is set.",
    storedBytes="integer: The bytes it stores.",
    kmsKeyId="string: The KMS key that encrypts it.",
    encrypted="boolean: Whether a KMS key encrypts it.",
    metricFilterCount="integer: Its metric filters.",
    logGroupClass="string: STANDARD or INFREQUENT_ACCESS.",
    createdOn="timestamp: When it was created.",
))


def _group_arn(item: RawItem) -> str:
    """The log group's ARN without the ``:*`` that DescribeLogGroups appends."""
    return str(item.get("logGroupArn") or item["arn"].removesuffix(":*"))


def transform_log_group(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_cloudwatch_log_group``; with a KMS key it USES that key."""
    key = _group_arn(item)
    yield build_entity(
        LOG_GROUP,
        scope,
        key=key,
        name=item["logGroupName"],
        tags=item.get("Tags"),
        properties={
            "name": item["logGroupName"],
            "arn": key,
            "retentionInDays": item.get("retentionInDays"),
            "retained": item.get("retentionInDays") is not None,
            "storedBytes": item.get("storedBytes"),
            "kmsKeyId": item.get("kmsKeyId"),
            "encrypted": bool(item.get("kmsKeyId")),
            "metricFilterCount": item.get("metricFilterCount"),
            "logGroupClass": item.get("logGroupClass"),
            "createdOn": item.get("creationTime"),
        },
    )
    yield from uses_key(LOG_GROUP, key, item.get("kmsKeyId"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-log-groups",
        name="CloudWatch log groups",
        service="logs",
        scope=Scope.REGIONAL,
        entities=(LOG_GROUP,),
        relationships=(RelationshipDecl(LOG_GROUP.type, "USES", KEY.type),),
        fetch=list_then_describe(
            ApiCall("logs", "DescribeLogGroups", "logGroups"),
            Detail("Tags", ApiCall("logs", "ListTagsForResource"),
                   lambda item: {"resourceArn": _group_arn(item)}, pick="tags"),
        ),
        transform=transform_log_group,
    ),
)
