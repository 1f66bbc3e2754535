"""RDS database instances and clusters: encryption, public accessibility, keys, firewalls."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, ec2_arn
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

DB_INSTANCE = EntityDecl("aws_db_instance", ("DataStore", "Database", "Host"), "An RDS database instance.", properties=described(
    dbInstanceIdentifier="string: The instance's identifier.",
    arn="string: Its ARN.",
    engine="string: Its database engine (mysql, postgres, aurora-postgresql).",
    engineVersion="string: Its engine version.",
    instanceClass="string: Its instance class (db.t3.micro).",
    status="string: available, creating, stopped and the like.",
    encrypted="boolean: Whether its storage is encrypted.",
    kmsKeyId="string: The KMS key that encrypts its storage.",
    publiclyAccessible="boolean: Whether it has a publicly resolvable address.",
    public="boolean: Whether it is publicly accessible.",
    multiAZ="boolean: Whether it has a standby in another zone.",
    storageType="string: gp2, gp3, io1 or standard.",
    allocatedStorage="integer: Its storage in GiB.",
    endpointAddress="string: The DNS name it answers on.",
    endpointPort="integer: The port it answers on.",
    vpcId="string: The VPC of its subnet group.",
    dbClusterIdentifier="string: The cluster it belongs to.",
    backupRetentionPeriod="integer: The days automated backups are kept (0: none).",
    deletionProtection="boolean: Whether it cannot be deleted until protection is turned off.",
    iamDatabaseAuthentication="boolean: Whether IAM users and roles can sign in to it.",
    autoMinorVersionUpgrade="boolean: Whether minor engine upgrades are applied automatically.",
    createdOn="timestamp: When it was created.",
))
DB_CLUSTER = EntityDecl("aws_rds_cluster", ("DataStore", "Database", "Cluster"), "An RDS (Aurora) database cluster.", properties=described(
    dbClusterIdentifier="string: The cluster's identifier.",
    arn="string: Its ARN.",
    engine="string: Its database engine.",
    engineVersion="string: Its engine version.",
    status="string: available, creating, stopped and the like.",
    encrypted="boolean: Whether its storage is encrypted.",
    kmsKeyId="string: The KMS key that encrypts its storage.",
    publiclyAccessible="boolean: Whether it has a publicly resolvable address.",
    multiAZ="boolean: Whether it spans several zones.",
    endpoint="string: Its writer endpoint.",
    readerEndpoint="string: Its reader endpoint.",
    port="integer: The port it answers on.",
    backupRetentionPeriod="integer: The days automated backups are kept.",
    deletionProtection="boolean: Whether it cannot be deleted until protection is turned off.",
    iamDatabaseAuthentication="boolean: Whether IAM users and roles can sign in to it.",
    memberCount="integer: Its database instances.",
    createdOn="timestamp: When it was created.",
))


OWN_TYPE_ENGINES = frozenset({"docdb", "neptune"})  # the RDS API answers their clusters too (rds_engines.py)
DESCRIBE_DB_INSTANCES = ApiCall("rds", "DescribeDBInstances", "DBInstances")
DESCRIBE_DB_CLUSTERS = ApiCall("rds", "DescribeDBClusters", "DBClusters")


def _protected_by(item: RawItem, decl: EntityDecl, key: str, scope: TransformContext) -> Iterator[Relationship]:
    for group in item.get("VpcSecurityGroups", []):
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group["VpcSecurityGroupId"]), "PROTECTS", decl, key)
    yield from uses_key(decl, key, item.get("KmsKeyId"))


def transform_db_instance(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_db_instance``; its security groups PROTECT it and it USES its KMS key."""
    key = item["DBInstanceArn"]
    endpoint = item.get("Endpoint") or {}
    yield build_entity(
        DB_INSTANCE,
        scope,
        key=key,
        name=item["DBInstanceIdentifier"],
        tags=item.get("TagList"),
        properties={
            "dbInstanceIdentifier": item["DBInstanceIdentifier"],
            "arn": key,
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "instanceClass": item.get("DBInstanceClass"),
            "status": item.get("DBInstanceStatus"),
            "encrypted": bool(item.get("StorageEncrypted")),
            "kmsKeyId": item.get("KmsKeyId"),
            "publiclyAccessible": bool(item.get("PubliclyAccessible")),
            "public": bool(item.get("PubliclyAccessible")),
            "multiAZ": item.get("MultiAZ"),
            "storageType": item.get("StorageType"),
            "allocatedStorage": item.get("AllocatedStorage"),
            "endpointAddress": endpoint.get("Address"),
            "endpointPort": endpoint.get("Port"),
            "vpcId": (item.get("DBSubnetGroup") or {}).get("VpcId"),
            "dbClusterIdentifier": item.get("DBClusterIdentifier"),
            "backupRetentionPeriod": item.get("BackupRetentionPeriod"),
            "deletionProtection": item.get("DeletionProtection"),
            "iamDatabaseAuthentication": item.get("IAMDatabaseAuthenticationEnabled"),
            "autoMinorVersionUpgrade": item.get("AutoMinorVersionUpgrade"),
            "createdOn": item.get("InstanceCreateTime"),
            "classification": None,
        },
    )
    yield from _protected_by(item, DB_INSTANCE, key, scope)


def transform_db_cluster(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_rds_cluster``, which CONTAINS its member instances (DocumentDB's and Neptune's are their own types)."""
    if item.get("Engine") in OWN_TYPE_ENGINES:
        return
    key = item["DBClusterArn"]
    yield build_entity(
        DB_CLUSTER,
        scope,
        key=key,
        name=item["DBClusterIdentifier"],
        tags=item.get("TagList"),
        properties={
            "dbClusterIdentifier": item["DBClusterIdentifier"],
            "arn": key,
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "status": item.get("Status"),
            "encrypted": bool(item.get("StorageEncrypted")),
            "kmsKeyId": item.get("KmsKeyId"),
            "publiclyAccessible": item.get("PubliclyAccessible"),
            "multiAZ": item.get("MultiAZ"),
            "endpoint": item.get("Endpoint"),
            "readerEndpoint": item.get("ReaderEndpoint"),
            "port": item.get("Port"),
            "backupRetentionPeriod": item.get("BackupRetentionPeriod"),
            "deletionProtection": item.get("DeletionProtection"),
            "iamDatabaseAuthentication": item.get("IAMDatabaseAuthenticationEnabled"),
            "memberCount": len(item.get("DBClusterMembers", [])),
            "createdOn": item.get("ClusterCreateTime"),
            "classification": None,
        },
    )
    for member in item.get("DBClusterMembers", []):
        member_arn = scope.arn("rds", f"db:{member['DBInstanceIdentifier']}")
        yield relate(DB_CLUSTER, key, "CONTAINS", DB_INSTANCE, member_arn)
    yield from _protected_by(item, DB_CLUSTER, key, scope)


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-rds-instances",
        name="RDS database instances",
        service="rds",
        scope=Scope.REGIONAL,
        calls=(DESCRIBE_DB_INSTANCES,),
        entities=(DB_INSTANCE,),
        relationships=(
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", DB_INSTANCE.type),
            RelationshipDecl(DB_INSTANCE.type, "USES", KEY.type),
        ),
        transform=transform_db_instance,
    ),
    StepDecl(
        id="fetch-rds-clusters",
        name="RDS database clusters",
        service="rds",
        scope=Scope.REGIONAL,
        calls=(DESCRIBE_DB_CLUSTERS,),
        entities=(DB_CLUSTER,),
        relationships=(
            RelationshipDecl(DB_CLUSTER.type, "CONTAINS", DB_INSTANCE.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", DB_CLUSTER.type),
            RelationshipDecl(DB_CLUSTER.type, "USES", KEY.type),
        ),
        transform=transform_db_cluster,
    ),
)
