"""EMR clusters: state, release, the roles they run with and their security configuration."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type, uses_role
from aws_integration.integrations.aws.declarations import ApiCall

ACTIVE_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]
CLUSTER = mapped_type(
    "aws_emr_cluster", ("Cluster",), "An EMR cluster (not yet terminated).",
    key="ClusterArn", display_name="Name", tags="Detail.Tags", links=(uses_role("Detail.ServiceRole"),),
    name=("string: The cluster's name.", "Name"),
    clusterId=("string: Its ID.", "Id"),
    state=("string: STARTING, BOOTSTRAPPING, RUNNING, WAITING or TERMINATING.", "Status.State"),
    releaseLabel=("string: Its EMR release.", "Detail.ReleaseLabel"),
    serviceRole=("string: The role EMR manages it with.", "Detail.ServiceRole"),
    instanceProfile=("string: The instance profile its nodes run as.", "Detail.Ec2InstanceAttributes.IamInstanceProfile"),
    securityConfiguration=("string: Its security configuration (encryption, authentication).",
                           "Detail.SecurityConfiguration"),
    terminationProtected=("boolean: Whether terminating it is refused.", "Detail.TerminationProtected"),
    visibleToAllUsers=("boolean: Whether every IAM user of the account may see and manage it.", "Detail.VisibleToAllUsers"),
    subnetId=("string: The subnet its nodes run in.", "Detail.Ec2InstanceAttributes.Ec2SubnetId"),
    createdOn=("timestamp: When it was created.", "Status.Timeline.CreationDateTime"),
)

STEPS = (
    mapped_step("fetch-emr-clusters", "EMR clusters", "emr", CLUSTER, fetch=list_then_describe(
        ApiCall("emr", "ListClusters", "Clusters"),
        Detail("Detail", ApiCall("emr", "DescribeCluster"), lambda item: {"ClusterId": item["Id"]}, pick="Cluster"),
        list_params={"ClusterStates": ACTIVE_STATES},
    )),
)
