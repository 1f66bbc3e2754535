"""DocumentDB and Neptune clusters: databases on the RDS API, kept apart from ``aws_rds_cluster`` by their engine."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe, sibling_arn
from aws_integration.integrations.aws.collectors.mapped import Link, MappedType, mapped_step, mapped_type, protected_by, uses_key
from aws_integration.integrations.aws.collectors.rds import DB_INSTANCE
from aws_integration.integrations.aws.declarations import ApiCall, RawItem, StepDecl

DOCUMENTDB, NEPTUNE = "docdb", "neptune"  # the engines, and the botocore services that read them


def _members(item: RawItem) -> list[str | None]:
    return [sibling_arn(item.get("DBClusterArn"), f"db:{member['DBInstanceIdentifier']}")
            for member in item.get("DBClusterMembers") or [] if member.get("DBInstanceIdentifier")]


def _engine_cluster(type_name: str, description: str) -> MappedType:
    return mapped_type(
        type_name, ("DataStore", "Database", "Cluster"), description,
        key="DBClusterArn", display_name="DBClusterIdentifier", tags="TagList",
        links=(uses_key("KmsKeyId"), Link("CONTAINS", DB_INSTANCE, _members),
               protected_by(lambda item: [group.get("VpcSecurityGroupId") for group in item.get("VpcSecurityGroups") or []])),
        dbClusterIdentifier=("string: The cluster's identifier.", "DBClusterIdentifier"),
        arn=("string: Its ARN.", "DBClusterArn"),
        engineVersion=("string: Its engine version.", "EngineVersion"),
        status=("string: available, creating, stopped and the like.", "Status"),
        encrypted=("boolean: Whether its storage is encrypted.", lambda item: bool(item.get("StorageEncrypted"))),
        kmsKeyId=("string: The KMS key that encrypts its storage.", "KmsKeyId"),
        endpoint=("string: Its writer endpoint.", "Endpoint"),
        readerEndpoint=("string: Its reader endpoint.", "ReaderEndpoint"),
        port=("integer: The port it answers on.", "Port"),
        multiAZ=("boolean: Whether it spans several zones.", "MultiAZ"),
        backupRetentionPeriod=("integer: The days automated backups are kept.", "BackupRetentionPeriod"),
        deletionProtection=("boolean: Whether it cannot be deleted until protection is turned off.", "DeletionProtection"),
        iamDatabaseAuthentication=("boolean: Whether IAM users and roles can sign in to it.",
                                   "IAMDatabaseAuthenticationEnabled"),
        auditLogExports=("string[]: The logs it exports to CloudWatch (audit, profiler, slowquery).",
                         "EnabledCloudwatchLogsExports"),
        memberCount=("integer: Its database instances.", lambda item: len(item.get("DBClusterMembers") or [])),
        createdOn=("timestamp: When it was created.", "ClusterCreateTime"),
    )


DOCUMENTDB_CLUSTER = _engine_cluster("aws_docdb_cluster", "An Amazon DocumentDB (MongoDB-compatible) cluster.")
NEPTUNE_CLUSTER = _engine_cluster("aws_neptune_cluster", "An Amazon Neptune graph database cluster.")


def _step(step_id: str, name: str, engine: str, mapped: MappedType) -> StepDecl:
    """The engine's clusters (the RDS API answers every engine's unless asked for one), with their tags
    (the engine's API has no ``TagList`` in its cluster)."""
    return mapped_step(step_id, name, engine, mapped, fetch=list_then_describe(
        ApiCall(engine, "DescribeDBClusters", "DBClusters"),
        Detail("TagList", ApiCall(engine, "ListTagsForResource", absent_errors=("DBClusterNotFoundFault",)),
               lambda item: {"ResourceName": item["DBClusterArn"]}, pick="TagList"),
        list_params={"Filters": [{"Name": "engine", "Values": [engine]}]},
        keep=lambda item: item.get("Engine") == engine,
    ))


STEPS = (
    _step("fetch-docdb-clusters", "DocumentDB clusters", DOCUMENTDB, DOCUMENTDB_CLUSTER),
    _step("fetch-neptune-clusters", "Neptune clusters", NEPTUNE, NEPTUNE_CLUSTER),
)
