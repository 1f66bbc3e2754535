"""Data Firehose delivery streams: encryption, the role they write with and the buckets they deliver to."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, equals, mapped_step, mapped_type, uses_key, uses_role
from aws_integration.integrations.aws.collectors.s3 import BUCKET
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_DELIVERY_STREAMS = ApiCall("firehose", "ListDeliveryStreams")
GONE = ("ResourceNotFoundException",)  # deleted since it was listed
DESCRIBE_DELIVERY_STREAM = ApiCall("firehose", "DescribeDeliveryStream", absent_errors=GONE)
LIST_TAGS = ApiCall("firehose", "ListTagsForDeliveryStream", absent_errors=GONE)
DESTINATION_KINDS = ("S3DestinationDescription", "ExtendedS3DestinationDescription", "RedshiftDestinationDescription",
                     "ElasticsearchDestinationDescription", "AmazonopensearchserviceDestinationDescription",
                     "SplunkDestinationDescription", "HttpEndpointDestinationDescription")


def _destinations(item: RawItem) -> list[tuple[str, RawItem]]:
    return [(kind, destination[kind]) for destination in item.get("Destinations", []) for kind in DESTINATION_KINDS
            if kind in destination]


STREAM = mapped_type(
    "aws_firehose_delivery_stream", ("Queue",), "A Data Firehose delivery stream.",
    key="DeliveryStreamARN", display_name="DeliveryStreamName", tags="Tags",
    links=(
        uses_role(lambda item: [found["RoleARN"] for _, found in _destinations(item) if found.get("RoleARN")]),
        uses_key("DeliveryStreamEncryptionConfiguration.KeyARN"),
        Link("USES", BUCKET, lambda item: [found.get("BucketARN") for _, found in _destinations(item)], arn_of("s3")),
    ),
    name=("string: The stream's name.", "DeliveryStreamName"),
    arn=("string: Its ARN.", "DeliveryStreamARN"),
    status=("string: CREATING, ACTIVE, DELETING or a failure state.", "DeliveryStreamStatus"),
    streamType=("string: DirectPut, KinesisStreamAsSource or MSKAsSource.", "DeliveryStreamType"),
    encrypted=("boolean: Whether server-side encryption is enabled.",
               equals("DeliveryStreamEncryptionConfiguration.Status", "ENABLED")),
    encryptionKeyType=("string: AWS_OWNED_CMK or CUSTOMER_MANAGED_CMK.", "DeliveryStreamEncryptionConfiguration.KeyType"),
    destinations=("string[]: The kinds of destination it delivers to (S3, Redshift, Splunk, ...).",
                  lambda item: [kind.removesuffix("DestinationDescription") for kind, _ in _destinations(item)]),
    createdOn=("timestamp: When it was created.", "CreateTimestamp"),
    updatedOn=("timestamp: When it was last updated.", "LastUpdateTimestamp"),
)


async def fetch_delivery_streams(context: FetchContext) -> list[RawItem]:
    """Every stream, paged by the last name listed (Firehose's own scheme), described and tagged."""
    names: list[str] = []
    while True:
        after = {"ExclusiveStartDeliveryStreamName": names[-1]} if names else {}
        answer = await context.call(LIST_DELIVERY_STREAMS, **after) or {}
        page = answer.get("DeliveryStreamNames") or []
        if page and page[-1] in names:
            raise ValueError("ListDeliveryStreams answered a page it had answered before")
        names.extend(page)
        if not answer.get("HasMoreDeliveryStreams") or not page:
            break

    async def describe(name: str) -> RawItem | None:
        description, tags = await context.each(
            (DESCRIBE_DELIVERY_STREAM, LIST_TAGS), lambda call: context.call(call, DeliveryStreamName=name))
        if description is None:
            return None
        return {**description["DeliveryStreamDescription"], "Tags": (tags or {}).get("Tags", [])}

    return [item for item in await context.each(names, describe) if item is not None]


STEPS = (
    mapped_step("fetch-firehose-streams", "Firehose delivery streams", "firehose", STREAM,
                calls=(LIST_DELIVERY_STREAMS, DESCRIBE_DELIVERY_STREAM, LIST_TAGS), fetch=fetch_delivery_streams),
)
