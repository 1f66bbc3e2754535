"""SSM managed instances: which hosts the Systems Manager agent manages, whether it answers, and its version."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.ec2 import INSTANCE
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import TransformContext


def _managed_arn(item: RawItem, scope: TransformContext) -> str:
    return scope.arn("ssm", f"managed-instance/{item['InstanceId']}")


def _ec2_instance(item: RawItem) -> str | None:
    """The EC2 instance the agent runs on (hybrid machines, ``mi-...``, are none)."""
    return item.get("InstanceId") if item.get("ResourceType") == "EC2Instance" else None


MANAGED_INSTANCE = mapped_type(
    "aws_ssm_managed_instance", ("HostAgent",), "A host Systems Manager manages: an EC2 instance or a hybrid machine.",
    key=_managed_arn, display_name=lambda item: item.get("ComputerName") or item.get("Name") or item["InstanceId"],
    links=(Link("HAS", INSTANCE, _ec2_instance, inbound=True, ec2_kind="instance"),),
    instanceId=("string: The instance (i-...) or hybrid machine (mi-...) ID.", "InstanceId"),
    resourceType=("string: EC2Instance or ManagedInstance (a hybrid machine).", "ResourceType"),
    pingStatus=("string: Online, ConnectionLost or Inactive.", "PingStatus"),
    online=("boolean: Whether its agent answers.", equals("PingStatus", "Online")),
    lastPingOn=("timestamp: When its agent last answered.", "LastPingDateTime"),
    agentVersion=("string: Its agent's version.", "AgentVersion"),
    agentUpToDate=("boolean: Whether its agent is the latest version.", "IsLatestVersion"),
    platformType=("string: Windows, Linux or MacOS.", "PlatformType"),
    platformName=("string: Its operating system.", "PlatformName"),
    platformVersion=("string: Its operating system's version.", "PlatformVersion"),
    computerName=("string: Its host name.", "ComputerName"),
    ipAddress=("string: Its IP address.", "IPAddress"),
    iamRole=("string: The role a hybrid machine's agent acts with.", "IamRole"),
    associationStatus=("string: The status of its State Manager associations.", "AssociationStatus"),
)

STEPS = (
    mapped_step("fetch-ssm-managed-instances", "SSM managed instances", "ssm", MANAGED_INSTANCE,
                calls=(ApiCall("ssm", "DescribeInstanceInformation", "InstanceInformationList", page_size=50),)),
)
