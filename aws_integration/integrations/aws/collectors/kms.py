"""KMS keys with their rotation status, the target of every encrypted store's USES."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, kms_key_arn, list_then_describe, relate
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

KEY = EntityDecl("aws_kms_key", ("CryptoKey",), "A KMS key, customer- or AWS-managed, with its rotation status.", properties=described(
    keyId="string: The key ID.",
    arn="string: Its ARN.",
    description="string: Its description.",
    enabled="boolean: Whether it can be used.",
    keyState="string: Enabled, Disabled, PendingDeletion, PendingImport or Unavailable.",
    keyUsage="string: ENCRYPT_DECRYPT, SIGN_VERIFY or GENERATE_VERIFY_MAC.",
    keySpec="string: SYMMETRIC_DEFAULT, RSA_2048 and the like.",
    origin="string: AWS_KMS, EXTERNAL, AWS_CLOUDHSM or EXTERNAL_KEY_STORE.",
    keyManager="string: CUSTOMER or AWS.",
    awsManaged="boolean: Whether AWS manages it.",
    multiRegion="boolean: Whether it is a multi-Region key.",
    rotationEnabled="boolean: Whether automatic rotation is on (absent where a key cannot rotate).",
    createdOn="timestamp: When it was created.",
    deletionDate="timestamp: When it is scheduled to be deleted.",
))


def _key_id(item: RawItem) -> dict[str, str]:
    return {"KeyId": item["KeyId"]}


def transform_key(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_kms_key``."""
    metadata = item.get("Metadata") or {}
    arn = metadata.get("Arn") or item["KeyArn"]
    yield build_entity(
        KEY,
        scope,
        key=arn,
        name=metadata.get("Description") or item["KeyId"],
        tags=item.get("Tags"),
        properties={
            "keyId": item["KeyId"],
            "arn": arn,
            "description": metadata.get("Description") or None,
            "enabled": metadata.get("Enabled"),
            "keyState": metadata.get("KeyState"),
            "keyUsage": metadata.get("KeyUsage"),
            "keySpec": metadata.get("KeySpec"),
            "origin": metadata.get("Origin"),
            "keyManager": metadata.get("KeyManager"),
            "awsManaged": metadata.get("KeyManager") == "AWS",
            "multiRegion": metadata.get("MultiRegion"),
            "rotationEnabled": item.get("RotationEnabled"),
            "createdOn": metadata.get("CreationDate"),
            "deletionDate": metadata.get("DeletionDate"),
        },
    )


# Asymmetric keys and keys pending deletion have no rotation status to give.
GET_KEY_ROTATION_STATUS = ApiCall("kms", "GetKeyRotationStatus",
                                  absent_errors=("UnsupportedOperationException", "KMSInvalidStateException"))

STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-kms-keys",
        name="KMS keys",
        service="kms",
        scope=Scope.REGIONAL,
        entities=(KEY,),
        fetch=list_then_describe(
            ApiCall("kms", "ListKeys", "Keys"),
            Detail("Metadata", ApiCall("kms", "DescribeKey"), _key_id, pick="KeyMetadata"),
            Detail("RotationEnabled", GET_KEY_ROTATION_STATUS, _key_id, pick="KeyRotationEnabled"),
            Detail("Tags", ApiCall("kms", "ListResourceTags", "Tags"), _key_id),
        ),
        transform=transform_key,
    ),
)


def uses_key(decl: EntityDecl, key: str, key_id: Any) -> Iterator[Relationship]:
    """``<decl> USES aws_kms_key`` when ``key_id`` is a key ARN (an alias or a bare key ID cannot be placed)."""
    arn = kms_key_arn(key_id)
    if arn:
        yield relate(decl, key, "USES", KEY, arn)
