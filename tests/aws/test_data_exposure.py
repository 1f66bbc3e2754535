"""Data exposure: which buckets are public, and why, decided as the S3 console decides it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from aws_integration.integrations.aws.collectors.s3_exposure import Exposure
from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions
from tests.collected import ACCOUNT, REGION, collected_world, entities_of, failed_steps
from tests.conftest import collect, fake_aws_environment

READ_BY_ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::{}/*"}


def _policy(bucket: str) -> str:
    statement = {**READ_BY_ANYONE, "Resource": READ_BY_ANYONE["Resource"].format(bucket)}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _seed() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in ("open-acl", "open-policy", "restricted-policy", "private"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_acl(Bucket="open-acl", ACL="public-read")
    s3.put_bucket_policy(Bucket="open-policy", Policy=_policy("open-policy"))
    s3.put_bucket_policy(Bucket="restricted-policy", Policy=_policy("restricted-policy"))
    s3.put_public_access_block(Bucket="restricted-policy", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectedGraph]:
    for _, collected in collected_world(_seed, tmp_path_factory):
        yield collected


def test_a_bucket_is_public_by_its_acl_or_its_policy(graph: CollectedGraph) -> None:
    assert failed_steps(graph) == []
    buckets = entities_of(graph, "aws_s3_bucket")
    state = {name: (bucket.properties["public"], bucket.properties["policyPublic"], bucket.properties["publicAclGrants"])
             for name, bucket in buckets.items()}
    assert state == {
        "open-acl": (True, False, ["AllUsers:READ"]),
        "open-policy": (True, True, []),
        "restricted-policy": (False, True, []),  # RestrictPublicBuckets overrides the public policy
        "private": (False, False, []),
    }
    assert json.loads(str(buckets["open-policy"].properties["policyDocument"])) == json.loads(_policy("open-policy"))
    assert "policyDocument" not in buckets["private"].properties
    assert buckets["private"].properties["accountPublicAccessBlocked"] is False


def test_the_accounts_public_access_block_overrides_every_buckets_acl(tmp_path_factory: pytest.TempPathFactory) -> None:
    with fake_aws_environment(tmp_path_factory.mktemp("home")), mock_aws():
        _seed()
        boto3.client("s3control", region_name=REGION).put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        graph = collect(options=RunOptions(regions=(REGION,), include_services=frozenset({"s3"})))
    assert [step for step, message in failed_steps(graph) if "excluded" not in str(message)] == []
    buckets = entities_of(graph, "aws_s3_bucket")
    assert {name for name, bucket in buckets.items() if bucket.properties["public"]} == set()
    assert all(bucket.properties["accountPublicAccessBlocked"] is True for bucket in buckets.values())
    assert buckets["open-acl"].properties["publicAclGrants"] == ["AllUsers:READ"]  # still shown, no longer in force


AUTHENTICATED_WRITE = {"Grants": [
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "Permission": "WRITE"},
    {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"},
]}


@pytest.mark.parametrize(("status", "acl", "bucket_block", "account_block", "public"), [
    ({"IsPublic": True}, None, None, None, True),
    ({"IsPublic": True}, None, None, {"RestrictPublicBuckets": True}, False),
    ({"IsPublic": False}, AUTHENTICATED_WRITE, None, None, True),  # every AWS user is the public too
    (None, AUTHENTICATED_WRITE, {"IgnorePublicAcls": True}, None, False),
    (None, AUTHENTICATED_WRITE, None, {"BlockPublicAcls": True}, True),  # blocks new public ACLs, ignores none
    ({"IsPublic": True}, AUTHENTICATED_WRITE, {"IgnorePublicAcls": True}, {"RestrictPublicBuckets": True}, False),
])
def test_each_block_setting_holds_at_the_bucket_or_the_account(status, acl, bucket_block, account_block, public) -> None:  # type: ignore[no-untyped-def]
    exposure = Exposure.of(status, acl, bucket_block, account_block)
    assert exposure.public is public
    assert exposure.acl_grants == (("AuthenticatedUsers:WRITE",) if acl else ())
