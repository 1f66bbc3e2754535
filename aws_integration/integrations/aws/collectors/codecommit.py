"""CodeCommit repositories: where source code lives in the account, its key, and its clone URLs."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import batched
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_REPOSITORIES = ApiCall("codecommit", "ListRepositories", "repositories")
BATCH_GET_REPOSITORIES = ApiCall("codecommit", "BatchGetRepositories")
LIST_TAGS = ApiCall("codecommit", "ListTagsForResource", absent_errors=("RepositoryDoesNotExistException",))
BATCH = 25  # BatchGetRepositories takes at most 25 names

REPOSITORY = mapped_type(
    "aws_codecommit_repository", ("CodeRepo",), "A CodeCommit Git repository.",
    key="Arn", display_name="repositoryName", tags="Tags", links=(uses_key("kmsKeyId"),),
    name=("string: Its name.", "repositoryName"),
    repositoryId=("string: Its ID.", "repositoryId"),
    description=("string: Its description.", "repositoryDescription"),
    defaultBranch=("string: Its default branch.", "defaultBranch"),
    cloneUrlHttp=("string: Its HTTPS clone URL.", "cloneUrlHttp"),
    cloneUrlSsh=("string: Its SSH clone URL.", "cloneUrlSsh"),
    kmsKeyId=("string: The key that encrypts it.", "kmsKeyId"),
    createdOn=("timestamp: When it was created.", "creationDate"),
    updatedOn=("timestamp: When it last changed.", "lastModifiedDate"),
)


async def fetch_repositories(context: FetchContext) -> list[RawItem]:
    """Every repository, read 25 at a time, with its tags."""
    names = [repository["repositoryName"] for repository in await context.items(LIST_REPOSITORIES)]
    pages = await context.each(batched(names, BATCH), lambda batch: context.call(
        BATCH_GET_REPOSITORIES, repositoryNames=batch))
    repositories = [repository for page in pages for repository in (page or {}).get("repositories", [])]
    tags = await context.each(repositories, lambda repository: context.call(LIST_TAGS, resourceArn=repository["Arn"]))
    return [{**repository, "Tags": (answer or {}).get("tags")} for repository, answer in zip(repositories, tags)]


STEPS = (
    mapped_step("fetch-codecommit-repositories", "CodeCommit repositories", "codecommit", REPOSITORY,
                calls=(LIST_REPOSITORIES, BATCH_GET_REPOSITORIES, LIST_TAGS), fetch=fetch_repositories),
)
