"""DynamoDB Accelerator (DAX) clusters: encryption at rest and in transit, the role they read tables with."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, protected_by, uses_role
from aws_integration.integrations.aws.declarations import ApiCall

DAX_CLUSTER = mapped_type(
    "aws_dax_cluster", ("Cluster", "Database"), "A DynamoDB Accelerator (DAX) cluster.",
    key="ClusterArn", display_name="ClusterName", tags="Tags",
    links=(uses_role("IamRoleArn"),
           protected_by(lambda item: [group.get("SecurityGroupIdentifier") for group in item.get("SecurityGroups") or []])),
    name=("string: The cluster's name.", "ClusterName"),
    status=("string: creating, available, deleting and so on.", "Status"),
    nodeType=("string: Its nodes' type.", "NodeType"),
    nodeCount=("integer: Its nodes.", "TotalNodes"),
    encrypted=("boolean: Whether its data is encrypted at rest.", equals("SSEDescription.Status", "ENABLED")),
    encryptedInTransit=("boolean: Whether clients reach it over TLS.", equals("ClusterEndpointEncryptionType", "TLS")),
    subnetGroup=("string: The subnet group it runs in.", "SubnetGroup"),
    endpoint=("string: Its discovery endpoint.", "ClusterDiscoveryEndpoint.Address"),
    roleArn=("string: The role it reads DynamoDB tables with.", "IamRoleArn"),
)

STEPS = (
    mapped_step("fetch-dax-clusters", "DAX clusters", "dax", DAX_CLUSTER, fetch=list_then_describe(
        ApiCall("dax", "DescribeClusters", "Clusters", page_size=100),
        Detail("Tags", ApiCall("dax", "ListTags", "Tags"), lambda item: {"ResourceName": item["ClusterArn"]}),
    )),
)
