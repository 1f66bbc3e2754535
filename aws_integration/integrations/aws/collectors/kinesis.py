"""Kinesis data streams: encryption, retention, shards."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

STREAM = EntityDecl("aws_kinesis_stream", ("Queue",), "A Kinesis data stream.", properties=described(
    name="string: The stream's name.",
    arn="string: Its ARN.",
    status="string: CREATING, DELETING, ACTIVE or UPDATING.",
    encryptionType="string: NONE or KMS.",
    encrypted="boolean: Whether a KMS key encrypts it.",
    kmsKeyId="string: The KMS key that encrypts it.",
    retentionPeriodHours="integer: The hours its records are kept.",
    openShardCount="integer: Its open shards.",
    streamMode="string: PROVISIONED or ON_DEMAND.",
    createdOn="timestamp: When it was created.",
))


def _stream(item: RawItem) -> dict[str, str]:
    return {"StreamName": item["StreamName"]}


def transform_stream(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_kinesis_stream``; with a customer key it USES that key."""
    summary = item.get("Summary") or {}
    key = summary.get("StreamARN") or item.get("StreamARN") or scope.arn("kinesis", f"stream/{item['StreamName']}")
    key_id = summary.get("KeyId")
    yield build_entity(
        STREAM,
        scope,
        key=key,
        name=item["StreamName"],
        tags=item.get("Tags"),
        properties={
            "name": item["StreamName"],
            "arn": key,
            "status": summary.get("StreamStatus") or item.get("StreamStatus"),
            "encryptionType": summary.get("EncryptionType"),
            "encrypted": summary.get("EncryptionType") == "KMS",
            "kmsKeyId": key_id,
            "retentionPeriodHours": summary.get("RetentionPeriodHours"),
            "openShardCount": summary.get("OpenShardCount"),
            "streamMode": (summary.get("StreamModeDetails") or {}).get("StreamMode"),
            "createdOn": summary.get("StreamCreationTimestamp"),
        },
    )
    yield from uses_key(STREAM, key, key_id)


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-kinesis-streams",
        name="Kinesis data streams",
        service="kinesis",
        scope=Scope.REGIONAL,
        entities=(STREAM,),
        relationships=(RelationshipDecl(STREAM.type, "USES", KEY.type),),
        fetch=list_then_describe(
            ApiCall("kinesis", "ListStreams", "StreamNames"),
            Detail("Summary", ApiCall("kinesis", "DescribeStreamSummary"), _stream, pick="StreamDescriptionSummary"),
            Detail("Tags", ApiCall("kinesis", "ListTagsForStream"), _stream, pick="Tags"),
            as_item=lambda name: {"StreamName": name},
        ),
        transform=transform_stream,
    ),
)
