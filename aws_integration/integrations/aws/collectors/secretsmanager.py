"""Secrets Manager secrets: metadata only (rotation, key, dates), never a secret value."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

SECRET = EntityDecl("aws_secretsmanager_secret", ("Secret",), "A Secrets Manager secret (metadata, never its value).", properties=described(
    name="string: The secret's name.",
    arn="string: Its ARN.",
    description="string: Its description.",
    kmsKeyId="string: The KMS key that encrypts it (absent: the AWS-managed key).",
    encrypted="boolean: Always true: Secrets Manager encrypts every secret.",
    rotationEnabled="boolean: Whether automatic rotation is on.",
    rotationLambdaArn="string: The function that rotates it.",
    rotationIntervalDays="integer: The days between rotations.",
    lastRotatedOn="timestamp: When it was last rotated.",
    lastChangedOn="timestamp: When it was last changed.",
    lastAccessedOn="timestamp: The day it was last read.",
    deletedOn="timestamp: When it is scheduled to be deleted.",
    createdOn="timestamp: When it was created.",
    primaryRegion="string: The region of the primary of a replicated secret.",
))


LIST_SECRETS = ApiCall("secretsmanager", "ListSecrets", "SecretList")


def transform_secret(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_secretsmanager_secret``; with a customer key it USES that key."""
    key = item["ARN"]
    rotation = item.get("RotationRules") or {}
    yield build_entity(
        SECRET,
        scope,
        key=key,
        name=item["Name"],
        tags=item.get("Tags"),
        properties={
            "name": item["Name"],
            "arn": key,
            "description": item.get("Description") or None,
            "kmsKeyId": item.get("KmsKeyId"),
            "encrypted": True,
            "rotationEnabled": bool(item.get("RotationEnabled")),
            "rotationLambdaArn": item.get("RotationLambdaARN"),
            "rotationIntervalDays": rotation.get("AutomaticallyAfterDays"),
            "lastRotatedOn": item.get("LastRotatedDate"),
            "lastChangedOn": item.get("LastChangedDate"),
            "lastAccessedOn": item.get("LastAccessedDate"),
            "deletedOn": item.get("DeletedDate"),
            "createdOn": item.get("CreatedDate"),
            "primaryRegion": item.get("PrimaryRegion"),
        },
    )
    yield from uses_key(SECRET, key, item.get("KmsKeyId"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-secrets",
        name="Secrets Manager secrets",
        service="secretsmanager",
        scope=Scope.REGIONAL,
        calls=(LIST_SECRETS,),
        entities=(SECRET,),
        relationships=(RelationshipDecl(SECRET.type, "USES", KEY.type),),
        transform=transform_secret,
    ),
)
