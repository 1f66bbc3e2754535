"""SNS topics: encryption, subscriptions, tags."""

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

TOPIC = EntityDecl("aws_sns_topic", ("Channel",), "An SNS topic.", properties=described(
    name="string: The topic's name.",
    arn="string: Its ARN.",
    topicDisplayName="string: The name shown on its SMS and e-mail messages.",
    ownerAccountId="string: The account that owns it.",
    encrypted="boolean: Whether it is encrypted with a KMS key.",
    kmsMasterKeyId="string: The KMS key (ID, alias or ARN) that encrypts it.",
    fifo="boolean: Whether it is a FIFO topic.",
    subscriptionsConfirmed="integer: Its confirmed subscriptions.",
    subscriptionsPending="integer: Its subscriptions awaiting confirmation.",
))


def transform_topic(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_sns_topic``; with a customer key it USES that key."""
    key = item["TopicArn"]
    attributes = item.get("Attributes") or {}
    kms_key = attributes.get("KmsMasterKeyId")
    yield build_entity(
        TOPIC,
        scope,
        key=key,
        name=key.rsplit(":", 1)[-1],
        tags=item.get("Tags"),
        properties={
            "name": key.rsplit(":", 1)[-1],
            "arn": key,
            "topicDisplayName": attributes.get("DisplayName") or None,
            "ownerAccountId": attributes.get("Owner"),
            "encrypted": bool(kms_key),
            "kmsMasterKeyId": kms_key,
            "fifo": attributes.get("FifoTopic") == "true",
            "subscriptionsConfirmed": int_or_none(attributes.get("SubscriptionsConfirmed")),
            "subscriptionsPending": int_or_none(attributes.get("SubscriptionsPending")),
        },
    )
    yield from uses_key(TOPIC, key, kms_key)


def _topic(item: RawItem) -> dict[str, str]:
    return {"TopicArn": item["TopicArn"]}


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-sns-topics",
        name="SNS topics",
        service="sns",
        scope=Scope.REGIONAL,
        entities=(TOPIC,),
        relationships=(RelationshipDecl(TOPIC.type, "USES", KEY.type),),
        fetch=list_then_describe(
            ApiCall("sns", "ListTopics", "Topics"),
            Detail("Attributes", ApiCall("sns", "GetTopicAttributes"), _topic, pick="Attributes"),
            Detail("Tags", ApiCall("sns", "ListTagsForResource"),
                   lambda item: {"ResourceArn": item["TopicArn"]}, pick="Tags"),
        ),
        transform=transform_topic,
    ),
)
