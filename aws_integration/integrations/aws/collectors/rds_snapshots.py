"""RDS snapshots, of instances and of clusters: encryption, key, and who else may restore them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe, sibling_arn
from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, read, uses_key
from aws_integration.integrations.aws.collectors.rds import DB_CLUSTER, DB_INSTANCE
from aws_integration.integrations.aws.declarations import ApiCall, RawItem

RESTORE = "restore"  # the snapshot attribute naming the accounts that may restore it ("all": any account)


def _restorers(attributes_path: str) -> Callable[[RawItem], list[str]]:
    def restorers(item: RawItem) -> list[str]:
        return sorted({value for attribute in read(item, attributes_path) or [] if attribute.get("AttributeName") == RESTORE
                       for value in attribute.get("AttributeValues") or []})
    return restorers


def _sharing(restorers: Callable[[RawItem], list[str]]) -> dict[str, tuple[str, Any]]:
    return {
        "public": ("boolean: Whether any AWS account may restore it.", lambda item: "all" in restorers(item)),
        "sharedWithAccounts": ("string[]: The other accounts that may restore it.",
                               lambda item: [value for value in restorers(item) if value != "all"] or None),
    }


def _source_arn(kind: str, identifier: str, arn_field: str) -> Callable[[RawItem], str | None]:
    """The ARN of the instance (``db``) or cluster the snapshot was taken of, in its account and region."""
    def source(item: RawItem) -> str | None:
        name = item.get(identifier)
        return sibling_arn(item.get(arn_field), f"{kind}:{name}") if name else None
    return source


DB_SNAPSHOT = mapped_type(
    "aws_db_snapshot", ("DataStore", "Backup"), "A snapshot of an RDS database instance.",
    key="DBSnapshotArn", display_name="DBSnapshotIdentifier", tags="TagList",
    links=(uses_key("KmsKeyId"), Link("HAS", DB_INSTANCE, _source_arn("db", "DBInstanceIdentifier", "DBSnapshotArn"),
                                      inbound=True)),
    snapshotIdentifier=("string: The snapshot's identifier.", "DBSnapshotIdentifier"),
    dbInstanceIdentifier=("string: The instance it was taken of.", "DBInstanceIdentifier"),
    snapshotType=("string: manual, automated, awsbackup and the like.", "SnapshotType"),
    engine=("string: The database engine.", "Engine"),
    status=("string: available, creating and the like.", "Status"),
    encrypted=("boolean: Whether it is encrypted.", "Encrypted"),
    kmsKeyId=("string: The key that encrypts it.", "KmsKeyId"),
    allocatedStorage=("integer: Its size in GiB.", "AllocatedStorage"),
    createdOn=("timestamp: When it was taken.", "SnapshotCreateTime"),
    **_sharing(_restorers("Attributes.DBSnapshotAttributesResult.DBSnapshotAttributes")),
)

DB_CLUSTER_SNAPSHOT = mapped_type(
    "aws_db_cluster_snapshot", ("DataStore", "Backup"), "A snapshot of an RDS (Aurora) database cluster.",
    key="DBClusterSnapshotArn", display_name="DBClusterSnapshotIdentifier", tags="TagList",
    links=(uses_key("KmsKeyId"), Link("HAS", DB_CLUSTER,
                                      _source_arn("cluster", "DBClusterIdentifier", "DBClusterSnapshotArn"), inbound=True)),
    snapshotIdentifier=("string: The snapshot's identifier.", "DBClusterSnapshotIdentifier"),
    dbClusterIdentifier=("string: The cluster it was taken of.", "DBClusterIdentifier"),
    snapshotType=("string: manual, automated, awsbackup and the like.", "SnapshotType"),
    engine=("string: The database engine.", "Engine"),
    status=("string: available, creating and the like.", "Status"),
    encrypted=("boolean: Whether it is encrypted.", "StorageEncrypted"),
    kmsKeyId=("string: The key that encrypts it.", "KmsKeyId"),
    allocatedStorage=("integer: Its size in GiB.", "AllocatedStorage"),
    createdOn=("timestamp: When it was taken.", "SnapshotCreateTime"),
    **_sharing(_restorers("Attributes.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes")),
)

STEPS = (
    mapped_step("fetch-rds-snapshots", "RDS snapshots", "rds", DB_SNAPSHOT, fetch=list_then_describe(
        ApiCall("rds", "DescribeDBSnapshots", "DBSnapshots", page_size=100),
        Detail("Attributes", ApiCall("rds", "DescribeDBSnapshotAttributes", absent_errors=("DBSnapshotNotFound",)),
               lambda item: {"DBSnapshotIdentifier": item["DBSnapshotIdentifier"]}),
    )),
    mapped_step("fetch-rds-cluster-snapshots", "RDS cluster snapshots", "rds", DB_CLUSTER_SNAPSHOT, fetch=list_then_describe(
        ApiCall("rds", "DescribeDBClusterSnapshots", "DBClusterSnapshots", page_size=100),
        Detail("Attributes", ApiCall("rds", "DescribeDBClusterSnapshotAttributes",
                                     absent_errors=("DBClusterSnapshotNotFoundFault",)),
               lambda item: {"DBClusterSnapshotIdentifier": item["DBClusterSnapshotIdentifier"]}),
    )),
)
