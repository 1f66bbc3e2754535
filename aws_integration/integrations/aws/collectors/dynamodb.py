"""DynamoDB tables: encryption (always on; with which key), point-in-time recovery, tags."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

TABLE = EntityDecl("aws_dynamodb_table", ("DataStore", "Database"), "A DynamoDB table.", properties=described(
    tableName="string: The table's name.",
    arn="string: Its ARN.",
    status="string: CREATING, ACTIVE, UPDATING, DELETING and the like.",
    itemCount="integer: Its items (updated by AWS about every six hours).",
    sizeBytes="integer: Its size in bytes (updated about every six hours).",
    billingMode="string: PROVISIONED or PAY_PER_REQUEST.",
    encrypted="boolean: Always true: DynamoDB encrypts every table.",
    encryptionType="string: AWS_OWNED, KMS (an AWS-managed or customer key).",
    kmsKeyArn="string: The KMS key that encrypts it.",
    pointInTimeRecovery="boolean: Whether point-in-time recovery is on.",
    deletionProtection="boolean: Whether it cannot be deleted until protection is turned off.",
    streamEnabled="boolean: Whether it has a stream.",
    createdOn="timestamp: When it was created.",
))


LIST_TABLES = ApiCall("dynamodb", "ListTables", "TableNames")
DESCRIBE_TABLE = ApiCall("dynamodb", "DescribeTable")
LIST_TAGS_OF_RESOURCE = ApiCall("dynamodb", "ListTagsOfResource", "Tags")
DESCRIBE_CONTINUOUS_BACKUPS = ApiCall("dynamodb", "DescribeContinuousBackups")


async def fetch_tables(context: FetchContext) -> list[RawItem]:
    """Each table's description, then (by its ARN) its tags and continuous-backup state."""
    names = await context.items(LIST_TABLES)

    async def describe(name: str) -> RawItem:
        table = (await context.call(DESCRIBE_TABLE, TableName=name) or {}).get("Table") or {"TableName": name}
        tags, backups = await asyncio.gather(
            context.items(LIST_TAGS_OF_RESOURCE, ResourceArn=table["TableArn"]),
            context.call(DESCRIBE_CONTINUOUS_BACKUPS, TableName=name),
        )
        return {**table, "Tags": tags, "ContinuousBackups": (backups or {}).get("ContinuousBackupsDescription")}

    return await context.each(names, describe)


def transform_table(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_dynamodb_table``; with a customer key it USES that key."""
    key = item["TableArn"]
    sse = item.get("SSEDescription") or {}
    recovery = ((item.get("ContinuousBackups") or {}).get("PointInTimeRecoveryDescription") or {})
    yield build_entity(
        TABLE,
        scope,
        key=key,
        name=item["TableName"],
        tags=item.get("Tags"),
        properties={
            "tableName": item["TableName"],
            "arn": key,
            "status": item.get("TableStatus"),
            "itemCount": item.get("ItemCount"),
            "sizeBytes": item.get("TableSizeBytes"),
            "billingMode": (item.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            # DynamoDB encrypts every table at rest; without SSEDescription with an AWS-owned key.
            "encrypted": True,
            "encryptionType": sse.get("SSEType") or "AWS_OWNED",
            "kmsKeyArn": sse.get("KMSMasterKeyArn"),
            "pointInTimeRecovery": recovery.get("PointInTimeRecoveryStatus") == "ENABLED",
            "deletionProtection": item.get("DeletionProtectionEnabled"),
            "streamEnabled": (item.get("StreamSpecification") or {}).get("StreamEnabled", False),
            "createdOn": item.get("CreationDateTime"),
            "classification": None,
        },
    )
    yield from uses_key(TABLE, key, sse.get("KMSMasterKeyArn"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-dynamodb-tables",
        name="DynamoDB tables",
        service="dynamodb",
        scope=Scope.REGIONAL,
        calls=(
            LIST_TABLES,
            DESCRIBE_TABLE,
            LIST_TAGS_OF_RESOURCE,
            DESCRIBE_CONTINUOUS_BACKUPS,
        ),
        entities=(TABLE,),
        relationships=(RelationshipDecl(TABLE.type, "USES", KEY.type),),
        fetch=fetch_tables,
        transform=transform_table,
    ),
)
