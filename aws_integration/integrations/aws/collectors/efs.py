"""EFS file systems: encryption, throughput, size, and whether their file system policy lets anyone in."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.collectors.iam_trust import open_to_anyone
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

FILE_SYSTEM = EntityDecl("aws_efs_file_system", ("DataStore",), "An EFS file system.", properties=described(
    fileSystemId="string: The file system ID.",
    arn="string: Its ARN.",
    encrypted="boolean: Whether it is encrypted at rest.",
    kmsKeyId="string: The KMS key that encrypts it.",
    performanceMode="string: generalPurpose or maxIO.",
    throughputMode="string: bursting, provisioned or elastic.",
    lifeCycleState="string: creating, available, updating, deleting, deleted or error.",
    sizeInBytes="integer: Its metered size in bytes.",
    mountTargetCount="integer: Its mount targets.",
    createdOn="timestamp: When it was created.",
    policyDocument="string: Its file system policy, as JSON text (absent: IAM does not restrict its clients).",
    public="boolean: Whether its file system policy allows any principal without a condition.",
))


FILE_SYSTEMS = list_then_describe(
    ApiCall("efs", "DescribeFileSystems", "FileSystems"),
    Detail("Policy", ApiCall("efs", "DescribeFileSystemPolicy", absent_errors=("PolicyNotFound",)),
           lambda item: {"FileSystemId": item["FileSystemId"]}, pick="Policy"),
)


def transform_file_system(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_efs_file_system``; when encrypted it USES its KMS key."""
    key = item.get("FileSystemArn") or scope.arn("elasticfilesystem", f"file-system/{item['FileSystemId']}")
    yield build_entity(
        FILE_SYSTEM,
        scope,
        key=key,
        name=item.get("Name") or item["FileSystemId"],
        tags=item.get("Tags"),
        properties={
            "fileSystemId": item["FileSystemId"],
            "arn": key,
            "encrypted": bool(item.get("Encrypted")),
            "kmsKeyId": item.get("KmsKeyId"),
            "performanceMode": item.get("PerformanceMode"),
            "throughputMode": item.get("ThroughputMode"),
            "lifeCycleState": item.get("LifeCycleState"),
            "sizeInBytes": (item.get("SizeInBytes") or {}).get("Value"),
            "mountTargetCount": item.get("NumberOfMountTargets"),
            "createdOn": item.get("CreationTime"),
            "classification": None,
            "policyDocument": item.get("Policy"),
            "public": open_to_anyone(item.get("Policy")),
        },
    )
    yield from uses_key(FILE_SYSTEM, key, item.get("KmsKeyId"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-efs-file-systems",
        name="EFS file systems",
        service="efs",
        scope=Scope.REGIONAL,
        entities=(FILE_SYSTEM,),
        relationships=(RelationshipDecl(FILE_SYSTEM.type, "USES", KEY.type),),
        fetch=FILE_SYSTEMS,
        transform=transform_file_system,
    ),
)
