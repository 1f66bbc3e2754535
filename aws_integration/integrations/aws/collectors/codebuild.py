"""CodeBuild projects: privileged builds, the role they run as, their key, and their VPC placement."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import batched
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type, read, uses_key, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_PROJECTS = ApiCall("codebuild", "ListProjects", "projects")
BATCH_GET_PROJECTS = ApiCall("codebuild", "BatchGetProjects")
BATCH = 100  # BatchGetProjects takes at most 100 names


def _plaintext_variables(item: RawItem) -> list[str]:
    """The names (never the values) of environment variables given as plain text rather than from a secret store."""
    return sorted(variable["name"] for variable in read(item, "environment.environmentVariables") or []
                  if variable.get("type", "PLAINTEXT") == "PLAINTEXT")


PROJECT = mapped_type(
    "aws_codebuild_project", ("Project",), "A CodeBuild project.",
    key="arn", display_name="name", tags="tags", links=(uses_role("serviceRole"), uses_key("encryptionKey")),
    name=("string: The project's name.", "name"),
    arn=("string: Its ARN.", "arn"),
    description=("string: Its description.", "description"),
    sourceType=("string: Where its source comes from (GITHUB, CODECOMMIT, S3, ...).", "source.type"),
    sourceLocation=("string: Its source's location.", "source.location"),
    image=("string: The build image.", "environment.image"),
    privilegedMode=("boolean: Whether builds run privileged (Docker inside the build).", "environment.privilegedMode"),
    serviceRole=("string: The role builds run as.", "serviceRole"),
    encryptionKey=("string: The key that encrypts its artifacts.", "encryptionKey"),
    plaintextVariables=("string[]: Environment variables given as plain text (names only).", _plaintext_variables),
    vpcId=("string: The VPC builds run in.", "vpcConfig.vpcId"),
    timeoutInMinutes=("integer: The longest build it allows.", "timeoutInMinutes"),
    createdOn=("timestamp: When it was created.", "created"),
    updatedOn=("timestamp: When it was last changed.", "lastModified"),
)


async def fetch_projects(context: FetchContext) -> list[RawItem]:
    """Every project by name, read 100 at a time."""
    names = await context.items(LIST_PROJECTS)
    pages = await context.each(batched(names, BATCH), lambda batch: context.call(BATCH_GET_PROJECTS, names=batch))
    return [project for page in pages for project in (page or {}).get("projects", [])]


STEPS = (
    mapped_step("fetch-codebuild-projects", "CodeBuild projects", "codebuild", PROJECT,
                calls=(LIST_PROJECTS, BATCH_GET_PROJECTS), fetch=fetch_projects),
)
