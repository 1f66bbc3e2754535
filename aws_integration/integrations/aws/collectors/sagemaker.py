"""SageMaker notebook instances: internet access, root access, the role they run as, their key and subnet."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.ec2 import SUBNET
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type, read, uses_key, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem

DETAIL = "Detail"


def _subnet_arn(item: RawItem) -> str | None:
    subnet = read(item, f"{DETAIL}.SubnetId")
    arn = item["NotebookInstanceArn"].split(":")
    return f"arn:{arn[1]}:ec2:{arn[3]}:{arn[4]}:subnet/{subnet}" if subnet else None


NOTEBOOK = mapped_type(
    "aws_sagemaker_notebook_instance", ("Host",), "A SageMaker notebook instance.",
    key="NotebookInstanceArn", display_name="NotebookInstanceName", tags="Tags",
    links=(uses_role(f"{DETAIL}.RoleArn"), uses_key(f"{DETAIL}.KmsKeyId"), Link("HAS", SUBNET, _subnet_arn, inbound=True)),
    name=("string: The notebook instance's name.", "NotebookInstanceName"),
    arn=("string: Its ARN.", "NotebookInstanceArn"),
    status=("string: Pending, InService, Stopping, Stopped, Failed, ...", "NotebookInstanceStatus"),
    instanceType=("string: Its instance type.", "InstanceType"),
    directInternetAccess=("boolean: Whether it reaches the internet directly, not through its VPC.",
                          equals(f"{DETAIL}.DirectInternetAccess", "Enabled")),
    rootAccess=("boolean: Whether its users have root access.", equals(f"{DETAIL}.RootAccess", "Enabled")),
    roleArn=("string: The role it runs as.", f"{DETAIL}.RoleArn"),
    kmsKeyId=("string: The key that encrypts its storage volume.", f"{DETAIL}.KmsKeyId"),
    customerKeyEncrypted=("boolean: Whether a customer key (not SageMaker's own) encrypts its storage volume.", lambda item: bool(read(item, f"{DETAIL}.KmsKeyId"))),
    subnetId=("string: The subnet it runs in.", f"{DETAIL}.SubnetId"),
    volumeSizeInGB=("integer: Its storage volume's size.", f"{DETAIL}.VolumeSizeInGB"),
    platformIdentifier=("string: Its platform (notebook-al2-v2, ...).", f"{DETAIL}.PlatformIdentifier"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)

STEPS = (
    mapped_step("fetch-sagemaker-notebooks", "SageMaker notebook instances", "sagemaker", NOTEBOOK,
                fetch=list_then_describe(
                    ApiCall("sagemaker", "ListNotebookInstances", "NotebookInstances", page_size=100),
                    Detail(DETAIL, ApiCall("sagemaker", "DescribeNotebookInstance"),
                           lambda item: {"NotebookInstanceName": item["NotebookInstanceName"]}),
                    Detail("Tags", ApiCall("sagemaker", "ListTags", "Tags"),
                           lambda item: {"ResourceArn": item["NotebookInstanceArn"]}),
                )),
)
