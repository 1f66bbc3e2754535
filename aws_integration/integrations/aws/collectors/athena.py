"""Athena workgroups: where query results go, how they are encrypted, and whether clients may override it."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import listed_by_token
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_WORK_GROUPS = ApiCall("athena", "ListWorkGroups")
GET_WORK_GROUP = ApiCall("athena", "GetWorkGroup", absent_errors=("InvalidRequestException",))
LIST_TAGS = ApiCall("athena", "ListTagsForResource", "Tags")
RESULTS = "Configuration.ResultConfiguration"

WORK_GROUP = mapped_type(
    "aws_athena_workgroup", ("Configuration",), "An Athena workgroup.",
    key="Arn", display_name="Name", tags="Tags", links=(uses_key(f"{RESULTS}.EncryptionConfiguration.KmsKey"),),
    name=("string: The workgroup's name.", "Name"),
    state=("string: ENABLED or DISABLED.", "State"),
    description=("string: Its description.", "Description"),
    outputLocation=("string: Where query results are written (an S3 URI).", f"{RESULTS}.OutputLocation"),
    resultsEncrypted=("boolean: Whether query results are encrypted.",
                      lambda item: bool(read(item, f"{RESULTS}.EncryptionConfiguration"))),
    encryptionOption=("string: SSE_S3, SSE_KMS or CSE_KMS.", f"{RESULTS}.EncryptionConfiguration.EncryptionOption"),
    enforceConfiguration=("boolean: Whether its settings override each client's.",
                          "Configuration.EnforceWorkGroupConfiguration"),
    publishesMetrics=("boolean: Whether it publishes CloudWatch metrics.", "Configuration.PublishCloudWatchMetricsEnabled"),
    engineVersion=("string: The engine version it runs.", "Configuration.EngineVersion.EffectiveEngineVersion"),
    enabled=("boolean: Whether queries may run in it.", equals("State", "ENABLED")),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)


async def fetch_work_groups(context: FetchContext) -> list[RawItem]:
    """Each workgroup with its configuration and tags."""
    listed = await listed_by_token(context, LIST_WORK_GROUPS, "WorkGroups")

    async def describe(summary: RawItem) -> RawItem | None:
        arn = context.scope.arn("athena", f"workgroup/{summary['Name']}")
        found, tags = await context.together(
            lambda: context.call(GET_WORK_GROUP, WorkGroup=summary["Name"]),
            lambda: context.items(LIST_TAGS, ResourceARN=arn),
        )
        return {**found["WorkGroup"], "Arn": arn, "Tags": tags} if found else None

    return [item for item in await context.each(listed, describe) if item is not None]


STEPS = (
    mapped_step("fetch-athena-workgroups", "Athena workgroups", "athena", WORK_GROUP,
                calls=(LIST_WORK_GROUPS, GET_WORK_GROUP, LIST_TAGS), fetch=fetch_work_groups),
)
