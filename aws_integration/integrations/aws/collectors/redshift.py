"""Redshift clusters: encryption, public accessibility, keys, firewalls."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, ec2_arn
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

CLUSTER = EntityDecl(
    "aws_redshift_cluster", ("DataStore", "Database", "Cluster"), "A Redshift data warehouse cluster.",
    properties=described(
        clusterIdentifier="string: The cluster's identifier.",
        arn="string: Its ARN.",
        nodeType="string: Its node type (ra3.xlplus).",
        numberOfNodes="integer: Its compute nodes.",
        status="string: available, creating, paused and the like.",
        dbName="string: The name of its first database.",
        encrypted="boolean: Whether it is encrypted at rest.",
        kmsKeyId="string: The KMS key that encrypts it.",
        publiclyAccessible="boolean: Whether it is reachable from outside its VPC.",
        public="boolean: Whether it is publicly accessible.",
        enhancedVpcRouting="boolean: Whether its COPY and UNLOAD traffic stays in the VPC.",
        vpcId="string: Its VPC.",
        endpointAddress="string: The DNS name it answers on.",
        endpointPort="integer: The port it answers on.",
        automatedSnapshotRetentionPeriod="integer: The days automated snapshots are kept.",
        createdOn="timestamp: When it was created.",
    ),
)


DESCRIBE_CLUSTERS = ApiCall("redshift", "DescribeClusters", "Clusters")


def transform_cluster(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_redshift_cluster``; its security groups PROTECT it and it USES its KMS key."""
    key = scope.arn("redshift", f"cluster:{item['ClusterIdentifier']}")
    endpoint = item.get("Endpoint") or {}
    yield build_entity(
        CLUSTER,
        scope,
        key=key,
        name=item["ClusterIdentifier"],
        tags=item.get("Tags"),
        properties={
            "clusterIdentifier": item["ClusterIdentifier"],
            "arn": key,
            "nodeType": item.get("NodeType"),
            "numberOfNodes": item.get("NumberOfNodes"),
            "status": item.get("ClusterStatus"),
            "dbName": item.get("DBName"),
            "encrypted": bool(item.get("Encrypted")),
            "kmsKeyId": item.get("KmsKeyId"),
            "publiclyAccessible": bool(item.get("PubliclyAccessible")),
            "public": bool(item.get("PubliclyAccessible")),
            "enhancedVpcRouting": item.get("EnhancedVpcRouting"),
            "vpcId": item.get("VpcId"),
            "endpointAddress": endpoint.get("Address"),
            "endpointPort": endpoint.get("Port"),
            "automatedSnapshotRetentionPeriod": item.get("AutomatedSnapshotRetentionPeriod"),
            "createdOn": item.get("ClusterCreateTime"),
            "classification": None,
        },
    )
    for group in item.get("VpcSecurityGroups", []):
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group["VpcSecurityGroupId"]), "PROTECTS", CLUSTER, key)
    yield from uses_key(CLUSTER, key, item.get("KmsKeyId"))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-redshift-clusters",
        name="Redshift clusters",
        service="redshift",
        scope=Scope.REGIONAL,
        calls=(DESCRIBE_CLUSTERS,),
        entities=(CLUSTER,),
        relationships=(
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", CLUSTER.type),
            RelationshipDecl(CLUSTER.type, "USES", KEY.type),
        ),
        transform=transform_cluster,
    ),
)
