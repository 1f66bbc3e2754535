"""CodePipeline pipelines: the role they act with, their artifact store and its key, and their stages."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, read, uses_key, uses_role
from aws_integration.integrations.aws.collectors.s3 import BUCKET
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

PIPELINE = "Pipeline.pipeline"


def _stage_providers(item: RawItem) -> list[str]:
    """The providers of its actions (CodeCommit, GitHub, CodeBuild, CloudFormation, Manual and so on)."""
    return sorted({action["actionTypeId"]["provider"] for stage in read(item, f"{PIPELINE}.stages") or []
                   for action in stage.get("actions") or [] if read(action, "actionTypeId.provider")})


PIPELINE_TYPE = mapped_type(
    "aws_codepipeline_pipeline", ("Workflow",), "A CodePipeline pipeline.",
    key="Arn", display_name="name", tags="Tags",
    links=(uses_role(f"{PIPELINE}.roleArn"), uses_key(f"{PIPELINE}.artifactStore.encryptionKey.id"),
           Link("USES", BUCKET, "ArtifactBucketArn")),
    name=("string: The pipeline's name.", "name"),
    version=("integer: Its version.", "version"),
    pipelineType=("string: V1 or V2.", "pipelineType"),
    roleArn=("string: The role it acts with.", f"{PIPELINE}.roleArn"),
    artifactBucket=("string: The S3 bucket its artifacts are kept in.", f"{PIPELINE}.artifactStore.location"),
    artifactsCustomerKey=("boolean: Whether a key of the account encrypts its artifacts (not S3's default).",
                          lambda item: bool(read(item, f"{PIPELINE}.artifactStore.encryptionKey.id"))),
    stages=("string[]: Its stages, in order.", lambda item: [stage["name"] for stage in read(item, f"{PIPELINE}.stages") or []]),
    providers=("string[]: The providers its actions run on.", _stage_providers),
    createdOn=("timestamp: When it was created.", "created"),
    updatedOn=("timestamp: When it was last changed.", "updated"),
)

LIST_PIPELINES = ApiCall("codepipeline", "ListPipelines", "pipelines", page_size=1000)
GET_PIPELINE = ApiCall("codepipeline", "GetPipeline", absent_errors=("PipelineNotFoundException",))
LIST_TAGS = ApiCall("codepipeline", "ListTagsForResource", "tags", absent_errors=("ResourceNotFoundException",))


async def fetch_pipelines(context: FetchContext) -> list[RawItem]:
    """Every pipeline with its structure, its artifact bucket's ARN and its tags."""
    listed = await context.items(LIST_PIPELINES)

    async def describe(summary: RawItem) -> RawItem | None:
        found = await context.call(GET_PIPELINE, name=summary["name"])
        if found is None:
            return None
        arn = read(found, "metadata.pipelineArn") or context.scope.arn("codepipeline", summary["name"])
        tags = await context.items(LIST_TAGS, resourceArn=arn)
        store = read(found, "pipeline.artifactStore") or {}
        bucket = (f"arn:{context.scope.partition}:s3:::{store['location']}"
                  if store.get("type") == "S3" and store.get("location") else None)
        return {**summary, "Pipeline": found, "Arn": arn, "Tags": tags, "ArtifactBucketArn": bucket}

    return [item for item in await context.each(listed, describe) if item is not None]


STEPS = (
    mapped_step("fetch-codepipeline-pipelines", "CodePipeline pipelines", "codepipeline", PIPELINE_TYPE,
                calls=(LIST_PIPELINES, GET_PIPELINE, LIST_TAGS), fetch=fetch_pipelines),
)
