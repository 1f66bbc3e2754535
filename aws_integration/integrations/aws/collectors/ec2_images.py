"""EC2 images, snapshots, key pairs and launch templates: only those the account owns."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import OneAnswer, build_entity, iso_time, relate
from aws_integration.integrations.aws.collectors.ec2 import VOLUME, ec2_arn
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

IMAGE = EntityDecl("aws_ami", ("Image",), "An AMI the account owns.", properties=described(
    imageId="string: The AMI ID.",
    name="string: Its name.",
    description="string: Its description.",
    state="string: pending, available, invalid, deregistered, transient, failed or error.",
    public="boolean: Whether anyone may launch it (its launch permission includes all).",
    sharedWithAccounts="string[]: The other accounts its launch permission names.",
    sharedWithOrganizations="string[]: The organizations and organizational units its launch permission names.",
    architecture="string: i386, x86_64, arm64 and the like.",
    platform="string: Its platform details (Linux/UNIX, Windows).",
    rootDeviceType="string: ebs or instance-store.",
    encrypted="boolean: Whether one of its EBS snapshots is encrypted.",
    createdOn="timestamp: When it was created.",
    deprecatedOn="timestamp: When it is deprecated.",
))
SNAPSHOT = EntityDecl("aws_ebs_snapshot", ("DataStore", "Disk", "Image"), "An EBS snapshot the account owns.", properties=described(
    snapshotId="string: The snapshot ID.",
    volumeId="string: The volume it was taken of.",
    volumeSize="integer: The size of that volume in GiB.",
    state="string: pending, completed, error, recoverable or recovering.",
    description="string: Its description.",
    encrypted="boolean: Whether it is encrypted.",
    kmsKeyId="string: The ARN of the KMS key that encrypts it.",
    startedOn="timestamp: When it was started.",
    public="boolean: Whether anyone may create a volume from it (its create-volume permission includes all).",
    sharedWithAccounts="string[]: The other accounts its create-volume permission names.",
))
KEY_PAIR = EntityDecl(
    "aws_key_pair", ("AccessKey",), "An EC2 key pair (its public half; AWS never holds the private key).",
    properties=described(
        keyName="string: The key pair's name.",
        keyPairId="string: Its ID.",
        fingerprint="string: The fingerprint of its public key.",
        keyType="string: rsa or ed25519.",
        createdOn="timestamp: When it was created or imported.",
    ),
)
LAUNCH_TEMPLATE = EntityDecl("aws_launch_template", ("Configuration",), "An EC2 launch template.", properties=described(
    launchTemplateId="string: The template ID.",
    name="string: Its name.",
    defaultVersion="integer: Its default version number.",
    latestVersion="integer: Its latest version number.",
    createdBy="string: The ARN of the principal that created it.",
    createdOn="timestamp: When it was created.",
))


DESCRIBE_IMAGES = ApiCall("ec2", "DescribeImages", "Images")
DESCRIBE_IMAGE_ATTRIBUTE = ApiCall("ec2", "DescribeImageAttribute", absent_errors=("InvalidAMIID.NotFound",))
DESCRIBE_SNAPSHOTS = ApiCall("ec2", "DescribeSnapshots", "Snapshots", page_size=1000)
DESCRIBE_SNAPSHOT_ATTRIBUTE = ApiCall("ec2", "DescribeSnapshotAttribute", absent_errors=("InvalidSnapshot.NotFound",))
DESCRIBE_KEY_PAIRS = ApiCall("ec2", "DescribeKeyPairs")
DESCRIBE_LAUNCH_TEMPLATES = ApiCall("ec2", "DescribeLaunchTemplates", "LaunchTemplates")


def _owned(context: FetchContext, items: list[RawItem]) -> list[RawItem]:
    """Keep what the account owns, even from an endpoint that ignores the owner filter."""
    return [item for item in items if item.get("OwnerId", context.scope.account_id) == context.scope.account_id]


async def fetch_owned_images(context: FetchContext) -> list[RawItem]:
    """Images owned by the account (the public catalogue is not the account's inventory), each with
    whom its launch permission names."""
    images = _owned(context, await context.items(DESCRIBE_IMAGES, Owners=["self"]))
    answers = await context.each(images, lambda image: context.call(
        DESCRIBE_IMAGE_ATTRIBUTE, ImageId=image["ImageId"], Attribute="launchPermission"))
    return [{**image, "LaunchPermissions": (answer or {}).get("LaunchPermissions") or []}
            for image, answer in zip(images, answers)]


def _shared(permissions: list[RawItem], own_account: str) -> tuple[bool, list[str], list[str]]:
    """Whether a permission list grants ``all``, the other accounts it names, and the organizations/OUs."""
    public = any(permission.get("Group") == "all" for permission in permissions)
    accounts = sorted({str(permission["UserId"]) for permission in permissions
                       if permission.get("UserId") and permission["UserId"] != own_account})
    organizations = sorted({str(arn) for permission in permissions
                            for arn in (permission.get("OrganizationArn"), permission.get("OrganizationalUnitArn")) if arn})
    return public, accounts, organizations


def transform_image(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ami``, with whom it is shared."""
    public, accounts, organizations = _shared(item.get("LaunchPermissions") or [], scope.account_id)
    yield build_entity(
        IMAGE,
        scope,
        key=scope.arn("ec2", f"image/{item['ImageId']}", account=False),  # AMI ARNs name no account
        name=item.get("Name") or item["ImageId"],
        tags=item.get("Tags"),
        properties={
            "imageId": item["ImageId"],
            "name": item.get("Name"),
            "description": item.get("Description"),
            "state": item.get("State"),
            "public": bool(item.get("Public")) or public,
            "sharedWithAccounts": accounts or None,
            "sharedWithOrganizations": organizations or None,
            "architecture": item.get("Architecture"),
            "platform": item.get("PlatformDetails"),
            "rootDeviceType": item.get("RootDeviceType"),
            "encrypted": any(mapping.get("Ebs", {}).get("Encrypted") for mapping in item.get("BlockDeviceMappings", [])),
            "createdOn": iso_time(item.get("CreationDate")),
            "deprecatedOn": iso_time(item.get("DeprecationTime")),
        },
    )


async def fetch_owned_snapshots(context: FetchContext) -> list[RawItem]:
    """Snapshots owned by the account, each with whom its create-volume permission names."""
    snapshots = _owned(context, await context.items(DESCRIBE_SNAPSHOTS, OwnerIds=["self"]))
    answers = await context.each(snapshots, lambda snapshot: context.call(
        DESCRIBE_SNAPSHOT_ATTRIBUTE, SnapshotId=snapshot["SnapshotId"], Attribute="createVolumePermission"))
    return [{**snapshot, "CreateVolumePermissions": (answer or {}).get("CreateVolumePermissions") or []}
            for snapshot, answer in zip(snapshots, answers)]


def transform_snapshot(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ebs_snapshot``, with whom it is shared; it USES its KMS key; the volume it was taken of HAS it."""
    key = ec2_arn(scope, "snapshot", item["SnapshotId"])
    public, accounts, _ = _shared(item.get("CreateVolumePermissions") or [], scope.account_id)
    yield build_entity(
        SNAPSHOT,
        scope,
        key=key,
        name=item["SnapshotId"],
        tags=item.get("Tags"),
        properties={
            "snapshotId": item["SnapshotId"],
            "volumeId": item.get("VolumeId"),
            "volumeSize": item.get("VolumeSize"),
            "state": item.get("State"),
            "description": item.get("Description") or None,
            "encrypted": bool(item.get("Encrypted")),
            "kmsKeyId": item.get("KmsKeyId"),
            "startedOn": item.get("StartTime"),
            "public": public,
            "sharedWithAccounts": accounts or None,
            "classification": None,
        },
    )
    yield from uses_key(SNAPSHOT, key, item.get("KmsKeyId"))
    if item.get("VolumeId") and item["VolumeId"] != "vol-ffffffff":
        yield relate(VOLUME, ec2_arn(scope, "volume", item["VolumeId"]), "HAS", SNAPSHOT, key)


def transform_key_pair(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_key_pair`` (name, fingerprint, type: never key material)."""
    yield build_entity(
        KEY_PAIR,
        scope,
        key=ec2_arn(scope, "key-pair", item.get("KeyPairId") or item["KeyName"]),
        name=item["KeyName"],
        tags=item.get("Tags"),
        properties={
            "keyName": item["KeyName"],
            "keyPairId": item.get("KeyPairId"),
            "fingerprint": item.get("KeyFingerprint"),
            "keyType": item.get("KeyType"),
            "createdOn": item.get("CreateTime"),
        },
    )


def transform_launch_template(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_launch_template``."""
    yield build_entity(
        LAUNCH_TEMPLATE,
        scope,
        key=ec2_arn(scope, "launch-template", item["LaunchTemplateId"]),
        name=item["LaunchTemplateName"],
        tags=item.get("Tags"),
        properties={
            "launchTemplateId": item["LaunchTemplateId"],
            "name": item["LaunchTemplateName"],
            "defaultVersion": item.get("DefaultVersionNumber"),
            "latestVersion": item.get("LatestVersionNumber"),
            "createdBy": item.get("CreatedBy"),
            "createdOn": item.get("CreateTime"),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-amis", name="AMIs (owned)", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_IMAGES, DESCRIBE_IMAGE_ATTRIBUTE), entities=(IMAGE,),
        fetch=fetch_owned_images, transform=transform_image,
    ),
    StepDecl(
        id="fetch-ebs-snapshots", name="EBS snapshots (owned)", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_SNAPSHOTS, DESCRIBE_SNAPSHOT_ATTRIBUTE), entities=(SNAPSHOT,),
        relationships=(RelationshipDecl(SNAPSHOT.type, "USES", KEY.type), RelationshipDecl(VOLUME.type, "HAS", SNAPSHOT.type)),
        fetch=fetch_owned_snapshots, transform=transform_snapshot,
    ),
    StepDecl(
        id="fetch-key-pairs", name="EC2 key pairs", service="ec2", scope=Scope.REGIONAL,
        entities=(KEY_PAIR,),
        fetch=OneAnswer(DESCRIBE_KEY_PAIRS, "KeyPairs"), transform=transform_key_pair,
    ),
    StepDecl(
        id="fetch-launch-templates", name="EC2 launch templates", service="ec2", scope=Scope.REGIONAL,
        calls=(DESCRIBE_LAUNCH_TEMPLATES,), entities=(LAUNCH_TEMPLATE,),
        transform=transform_launch_template,
    ),
)
