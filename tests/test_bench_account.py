"""The benchmark's account seeds (``make bench`` is run on demand, so nothing else would notice it break)."""

from __future__ import annotations

import boto3

from bench.large_account import BENCH_REGIONS, Profile, seed_large_account


def test_the_benchmark_account_is_seeded_with_its_profile(moto: None) -> None:
    profile = Profile(instances=6, security_groups=4, subnets=4, buckets=3, roles=2, users=2)
    seeded = seed_large_account(profile)

    assert seeded["regions"] == list(BENCH_REGIONS) and seeded["instances"] == 6
    bench_tagged = [{"Name": "tag:Owner", "Values": ["owner*@example.com"]}]  # the profile's instances, not the tests'
    instances = sum(len(reservation["Instances"])
                    for region in BENCH_REGIONS
                    for reservation in boto3.client("ec2", region_name=region).describe_instances(
                        Filters=bench_tagged)["Reservations"])
    assert instances == 6
    buckets = {bucket["Name"] for bucket in boto3.client("s3", region_name=BENCH_REGIONS[0]).list_buckets()["Buckets"]}
    assert {f"bench-bucket-{index:04d}" for index in range(3)} <= buckets
    # The collector tests' seeding adds their resources: more buckets than the profile's own.
    assert len(buckets) > 3
