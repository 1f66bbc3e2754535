"""ElastiCache clusters (encryption at rest and in transit, auth, firewalls) and the replication groups
that hold them."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe, relate, sibling_arn
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, ec2_arn
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

CACHE_CLUSTER = EntityDecl(
     "aws_elasticache_cluster", ("DataStore", "Database", "Cluster"), "An ElastiCache (Redis or Memcached) cluster.",
    properties=described(
        cacheClusterId="string: The cluster ID.",
        arn="string: Its ARN.",
        engine="string: redis, valkey or memcached.",
        engineVersion="string: Its engine version.",
        nodeType="string: Its node type (cache.t3.micro).",
        numNodes="integer: Its cache nodes.",
        status="string: available, creating, modifying and the like.",
        encrypted="boolean: Whether it is encrypted at rest.",
        atRestEncryptionEnabled="boolean: Whether it is encrypted at rest.",
        transitEncryptionEnabled="boolean: Whether its connections use TLS.",
        authTokenEnabled="boolean: Whether clients need an AUTH token.",
        replicationGroupId="string: The replication group it belongs to.",
        subnetGroupName="string: Its cache subnet group.",
        createdOn="timestamp: When it was created.",
    ),
)


def transform_cache_cluster(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_elasticache_cluster``; its security groups PROTECT it."""
    key = item.get("ARN") or scope.arn("elasticache", f"cluster:{item['CacheClusterId']}")
    yield build_entity(
        CACHE_CLUSTER,
        scope,
        key=key,
        name=item["CacheClusterId"],
        tags=item.get("Tags"),
        properties={
            "cacheClusterId": item["CacheClusterId"],
            "arn": key,
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "nodeType": item.get("CacheNodeType"),
            "numNodes": item.get("NumCacheNodes"),
            "status": item.get("CacheClusterStatus"),
            "encrypted": bool(item.get("AtRestEncryptionEnabled")),
            "atRestEncryptionEnabled": bool(item.get("AtRestEncryptionEnabled")),
            "transitEncryptionEnabled": bool(item.get("TransitEncryptionEnabled")),
            "authTokenEnabled": bool(item.get("AuthTokenEnabled")),
            "replicationGroupId": item.get("ReplicationGroupId"),
            "subnetGroupName": item.get("CacheSubnetGroupName"),
            "createdOn": item.get("CacheClusterCreateTime"),
            "classification": None,
        },
    )
    for group in item.get("SecurityGroups", []):
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group["SecurityGroupId"]), "PROTECTS",
                     CACHE_CLUSTER, key)


REPLICATION_GROUP = mapped_type(
    "aws_elasticache_replication_group", ("DataStore", "Database", "Cluster"),
    "An ElastiCache (Redis or Valkey) replication group: a primary and its replicas, or shards.",
    key="ARN", display_name="ReplicationGroupId", tags="Tags",
    links=(uses_key("KmsKeyId"),
           Link("HAS", CACHE_CLUSTER, "MemberArns")),
    replicationGroupId=("string: Its ID.", "ReplicationGroupId"),
    description=("string: Its description.", "Description"),
    status=("string: creating, available, modifying, deleting and the like.", "Status"),
    engine=("string: redis or valkey.", "Engine"),
    encrypted=("boolean: Whether it is encrypted at rest.", "AtRestEncryptionEnabled"),
    transitEncryptionEnabled=("boolean: Whether its connections use TLS.", "TransitEncryptionEnabled"),
    authTokenEnabled=("boolean: Whether clients need an AUTH token.", "AuthTokenEnabled"),
    kmsKeyId=("string: The key that encrypts it.", "KmsKeyId"),
    automaticFailover=("boolean: Whether a replica takes over when the primary fails.", equals("AutomaticFailover", "enabled")),
    multiAZ=("boolean: Whether its replicas sit in other zones.", equals("MultiAZ", "enabled")),
    clusterMode=("boolean: Whether its data is sharded.", equals("ClusterEnabled", True)),
    memberCount=("integer: Its cache clusters.", lambda item: len(item.get("MemberClusters") or [])),
    snapshotRetentionLimit=("integer: The days its automatic backups are kept (0: none).", "SnapshotRetentionLimit"),
)


def _with_member_arns(item: RawItem) -> RawItem:
    """The group with its member clusters' ARNs (same account and region)."""
    members = [member for member in item.get("MemberClusters") or [] if isinstance(member, str)]
    return {**item, "MemberArns": [sibling_arn(item.get("ARN"), f"cluster:{member}") for member in members]}


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-elasticache-clusters",
        name="ElastiCache clusters",
        service="elasticache",
        scope=Scope.REGIONAL,
        entities=(CACHE_CLUSTER,),
        relationships=(RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", CACHE_CLUSTER.type),),
        fetch=list_then_describe(
            ApiCall("elasticache", "DescribeCacheClusters", "CacheClusters"),
            Detail("Tags", ApiCall("elasticache", "ListTagsForResource"),
                   lambda item: {"ResourceName": item["ARN"]}, pick="TagList"),
        ),
        transform=transform_cache_cluster,
    ),
    mapped_step("fetch-elasticache-replication-groups", "ElastiCache replication groups", "elasticache", REPLICATION_GROUP,
                fetch=list_then_describe(
        ApiCall("elasticache", "DescribeReplicationGroups", "ReplicationGroups", page_size=100),
        Detail("Tags", ApiCall("elasticache", "ListTagsForResource"), lambda item: {"ResourceName": item["ARN"]},
               pick="TagList"),
        as_item=_with_member_arns,
    )),
)
