"""Where EC2 capacity sits: placement groups, capacity reservations, and each region's default EBS encryption."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import OneAnswer
from aws_integration.integrations.aws.collectors.ec2 import EC2_PAGE, ec2_arn
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

GET_EBS_ENCRYPTION_BY_DEFAULT = ApiCall("ec2", "GetEbsEncryptionByDefault")
GET_EBS_DEFAULT_KMS_KEY_ID = ApiCall("ec2", "GetEbsDefaultKmsKeyId")

PLACEMENT_GROUP = mapped_type(
    "aws_ec2_placement_group", ("Configuration",), "An EC2 placement group: how its instances share or avoid hardware.",
    key=lambda item, scope: item.get("GroupArn") or ec2_arn(scope, "placement-group", item["GroupName"]),
    display_name="GroupName", tags="Tags",
    groupName=("string: Its name.", "GroupName"),
    groupId=("string: Its ID.", "GroupId"),
    strategy=("string: cluster (one rack), spread (distinct racks) or partition.", "Strategy"),
    state=("string: pending, available, deleting or deleted.", "State"),
    partitionCount=("integer: The partitions of a partition group.", "PartitionCount"),
    spreadLevel=("string: host or rack, for a spread group.", "SpreadLevel"),
)

CAPACITY_RESERVATION = mapped_type(
    "aws_ec2_capacity_reservation", ("Configuration",), "An EC2 On-Demand Capacity Reservation.",
    key=lambda item, scope: item.get("CapacityReservationArn")
    or ec2_arn(scope, "capacity-reservation", item["CapacityReservationId"]),
    display_name="CapacityReservationId", tags="Tags",
    capacityReservationId=("string: Its ID.", "CapacityReservationId"),
    instanceType=("string: The instance type it holds capacity for.", "InstanceType"),
    instancePlatform=("string: The operating system of the instances it is for.", "InstancePlatform"),
    availabilityZone=("string: Its Availability Zone.", "AvailabilityZone"),
    tenancy=("string: default or dedicated.", "Tenancy"),
    totalInstanceCount=("integer: The instances it reserves.", "TotalInstanceCount"),
    availableInstanceCount=("integer: The reserved instances not in use (paid for, idle).", "AvailableInstanceCount"),
    state=("string: active, expired, cancelled, pending or failed.", "State"),
    instanceMatchCriteria=("string: open (any matching instance uses it) or targeted.", "InstanceMatchCriteria"),
    endDateType=("string: unlimited or limited.", "EndDateType"),
    endsOn=("timestamp: When it ends, when limited.", "EndDate"),
    ownerId=("string: The account that owns it (another, when it is shared).", "OwnerId"),
    ebsOptimized=("boolean: Whether its instances are EBS-optimized.", "EbsOptimized"),
    createdOn=("timestamp: When it was created.", "CreateDate"),
)

EBS_DEFAULT_ENCRYPTION = mapped_type(
    "aws_ebs_default_encryption", ("Configuration",),
    "A region's EBS encryption by default: whether new volumes and snapshot copies are encrypted, and with which key.",
    key=lambda item, scope: ec2_arn(scope, "ebs-encryption-by-default", scope.region or ""),
    display_name=lambda item: f"EBS encryption by default {item['Region']}",
    links=(uses_key("KmsKeyId"),),
    enabled=("boolean: Whether new EBS volumes in the region are encrypted whatever their creator asks.",
             "EbsEncryptionByDefault"),
    kmsKeyId=("string: The key new volumes are encrypted with by default (asked for only when it is on).", "KmsKeyId"),
)


async def fetch_ebs_default_encryption(context: FetchContext) -> list[RawItem]:
    """The region's setting, and its default key when it is on."""
    setting = await context.call(GET_EBS_ENCRYPTION_BY_DEFAULT) or {}
    if "EbsEncryptionByDefault" not in setting:
        return []
    key = await context.call(GET_EBS_DEFAULT_KMS_KEY_ID) if setting["EbsEncryptionByDefault"] else None
    return [{"Region": context.region, "EbsEncryptionByDefault": setting["EbsEncryptionByDefault"],
             "KmsKeyId": (key or {}).get("KmsKeyId")}]


STEPS = (
    mapped_step("fetch-placement-groups", "EC2 placement groups", "ec2", PLACEMENT_GROUP,
                fetch=OneAnswer(ApiCall("ec2", "DescribePlacementGroups"), "PlacementGroups")),
    mapped_step("fetch-capacity-reservations", "EC2 capacity reservations", "ec2", CAPACITY_RESERVATION,
                calls=(ApiCall("ec2", "DescribeCapacityReservations", "CapacityReservations", page_size=EC2_PAGE),)),
    mapped_step("fetch-ebs-default-encryption", "EBS encryption by default", "ec2", EBS_DEFAULT_ENCRYPTION,
                calls=(GET_EBS_ENCRYPTION_BY_DEFAULT, GET_EBS_DEFAULT_KMS_KEY_ID), fetch=fetch_ebs_default_encryption),
)
