"""EKS clusters (endpoint exposure, logging, secrets encryption, network placement) and their managed node groups."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, kms_key_arn, list_then_describe, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.collectors.kms import KEY
from aws_integration.integrations.aws.collectors.mapped import Link, in_subnets, mapped_step, mapped_type, read, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
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


NODE_GROUP = mapped_type(
    "aws_eks_node_group", ("Group",), "A managed node group of an EKS cluster: the EC2 instances its pods run on.",
    key="nodegroupArn", display_name="nodegroupName", tags="tags",
    links=(Link("HAS", CLUSTER, "ClusterArn", inbound=True), uses_role("nodeRole"), in_subnets("subnets")),
    name=("string: The node group's name.", "nodegroupName"),
    clusterName=("string: Its cluster.", "clusterName"),
    status=("string: CREATING, ACTIVE, UPDATING, DEGRADED and the like.", "status"),
    kubernetesVersion=("string: The Kubernetes version its nodes run.", "version"),
    releaseVersion=("string: The AMI release its nodes run.", "releaseVersion"),
    amiType=("string: Its nodes' AMI type (AL2023_x86_64_STANDARD, BOTTLEROCKET_ARM_64 and so on).", "amiType"),
    capacityType=("string: ON_DEMAND or SPOT.", "capacityType"),
    instanceTypes=("string[]: Its nodes' instance types.", "instanceTypes"),
    desiredSize=("integer: The nodes it keeps.", "scalingConfig.desiredSize"),
    maxSize=("integer: The most nodes it scales to.", "scalingConfig.maxSize"),
    nodeRole=("string: The role its nodes run as.", "nodeRole"),
    remoteAccess=("boolean: Whether SSH to its nodes is set up.", lambda item: bool(read(item, "remoteAccess.ec2SshKey"))),
    sshOpenToAll=("boolean: Whether SSH to its nodes is open with no source security group (from anywhere).",
                  lambda item: bool(read(item, "remoteAccess.ec2SshKey")) and not read(item, "remoteAccess.sourceSecurityGroups")),
    createdOn=("timestamp: When it was created.", "createdAt"),
)
LIST_CLUSTERS = ApiCall("eks", "ListClusters", "clusters")
LIST_NODEGROUPS = ApiCall("eks", "ListNodegroups", "nodegroups")
DESCRIBE_NODEGROUP = ApiCall("eks", "DescribeNodegroup", absent_errors=("ResourceNotFoundException",))


async def fetch_node_groups(context: FetchContext) -> list[RawItem]:
    """Every node group of every cluster, with its cluster's ARN."""
    clusters = await context.items(LIST_CLUSTERS)
    names = await context.each(clusters, lambda cluster: context.items(LIST_NODEGROUPS, clusterName=cluster))
    pairs = [(cluster, group) for cluster, groups in zip(clusters, names) for group in groups]
    found = await context.each(pairs, lambda pair: context.call(
        DESCRIBE_NODEGROUP, clusterName=pair[0], nodegroupName=pair[1]))
    return [{**answer["nodegroup"], "ClusterArn": context.scope.arn("eks", f"cluster/{cluster}")}
            for (cluster, _), answer in zip(pairs, found) if answer and answer.get("nodegroup")]


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
            LIST_CLUSTERS,
            Detail("Cluster", ApiCall("eks", "DescribeCluster"), lambda item: {"name": item["Name"]}, pick="cluster"),
            as_item=lambda name: {"Name": name},
        ),
        transform=transform_cluster,
    ),
    mapped_step("fetch-eks-node-groups", "EKS node groups", "eks", NODE_GROUP,
                calls=(LIST_CLUSTERS, LIST_NODEGROUPS, DESCRIBE_NODEGROUP), fetch=fetch_node_groups),
)
