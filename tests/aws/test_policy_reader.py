"""Reading a principal's policies through moto's IAM: roles, users, groups, boundaries, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings
from aws_integration.errors import IntegrationError
from aws_integration.integrations.aws.permissions.checker import Readiness, check_principal
from aws_integration.integrations.aws.permissions.principal import (
    PolicyReadDenied,
    Principal,
    PrincipalKind,
    PrincipalPolicies,
    principal_from_arn,
    read_policies,
)
from aws_integration.integrations.aws.registry import default_registry
from tests.moto_aio import moto_session

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _document(*actions: str, effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}]})


@pytest.fixture
def iam() -> Iterator[object]:
    """Moto with AWS-managed policies loaded, and an IAM client on it."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield boto3.client("iam", region_name="us-east-1")


def _read(principal: Principal) -> PrincipalPolicies:
    async def read() -> PrincipalPolicies:
        async with ClientPool(moto_session(), ClientSettings()) as clients:
            return await read_policies(clients, "us-east-1", principal)

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("arn", "kind", "name"),
    [
        ("arn:aws:iam::123456789012:role/Inventory", PrincipalKind.ROLE, "Inventory"),
        ("arn:aws:iam::123456789012:role/service-role/team/Inventory", PrincipalKind.ROLE, "Inventory"),
        ("arn:aws:sts::123456789012:assumed-role/Inventory/session-1", PrincipalKind.ROLE, "Inventory"),
        ("arn:aws-cn:iam::123456789012:user/ops/alice", PrincipalKind.USER, "alice"),
        ("arn:aws:iam::123456789012:root", PrincipalKind.ROOT, "root"),
    ],
)
def test_principal_from_arn(arn: str, kind: PrincipalKind, name: str) -> None:
    principal = principal_from_arn(arn)
    assert (principal.kind, principal.name, principal.account_id) == (kind, name, "123456789012")


@pytest.mark.parametrize("arn", ["arn:aws:s3:::bucket", "not-an-arn", "arn:aws:sts::123456789012:federated-user/bob"])
def test_other_arns_are_clear_errors(arn: str) -> None:
    with pytest.raises(IntegrationError, match="role|ARN"):
        principal_from_arn(arn)


def test_a_role_reads_inline_managed_at_default_version_aws_managed_and_boundary(iam) -> None:  # type: ignore[no-untyped-def]
    managed = iam.create_policy(PolicyName="inventory-v", PolicyDocument=_document("ec2:DescribeVpcs"))["Policy"]
    iam.create_policy_version(PolicyArn=managed["Arn"], PolicyDocument=_document("ec2:Describe*"), SetAsDefault=True)
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=_document("ec2:*", "iam:*", "sts:*"))["Policy"]
    iam.create_role(RoleName="Inventory", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=boundary["Arn"])
    iam.put_role_policy(RoleName="Inventory", PolicyName="inline-iam",
                        PolicyDocument=_document("iam:List*", "iam:Get*", "iam:GenerateCredentialReport"))
    iam.attach_role_policy(RoleName="Inventory", PolicyArn=managed["Arn"])
    iam.attach_role_policy(RoleName="Inventory", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")

    policies = _read(principal_from_arn("arn:aws:sts::123456789012:assumed-role/Inventory/run"))

    assert sorted(policies.sources) == sorted(
        ["inline-iam", "inventory-v", "AmazonS3ReadOnlyAccess", "boundary (permissions boundary)"]
    )
    report = check_principal(default_registry(), policies)
    assert report.subject == "role Inventory"
    # The default version (v2, ec2:Describe*) counts, not v1.
    assert report.check("fetch-instances").readiness is Readiness.READY
    # S3 is allowed by the AWS-managed policy but not by the boundary.
    assert report.check("fetch-s3-buckets").readiness is Readiness.SKIPPED
    assert report.check("fetch-iam-users").readiness is Readiness.READY


def test_a_user_reads_its_groups_policies_too(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="auditors")
    iam.add_user_to_group(GroupName="auditors", UserName="alice")
    iam.put_group_policy(GroupName="auditors", PolicyName="group-s3", PolicyDocument=_document("s3:Get*", "s3:List*"))
    iam.attach_group_policy(GroupName="auditors", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=_document("iam:Get*"))

    policies = _read(principal_from_arn("arn:aws:iam::123456789012:user/alice"))

    assert sorted(policies.sources) == ["AmazonEC2ReadOnlyAccess", "group-s3", "own"]
    assert policies.boundary is None
    report = check_principal(default_registry(), policies)
    assert report.check("fetch-s3-buckets").readiness is Readiness.READY
    # Her own iam:Get* covers the details and reading the credential report, not generating it.
    assert set(report.check("fetch-iam-users").missing_actions) == {"iam:ListUsers", "iam:GenerateCredentialReport"}


def test_an_unknown_role_is_a_clear_error(iam) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrationError, match="role Ghost does not exist in account 123456789012"):
        _read(principal_from_arn("arn:aws:iam::123456789012:role/Ghost"))


def test_a_caller_that_may_not_read_its_policies_learns_which_action_is_missing(
    iam, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    iam.create_user(UserName="inventory")
    iam.put_user_policy(UserName="inventory", PolicyName="p", PolicyDocument=_document(
        "iam:GetUser", "iam:ListUserPolicies", "iam:GetUserPolicy"))
    key = iam.create_access_key(UserName="inventory")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")

    @set_initial_no_auth_action_count(0)
    def read_enforced() -> None:
        _read(principal_from_arn("arn:aws:iam::123456789012:user/inventory"))

    with pytest.raises(PolicyReadDenied) as raised:
        read_enforced()
    assert raised.value.iam_action == "iam:ListAttachedUserPolicies"
    assert "iam:ListAttachedUserPolicies denied" in str(raised.value)
    assert key["SecretAccessKey"] not in str(raised.value)
