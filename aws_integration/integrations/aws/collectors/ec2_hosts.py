"""EC2 Dedicated Hosts: physical servers given to one account (licensing, compliance), and what runs on them."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.ec2 import INSTANCE, ec2_arn
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall

DEDICATED_HOST = mapped_type(
    "aws_ec2_dedicated_host", ("Host",), "An EC2 Dedicated Host.",
    key=lambda item, scope: item.get("HostArn") or ec2_arn(scope, "dedicated-host", item["HostId"]),
    display_name="HostId", tags="Tags",
    links=(Link("HAS", INSTANCE, lambda item: [instance.get("InstanceId") for instance in item.get("Instances") or []],
                ec2_kind="instance"),),
    hostId=("string: Its ID.", "HostId"),
    state=("string: available, under-assessment, permanent-failure, released and so on.", "State"),
    availabilityZone=("string: Its Availability Zone.", "AvailabilityZone"),
    instanceType=("string: The instance type it runs (when it runs one type).", "HostProperties.InstanceType"),
    instanceFamily=("string: The instance family it runs.", "HostProperties.InstanceFamily"),
    cores=("integer: Its physical cores.", "HostProperties.Cores"),
    sockets=("integer: Its sockets.", "HostProperties.Sockets"),
    autoPlacement=("boolean: Whether untargeted instances may land on it.", equals("AutoPlacement", "on")),
    hostRecovery=("boolean: Whether its instances move to a new host when it fails.", equals("HostRecovery", "on")),
    instanceCount=("integer: The instances on it.", lambda item: len(item.get("Instances") or [])),
    ownerId=("string: The account that owns it (another, when it is shared).", "OwnerId"),
    allocatedOn=("timestamp: When it was allocated.", "AllocationTime"),
)

STEPS = (
    mapped_step("fetch-dedicated-hosts", "EC2 Dedicated Hosts", "ec2", DEDICATED_HOST,
                calls=(ApiCall("ec2", "DescribeHosts", "Hosts", page_size=500),)),
)
