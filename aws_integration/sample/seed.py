"""Seed a realistic sample account: two regions, a public and a private VPC, instances,
security groups, buckets, a database, and IAM users, groups, roles and policies, with tags
(and the findings the saved security questions show).

Works against any endpoint boto3 reaches: moto's server (``endpoint_url``) or an
in-process ``mock_aws`` (no endpoint).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

HOME_REGION = "us-east-1"
SECOND_REGION = "eu-west-1"
SAMPLE_REGIONS = (HOME_REGION, SECOND_REGION)
AMI_ID = "ami-12c6146b"  # one of moto's built-in images


def _tags(**tags: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


@dataclass
class SampleAccount:
    """IDs of what was created, for tests to assert on."""

    public_vpc: str = ""
    private_vpc: str = ""
    public_subnet: str = ""
    private_subnet: str = ""
    eu_subnet: str = ""
    internet_gateway: str = ""
    nat_gateway: str = ""
    web_security_group: str = ""
    db_security_group: str = ""
    web_instances: list[str] = field(default_factory=list)
    db_instance: str = ""
    eu_instance: str = ""
    data_volume: str = ""
    public_snapshot: str = ""
    database: str = ""
    detector: str = ""
    elastic_ip_allocation: str = ""
    buckets: dict[str, str] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    group: str = ""
    role: str = ""
    policy_arn: str = ""
    access_key_id: str = ""


def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url)


def _seed_public_vpc(ec2: Any, sample: SampleAccount) -> None:
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags(Name="prod-vpc", Environment="production")}],
    )["Vpc"]["VpcId"]
    sample.public_vpc = vpc
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": _tags(Name="prod-igw")}]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    sample.internet_gateway = igw
    public = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{HOME_REGION}a",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags(Name="prod-public-a", Tier="public")}],
    )["Subnet"]["SubnetId"]
    private = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=f"{HOME_REGION}b",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags(Name="prod-private-b", Tier="private")}],
    )["Subnet"]["SubnetId"]
    sample.public_subnet, sample.private_subnet = public, private
    main_table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    sample.nat_gateway = nat
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_table, SubnetId=private)

    web = ec2.create_security_group(GroupName="web", Description="HTTPS (and SSH, left open) from the internet",
                                    VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                       {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary: remove after the migration"}]},
                       {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,  # the instances run Windows
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "vendor remote support"}]}],
    )
    db = ec2.create_security_group(GroupName="db", Description="Postgres from web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}],
    )
    sample.web_security_group, sample.db_security_group = web, db
    for index in (1, 2):
        instance = ec2.run_instances(
            ImageId=AMI_ID, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=public, SecurityGroupIds=[web],
            TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(
                Name=f"web-{index}", Environment="production", Owner="Alice@Example.com", Team="platform",
                PatchGroup="2", Monitored="true",
            )}],
        )["Instances"][0]["InstanceId"]
        sample.web_instances.append(instance)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=eip, InstanceId=sample.web_instances[0])
    sample.elastic_ip_allocation = eip
    sample.db_instance = ec2.run_instances(
        ImageId=AMI_ID, MinCount=1, MaxCount=1, InstanceType="r6g.large", SubnetId=private, SecurityGroupIds=[db],
        TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(
            Name="db-1", Environment="production", Classification="Confidential", Owner="data-team@example.com",
        )}],
    )["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(
        AvailabilityZone=f"{HOME_REGION}b", Size=100, VolumeType="gp3", Encrypted=True,
        TagSpecifications=[{"ResourceType": "volume", "Tags": _tags(Name="db-data", Classification="Confidential")}],
    )["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=sample.db_instance, Device="/dev/sdf")
    sample.data_volume = volume
    # An export of the database disk someone made public: the finding the sample's snapshot question shows.
    sample.public_snapshot = ec2.create_snapshot(
        VolumeId=volume, Description="db export for the vendor",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": _tags(Name="db-data-export")}],
    )["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=sample.public_snapshot, Attribute="createVolumePermission",
                                  OperationType="add", GroupNames=["all"])


def _seed_private_vpc(ec2: Any, sample: SampleAccount) -> None:
    vpc = ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags(Name="staging-private", Environment="staging")}],
    )["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone=f"{SECOND_REGION}a",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags(Name="staging-app")}],
    )["Subnet"]["SubnetId"]
    sample.eu_subnet = subnet
    sample.private_vpc = vpc
    sample.eu_instance = ec2.run_instances(
        ImageId="ami-0b9c9f62b6a8e2d1a", MinCount=1, MaxCount=1, InstanceType="t3.small", SubnetId=subnet,
        TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(
            Name="staging-worker", Environment="staging", Owner="bob@example.com", Ephemeral="",
        )}],
    )["Instances"][0]["InstanceId"]


def _seed_buckets(endpoint_url: str | None, sample: SampleAccount) -> None:
    s3 = _client("s3", HOME_REGION, endpoint_url)
    logs, assets = "sample-audit-logs", "sample-public-assets"
    s3.create_bucket(Bucket=logs)
    s3.put_bucket_tagging(Bucket=logs, Tagging={"TagSet": _tags(Classification="Internal", Owner="Security@Example.com")})
    s3.put_bucket_encryption(
        Bucket=logs,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
    )
    s3.put_bucket_versioning(Bucket=logs, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=logs,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    s3.create_bucket(Bucket=assets)  # no tags, no encryption, no public-access block
    s3.put_bucket_acl(Bucket=assets, ACL="public-read")  # and anyone may list it
    eu_data = "sample-eu-customer-data"
    _client("s3", SECOND_REGION, endpoint_url).create_bucket(
        Bucket=eu_data, CreateBucketConfiguration={"LocationConstraint": SECOND_REGION}
    )
    s3.put_bucket_tagging(Bucket=eu_data, Tagging={"TagSet": _tags(Classification="Restricted", Retention="365")})
    sample.buckets = {logs: HOME_REGION, assets: HOME_REGION, eu_data: SECOND_REGION}


def _seed_iam(endpoint_url: str | None, sample: SampleAccount) -> None:
    iam = _client("iam", HOME_REGION, endpoint_url)
    policy = iam.create_policy(
        PolicyName="read-audit-logs",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                           "Resource": ["arn:aws:s3:::sample-audit-logs", "arn:aws:s3:::sample-audit-logs/*"]}],
        }),
        Tags=_tags(Owner="security@example.com"),
    )["Policy"]["Arn"]
    sample.policy_arn = policy
    iam.create_user(UserName="alice", Tags=_tags(Email="Alice@Example.com", Department="Security"))
    iam.create_user(UserName="bob@example.com", Tags=_tags(Team="platform"))
    iam.create_user(UserName="ci-deployer", Tags=_tags(userType="bot"))
    sample.users = ["alice", "bob@example.com", "ci-deployer"]
    iam.create_group(GroupName="auditors")
    iam.add_user_to_group(GroupName="auditors", UserName="alice")
    iam.attach_group_policy(GroupName="auditors", PolicyArn=policy)
    iam.attach_user_policy(UserName="bob@example.com", PolicyArn=policy)
    sample.group = "auditors"
    sample.access_key_id = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]
    iam.create_role(
        RoleName="app-server",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }),
        Description="Role of the web servers",
        Tags=_tags(Environment="production", Owner="platform@example.com"),
    )
    iam.attach_role_policy(RoleName="app-server", PolicyArn=policy)
    sample.role = "app-server"
    _seed_iam_findings(iam, _client("sts", HOME_REGION, endpoint_url).get_caller_identity()["Account"])


VENDOR_ACCOUNT = "999999999999"


def _seed_iam_findings(iam: Any, account_id: str) -> None:
    """What an audit should find: an administrator policy, a user who can escalate, a role trusted from outside,
    a console user without MFA (bob; alice has a device)."""
    for user in ("alice", "bob@example.com"):
        iam.create_login_profile(UserName=user, Password="Sample-Console-Password-1")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    admin = iam.create_policy(PolicyName="break-glass", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}}]}))
    iam.attach_role_policy(RoleName="break-glass", PolicyArn=admin)
    iam.put_user_policy(UserName="ci-deployer", PolicyName="deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:RunInstances", "iam:PassRole"], "Resource": "*"}]}))
    iam.create_role(RoleName="vendor-audit", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"},
            "Condition": {"StringEquals": {"sts:ExternalId": "vendor-audit-2026"}}}]}),
        Description="The auditing vendor's read-only access")


def _seed_monitoring(endpoint_url: str | None, sample: SampleAccount) -> None:
    """GuardDuty on, and one AWS Config rule, in the home region (their findings and compliance are AWS's to answer)."""
    sample.detector = _client("guardduty", HOME_REGION, endpoint_url).create_detector(Enable=True)["DetectorId"]
    account_id = _client("sts", HOME_REGION, endpoint_url).get_caller_identity()["Account"]
    config = _client("config", HOME_REGION, endpoint_url)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "sample-audit-logs"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    config.put_config_rule(ConfigRule={"ConfigRuleName": "s3-bucket-encrypted", "Source": {
        "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}})


def seed_sample_account(endpoint_url: str | None = None) -> SampleAccount:
    """Create the sample account's resources and return their IDs."""
    sample = SampleAccount()
    _seed_public_vpc(_client("ec2", HOME_REGION, endpoint_url), sample)
    _seed_private_vpc(_client("ec2", SECOND_REGION, endpoint_url), sample)
    _seed_buckets(endpoint_url, sample)
    _seed_iam(endpoint_url, sample)
    _seed_monitoring(endpoint_url, sample)
    _seed_database(endpoint_url, sample)
    return sample


def _seed_database(endpoint_url: str | None, sample: SampleAccount) -> None:
    """A reporting database whose storage nobody encrypted: the finding the unencrypted-database question shows."""
    sample.database = "reports"
    _client("rds", HOME_REGION, endpoint_url).create_db_instance(
        DBInstanceIdentifier=sample.database, Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
        MasterUsername="reports", MasterUserPassword="Sample-Db-Password-1", StorageEncrypted=False,
        PubliclyAccessible=False, Tags=_tags(Environment="production", Classification="Confidential"),
    )
