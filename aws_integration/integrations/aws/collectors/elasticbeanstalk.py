"""Elastic Beanstalk applications and their environments: platform, health, endpoint, role."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe, sibling_arn
from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_TAGS = ApiCall("elasticbeanstalk", "ListTagsForResource", absent_errors=("ResourceNotFoundException",))
DESCRIBE_APPLICATIONS = ApiCall("elasticbeanstalk", "DescribeApplications")


APPLICATION = mapped_type(
    "aws_elasticbeanstalk_application", ("Application",), "An Elastic Beanstalk application.",
    key="ApplicationArn", display_name="ApplicationName", tags="Tags",
    links=(uses_role("ResourceLifecycleConfig.ServiceRole"),),
    name=("string: The application's name.", "ApplicationName"),
    description=("string: Its description.", "Description"),
    versionCount=("integer: The versions it keeps.", lambda item: len(item.get("Versions") or [])),
    createdOn=("timestamp: When it was created.", "DateCreated"),
    updatedOn=("timestamp: When it was last changed.", "DateUpdated"),
)

ENVIRONMENT = mapped_type(
    "aws_elasticbeanstalk_environment", ("Application", "Host"), "An Elastic Beanstalk environment of an application (not terminated).",
    key="EnvironmentArn", display_name="EnvironmentName", tags="Tags",
    links=(Link("HAS", APPLICATION.decl, "ApplicationArn", inbound=True),),
    name=("string: The environment's name.", "EnvironmentName"),
    environmentId=("string: Its ID.", "EnvironmentId"),
    applicationName=("string: The application it runs.", "ApplicationName"),
    versionLabel=("string: The application version it runs.", "VersionLabel"),
    platform=("string: Its platform's ARN (the language, server and OS it runs on).", "PlatformArn"),
    solutionStack=("string: Its solution stack.", "SolutionStackName"),
    tier=("string: WebServer or Worker.", "Tier.Name"),
    status=("string: Launching, Updating, Ready, Terminating and so on.", "Status"),
    health=("string: Green, Yellow, Red or Grey.", "Health"),
    endpoint=("string: Its load balancer's or instance's address.", "EndpointURL"),
    cname=("string: Its CNAME.", "CNAME"),
    createdOn=("timestamp: When it was created.", "DateCreated"),
    updatedOn=("timestamp: When it was last changed.", "DateUpdated"),
)


async def fetch_applications(context: FetchContext) -> list[RawItem]:
    """Every application (one answer holds them all) with its tags."""
    applications = ((await context.call(DESCRIBE_APPLICATIONS)) or {}).get("Applications", [])
    tags = await context.each(applications, lambda app: context.call(LIST_TAGS, ResourceArn=app["ApplicationArn"]))
    return [{**app, "Tags": (answer or {}).get("ResourceTags", [])} for app, answer in zip(applications, tags)]


def _with_application_arn(item: RawItem) -> RawItem:
    """The environment with its application's ARN (same account and region, named by the environment)."""
    application = item.get("ApplicationName")
    return {**item, "ApplicationArn": sibling_arn(item.get("EnvironmentArn"), f"application/{application}") if application else None}


STEPS = (
    mapped_step("fetch-elasticbeanstalk-applications", "Elastic Beanstalk applications", "elasticbeanstalk", APPLICATION,
                calls=(DESCRIBE_APPLICATIONS, LIST_TAGS), fetch=fetch_applications),
    mapped_step("fetch-elasticbeanstalk-environments", "Elastic Beanstalk environments", "elasticbeanstalk", ENVIRONMENT,
                fetch=list_then_describe(
        ApiCall("elasticbeanstalk", "DescribeEnvironments", "Environments", page_size=1000),
        Detail("Tags", LIST_TAGS, lambda item: {"ResourceArn": item["EnvironmentArn"]}, pick="ResourceTags"),
        list_params={"IncludeDeleted": False}, as_item=_with_application_arn,
    )),
)
