"""The benchmark's account: large where accounts are large, and one of every declared type.

Seeded into moto's server (``AWS_ENDPOINT_URL``) with boto3. Instances are spread over
the regions with five tags each; buckets, roles and users are global. The collector
tests' own seeding adds at least one resource of every declared type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

BENCH_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
AMI = "ami-12c6146b"  # an image moto knows in every region
RUN_BATCH = 25  # instances per RunInstances call; each batch gets its own five tag values


@dataclass(frozen=True)
class Profile:
    """How large the account is."""

    instances: int = 2000
    security_groups: int = 200
    subnets: int = 32
    buckets: int = 200
    roles: int = 200
    users: int = 200


def _tags(index: int) -> list[dict[str, str]]:
    return [
        {"Key": "Name", "Value": f"batch-{index:05d}"},
        {"Key": "Environment", "Value": ("production", "staging", "development")[index % 3]},
        {"Key": "Team", "Value": f"team-{index % 17}"},
        {"Key": "CostCenter", "Value": str(1000 + index % 50)},
        {"Key": "Owner", "Value": f"owner{index % 40}@example.com"},
    ]


def _seed_region(clients: Any, region: str, regions: int, profile: Profile, share: int, first_index: int) -> None:
    ec2 = clients.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    per_region = max(1, profile.subnets // regions)
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{index * 16}.0/20")["Subnet"]["SubnetId"]
               for index in range(per_region)]  # /20: room for the 20,000-instance profile
    for index in range(profile.security_groups // regions):
        group = ec2.create_security_group(GroupName=f"bench-{index}", Description="bench", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": f"10.{index % 250}.0.0/16"}]}])
    launched = 0
    while launched < share:
        count = min(RUN_BATCH, share - launched)
        batch = (first_index + launched) // RUN_BATCH
        ec2.run_instances(ImageId=AMI, MinCount=count, MaxCount=count, SubnetId=subnets[batch % len(subnets)],
                          TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(batch)}])
        launched += count


def _seed_global(clients: Any, profile: Profile, buckets_named: str) -> None:
    s3 = clients.client("s3", region_name=BENCH_REGIONS[0])
    for index in range(profile.buckets):
        name = f"{buckets_named}-{index:04d}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
            {"Key": "Team", "Value": f"team-{index % 17}"}, {"Key": "Classification", "Value": "Internal"}]})
    iam = clients.client("iam", region_name=BENCH_REGIONS[0])
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for index in range(profile.roles):
        iam.create_role(RoleName=f"bench-role-{index:04d}", AssumeRolePolicyDocument=trust,
                        Tags=[{"Key": "Team", "Value": f"team-{index % 17}"}])
    for index in range(profile.users):
        iam.create_user(UserName=f"bench-user-{index:04d}", Tags=[{"Key": "Email", "Value": f"u{index}@example.com"}])


def seed_profile(profile: Profile, regions: tuple[str, ...] = BENCH_REGIONS, clients: Any = boto3,
                 buckets_named: str = "bench-bucket") -> None:
    """Seed the profile's resources over ``regions``, through ``clients`` (boto3, or a session in another
    account; bucket names are global, so each account needs its own ``buckets_named``)."""
    share = profile.instances // len(regions)
    for position, region in enumerate(regions):
        count = share if position < len(regions) - 1 else profile.instances - share * position
        _seed_region(clients, region, len(regions), profile, count, share * position)
    _seed_global(clients, profile, buckets_named)


def seed_large_account(profile: Profile) -> dict[str, Any]:
    """Seed the profile and every declared type; returns what was created, by kind."""
    seed_profile(profile)
    from tests.aws import (
        test_collectors_breadth,
        test_collectors_data,
        test_collectors_governance,
        test_collectors_hybrid,
        test_collectors_network,
        test_collectors_platform,
    )

    # One of most declared types, as the collector tests create them (test_collectors_services
    # names a role the others create too, so its types are left out here).
    for module in (test_collectors_data, test_collectors_network, test_collectors_platform, test_collectors_breadth,
                   test_collectors_governance, test_collectors_hybrid):
        module._seed()
    return {"regions": list(BENCH_REGIONS), **profile.__dict__}
