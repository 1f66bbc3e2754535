"""SQS queues: encryption, retention, tags."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import (
    Detail,
    build_entity,
    int_or_none,
    list_then_describe,

)
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

QUEUE = EntityDecl("aws_sqs_queue", ("Queue",), "An SQS queue.", properties=described(
    name="string: The queue's name.",
    arn="string: Its ARN.",
    url="string: Its URL.",
    encrypted="boolean: Whether it is encrypted (a KMS key or SQS-managed keys).",
    kmsMasterKeyId="string: The KMS key (ID, alias or ARN) that encrypts it.",
    fifo="boolean: Whether it is a FIFO queue.",
    visibilityTimeout="integer: The seconds a received message stays hidden.",
    messageRetentionPeriod="integer: The seconds a message is kept.",
    delaySeconds="integer: The seconds a new message waits before delivery.",
    approximateNumberOfMessages="integer: The messages it holds, about.",
    deadLetterTarget="boolean: Whether it has a redrive policy to a dead-letter queue.",
    createdOn="timestamp: When it was created.",
))


def transform_queue(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_sqs_queue``; with a customer key it USES that key."""
    attributes = item.get("Attributes") or {}
    key = attributes.get("QueueArn") or scope.arn("sqs", item["QueueUrl"].rsplit("/", 1)[-1])
    kms_key = attributes.get("KmsMasterKeyId")
    created = int_or_none(attributes.get("CreatedTimestamp"))
    yield build_entity(
        QUEUE,
        scope,
        key=key,
        name=item["QueueUrl"].rsplit("/", 1)[-1],
        tags=item.get("Tags"),
        properties={
            "name": item["QueueUrl"].rsplit("/", 1)[-1],
            "arn": key,
            "url": item["QueueUrl"],
            "encrypted": bool(kms_key) or attributes.get("SqsManagedSseEnabled") == "true",
            "kmsMasterKeyId": kms_key,
            "fifo": attributes.get("FifoQueue") == "true",
            "visibilityTimeout": int_or_none(attributes.get("VisibilityTimeout")),
            "messageRetentionPeriod": int_or_none(attributes.get("MessageRetentionPeriod")),
            "delaySeconds": int_or_none(attributes.get("DelaySeconds")),
            "approximateNumberOfMessages": int_or_none(attributes.get("ApproximateNumberOfMessages")),
            "deadLetterTarget": bool(attributes.get("RedrivePolicy")),
            "createdOn": created * 1000 if created is not None else None,
        },
    )
    yield from uses_key(QUEUE, key, kms_key)


def _queue(item: RawItem) -> dict[str, object]:
    return {"QueueUrl": item["QueueUrl"]}


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-sqs-queues",
        name="SQS queues",
        service="sqs",
        scope=Scope.REGIONAL,
        entities=(QUEUE,),
        relationships=(RelationshipDecl(QUEUE.type, "USES", KEY.type),),
        fetch=list_then_describe(
            ApiCall("sqs", "ListQueues", "QueueUrls"),
            Detail("Attributes", ApiCall("sqs", "GetQueueAttributes"), lambda item: {**_queue(item), "AttributeNames": ["All"]},
                   pick="Attributes"),
            Detail("Tags", ApiCall("sqs", "ListQueueTags"), _queue, pick="Tags"),
            as_item=lambda url: {"QueueUrl": url},
        ),
        transform=transform_queue,
    ),
)
