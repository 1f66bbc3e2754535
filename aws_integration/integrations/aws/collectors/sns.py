"""SNS topics (encryption, subscriptions, tags) and their subscriptions: where each topic's messages go."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import (
    Detail,
    build_entity,
    int_or_none,
    list_then_describe,

)
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
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


def _endpoint_owner(item: RawItem) -> str | None:
    """The account of an ARN endpoint (a queue, a function) where it names one."""
    endpoint = item.get("Endpoint")
    parts = endpoint.split(":") if isinstance(endpoint, str) and endpoint.startswith("arn:") else []
    return parts[4] or None if len(parts) > 5 else None


SUBSCRIPTION = mapped_type(
    "aws_sns_subscription", ("Subscription",), "A subscription to an SNS topic (confirmed ones: AWS lists pending ones without an ARN).",
    key="SubscriptionArn", display_name=lambda item: f"{item.get('Protocol')}:{item.get('Endpoint')}",
    links=(Link("HAS", TOPIC, "TopicArn", inbound=True),),
    protocol=("string: http, https, email, email-json, sms, sqs, application, lambda or firehose.", "Protocol"),
    endpoint=("string: Where messages go: a URL, an address, a number or an ARN.", "Endpoint"),
    plaintextHttp=("boolean: Whether messages are delivered over plain HTTP.", equals("Protocol", "http")),
    topicArn=("string: The topic it subscribes to.", "TopicArn"),
    owner=("string: The account that owns the subscription.", "Owner"),
    endpointAccountId=("string: The account of an ARN endpoint (a queue, a function).", _endpoint_owner),
)


def _confirmed(item: RawItem) -> bool:
    arn = item.get("SubscriptionArn")
    return isinstance(arn, str) and arn.startswith("arn:")


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
    mapped_step("fetch-sns-subscriptions", "SNS subscriptions", "sns", SUBSCRIPTION, fetch=list_then_describe(
        ApiCall("sns", "ListSubscriptions", "Subscriptions"), keep=_confirmed,
    )),
)
