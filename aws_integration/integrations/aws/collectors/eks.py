"""EKS clusters: endpoint exposure, logging, secrets encryption, network placement."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, kms_key_arn, list_then_describe, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.collectors.kms import KEY
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

CLUSTER = EntityDecl("aws_eks_cluster", ("Cluster",), "An EKS Kubernetes cluster.", properties=described(
    name="string: The cluster's name.",
    arn="string: Its ARN.",
    version="string: Its Kubernetes version.",
    status="string: CREATING, ACTIVE, DELETING, FAILED, UPDATING or PENDING.",
    endpoint="string: Its API server's endpoint.",
    roleArn="string: The role the control plane uses.",
    vpcId="string: Its VPC.",
    endpointPublicAccess="boolean: Whether its API server is reachable from the internet.",
    endpointPrivateAccess="boolean: Whether its API server is reachable from inside the VPC.",
    publicAccessCidrs="string[]: The CIDR blocks allowed to reach its public endpoint.",
    public="boolean: Whether its API server is reachable from the internet.",
    loggingEnabled="boolean: Whether a control-plane log type is enabled.",
    logTypes="string[]: The control-plane log types enabled.",
    secretsEncrypted="boolean: Whether Kubernetes secrets are encrypted with a KMS key.",
    createdOn="timestamp: When it was created.",
))


def transform_cluster(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_eks_cluster``; it USES its role and secrets key, sits in subnets, behind security groups."""
    cluster = item.get("Cluster") or {}
    key = cluster.get("arn") or scope.arn("eks", f"cluster/{item['Name']}")
    network = cluster.get("resourcesVpcConfig") or {}
    logging = [kind for setup in (cluster.get("logging") or {}).get("clusterLogging", []) if setup.get("enabled")
               for kind in setup.get("types", [])]
    keys = [config["provider"]["keyArn"] for config in cluster.get("encryptionConfig") or []
            if (config.get("provider") or {}).get("keyArn")]
    groups = list(network.get("securityGroupIds") or []) + (
        [network["clusterSecurityGroupId"]] if network.get("clusterSecurityGroupId") else [])
    yield build_entity(
        CLUSTER,
        scope,
        key=key,
        name=item["Name"],
        tags=cluster.get("tags"),
        properties={
            "name": item["Name"],
            "arn": key,
            "version": cluster.get("version"),
            "status": cluster.get("status"),
            "endpoint": cluster.get("endpoint"),
            "roleArn": cluster.get("roleArn"),
            "vpcId": network.get("vpcId"),
            "endpointPublicAccess": network.get("endpointPublicAccess"),
            "endpointPrivateAccess": network.get("endpointPrivateAccess"),
            "publicAccessCidrs": network.get("publicAccessCidrs"),
            "public": bool(network.get("endpointPublicAccess")),
            "loggingEnabled": bool(logging),
            "logTypes": logging or None,
            "secretsEncrypted": bool(keys),
            "createdOn": cluster.get("createdAt"),
        },
    )
    if cluster.get("roleArn"):
        yield relate(CLUSTER, key, "USES", ROLE, cluster["roleArn"])
    for key_arn in filter(kms_key_arn, keys):
        yield relate(CLUSTER, key, "USES", KEY, key_arn)
    for subnet_id in network.get("subnetIds") or ():
        yield relate(SUBNET, ec2_arn(scope, "subnet", subnet_id), "HAS", CLUSTER, key)
    for group_id in dict.fromkeys(groups):
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group_id), "PROTECTS", CLUSTER, key)


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-eks-clusters",
        name="EKS clusters",
        service="eks",
        scope=Scope.REGIONAL,
        entities=(CLUSTER,),
        relationships=(
            RelationshipDecl(CLUSTER.type, "USES", ROLE.type),
            RelationshipDecl(CLUSTER.type, "USES", KEY.type),
            RelationshipDecl(SUBNET.type, "HAS", CLUSTER.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", CLUSTER.type),
        ),
        fetch=list_then_describe(
            ApiCall("eks", "ListClusters", "clusters"),
            Detail("Cluster", ApiCall("eks", "DescribeCluster"), lambda item: {"name": item["Name"]}, pick="cluster"),
            as_item=lambda name: {"Name": name},
        ),
        transform=transform_cluster,
    ),
)
