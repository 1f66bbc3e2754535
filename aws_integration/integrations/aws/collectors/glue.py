"""Glue Data Catalog databases, ETL jobs and crawlers, with the roles jobs and crawlers run as."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, read, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, Fetch, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

GET_TAGS = ApiCall("glue", "GetTags", absent_errors=("EntityNotFoundException",))


def _fetch(listing: ApiCall, kind: str) -> Fetch:
    """Glue lists names, not ARNs: each item gets its ARN (a crawler, its database's too) and its tags."""

    async def fetch(context: FetchContext) -> list[RawItem]:
        items = [{**item, "Arn": context.scope.arn("glue", f"{kind}/{item['Name']}")}
                 for item in await context.items(listing)]
        tags = await context.each(items, lambda item: context.call(GET_TAGS, ResourceArn=item["Arn"]))
        return [{**item, "Tags": (answer or {}).get("Tags", {}),
                 **({"DatabaseArn": context.scope.arn("glue", f"database/{item['DatabaseName']}")}
                    if item.get("DatabaseName") else {})}
                for item, answer in zip(items, tags)]

    return fetch


DATABASE = mapped_type(
    "aws_glue_database", ("Database",), "A Glue Data Catalog database.",
    key="Arn", display_name="Name", tags="Tags",
    name=("string: The database's name.", "Name"),
    description=("string: Its description.", "Description"),
    locationUri=("string: Where its data lives (an S3 URI).", "LocationUri"),
    catalogId=("string: The catalog (account) it belongs to.", "CatalogId"),
    createdOn=("timestamp: When it was created.", "CreateTime"),
)
JOB = mapped_type(
    "aws_glue_job", ("Task",), "A Glue ETL job.",
    key="Arn", display_name="Name", tags="Tags", links=(uses_role("Role"),),
    name=("string: The job's name.", "Name"),
    roleArn=("string: The role it runs as.", "Role"),
    command=("string: Its kind: glueetl, gluestreaming, pythonshell or glueray.", "Command.Name"),
    scriptLocation=("string: Its script (an S3 URI).", "Command.ScriptLocation"),
    glueVersion=("string: Its Glue version.", "GlueVersion"),
    workerType=("string: Its worker type.", "WorkerType"),
    securityConfiguration=("string: The security configuration (encryption) it runs with.", "SecurityConfiguration"),
    createdOn=("timestamp: When it was created.", "CreatedOn"),
    updatedOn=("timestamp: When it was last changed.", "LastModifiedOn"),
)
CRAWLER = mapped_type(
    "aws_glue_crawler", ("Task",), "A Glue crawler.",
    key="Arn", display_name="Name", tags="Tags",
    links=(uses_role("Role"), Link("USES", DATABASE.decl, "DatabaseArn")),
    name=("string: The crawler's name.", "Name"),
    roleArn=("string: The role it runs as.", "Role"),
    databaseName=("string: The database it writes tables to.", "DatabaseName"),
    state=("string: READY, RUNNING or STOPPING.", "State"),
    schedule=("string: Its schedule (cron).", "Schedule.ScheduleExpression"),
    s3Targets=("string[]: The S3 paths it crawls.", lambda item: [target.get("Path") for target in
                                                                  read(item, "Targets.S3Targets") or []]),
    createdOn=("timestamp: When it was created.", "CreationTime"),
    updatedOn=("timestamp: When it was last changed.", "LastUpdated"),
)

GET_DATABASES = ApiCall("glue", "GetDatabases", "DatabaseList", page_size=100)
GET_JOBS = ApiCall("glue", "GetJobs", "Jobs", page_size=200)
GET_CRAWLERS = ApiCall("glue", "GetCrawlers", "Crawlers", page_size=100)

STEPS = (
    mapped_step("fetch-glue-databases", "Glue databases", "glue", DATABASE,
                calls=(GET_DATABASES, GET_TAGS), fetch=_fetch(GET_DATABASES, "database")),
    mapped_step("fetch-glue-jobs", "Glue jobs", "glue", JOB, calls=(GET_JOBS, GET_TAGS), fetch=_fetch(GET_JOBS, "job")),
    mapped_step("fetch-glue-crawlers", "Glue crawlers", "glue", CRAWLER,
                calls=(GET_CRAWLERS, GET_TAGS), fetch=_fetch(GET_CRAWLERS, "crawler")),
)
