"""ECR repositories: scanning, tag mutability, encryption."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

REPOSITORY = EntityDecl("aws_ecr_repository", ("Repository",), "An ECR container image repository.", properties=described(
    name="string: The repository's name.",
    arn="string: Its ARN.",
    uri="string: Its URI, for docker push and pull.",
    imageTagMutability="string: MUTABLE or IMMUTABLE.",
    tagsImmutable="boolean: Whether image tags cannot be overwritten.",
    scanOnPush="boolean: Whether images are scanned when pushed.",
    encryptionType="string: AES256 or KMS.",
    kmsKey="string: The KMS key of KMS encryption.",
    createdOn="timestamp: When it was created.",
))


def transform_repository(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ecr_repository``; with a KMS key it USES that key."""
    key = item["repositoryArn"]
    encryption = item.get("encryptionConfiguration") or {}
    yield build_entity(
        REPOSITORY,
        scope,
        key=key,
        name=item["repositoryName"],
        tags=item.get("Tags"),
        properties={
            "name": item["repositoryName"],
            "arn": key,
            "uri": item.get("repositoryUri"),
            "imageTagMutability": item.get("imageTagMutability"),
            "tagsImmutable": item.get("imageTagMutability") == "IMMUTABLE",
            "scanOnPush": (item.get("imageScanningConfiguration") or {}).get("scanOnPush"),
            "encryptionType": encryption.get("encryptionType"),
            "kmsKey": encryption.get("kmsKey"),
            "createdOn": item.get("createdAt"),
        },
    )
    yield from uses_key(REPOSITORY, key, encryption.get("kmsKey"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-ecr-repositories",
        name="ECR repositories",
        service="ecr",
        scope=Scope.REGIONAL,
        entities=(REPOSITORY,),
        relationships=(RelationshipDecl(REPOSITORY.type, "USES", KEY.type),),
        fetch=list_then_describe(
            ApiCall("ecr", "DescribeRepositories", "repositories"),
            Detail("Tags", ApiCall("ecr", "ListTagsForResource"),
                   lambda item: {"resourceArn": item["repositoryArn"]}, pick="tags"),
        ),
        transform=transform_repository,
    ),
)
