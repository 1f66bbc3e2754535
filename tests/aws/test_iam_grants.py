"""IAM policies carry their documents and what they grant: managed (customer and AWS) and inline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions
from aws_integration.integrations.aws.permissions.grants import ESCALATION_PATHS, grants_of
from tests.collected import ACCOUNT, REGION, edges, entities_of, failed_steps
from tests.conftest import collect, fake_aws_environment


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ_BUCKETS = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
LAUNCH_WITH_ROLE = {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}


def _seed() -> None:
    iam = boto3.client("iam", region_name=REGION)
    iam.create_policy(PolicyName="break-glass", PolicyDocument=_document(ADMIN))
    iam.create_policy(PolicyName="read-buckets", PolicyDocument=_document(READ_BUCKETS))
    trust = _document({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="ops", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.put_role_policy(RoleName="ops", PolicyName="launch", PolicyDocument=_document(LAUNCH_WITH_ROLE))
    iam.create_user(UserName="carol")
    iam.put_user_policy(UserName="carol", PolicyName="reader", PolicyDocument=_document(READ_BUCKETS))
    iam.create_group(GroupName="admins")
    iam.put_group_policy(GroupName="admins", PolicyName="everything", PolicyDocument=_document(ADMIN))


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectedGraph]:
    # moto knows AWS's managed policies only when asked to load them.
    with fake_aws_environment(tmp_path_factory.mktemp("home")), \
            mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        _seed()
        yield collect(options=RunOptions(regions=(REGION,)))


def test_managed_policies_carry_their_document_and_grants(graph: CollectedGraph) -> None:
    assert failed_steps(graph) == []
    policies = entities_of(graph, "aws_iam_policy")
    glass, reader, admin = policies["break-glass"], policies["read-buckets"], policies["AdministratorAccess"]
    assert json.loads(str(glass.properties["document"]))["Statement"] == [ADMIN]
    assert (glass.properties["allowsAllActions"], reader.properties["allowsAllActions"]) == (True, False)
    assert admin.properties["awsManaged"] is True and admin.properties["allowsAllActions"] is True  # GetPolicyVersion
    assert reader.properties["allowsIamWrite"] is False and reader.properties["allowsPrivilegeEscalation"] is False
    assert glass.properties["allowsPrivilegeEscalation"] is True
    assert set(glass.properties["privilegeEscalationPaths"]) == set(ESCALATION_PATHS)  # type: ignore[arg-type]


def test_inline_policies_are_had_by_their_principal(graph: CollectedGraph) -> None:
    launch = entities_of(graph, "aws_iam_role_policy")["launch"]
    assert launch.properties["allowsPassRole"] is True and launch.properties["allowsAllActions"] is False
    assert launch.properties["privilegeEscalationPaths"] == ["pass-role-to-ec2"]
    assert (f"arn:aws:iam::{ACCOUNT}:role/ops", launch.key) in edges(graph, "aws_iam_role_has_policy")
    reader = entities_of(graph, "aws_iam_user_policy")["reader"]
    assert reader.properties["allowsIamWrite"] is False
    assert (f"arn:aws:iam::{ACCOUNT}:user/carol", reader.key) in edges(graph, "aws_iam_user_has_policy")
    everything = entities_of(graph, "aws_iam_group_policy")["everything"]
    assert everything.properties["allowsAllActions"] is True
    assert (f"arn:aws:iam::{ACCOUNT}:group/admins", everything.key) in edges(graph, "aws_iam_group_has_policy")


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},  # everything but S3: IAM writes too
     {"allowsAllActions": False, "allowsIamWrite": True, "allowsPassRole": True, "allowsPrivilegeEscalation": True}),
    ({"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::1:role/x"},  # judged without the resource
     {"allowsAllActions": False, "allowsIamWrite": True, "allowsPassRole": True, "allowsPrivilegeEscalation": True}),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"},
     {"allowsAllActions": False, "allowsIamWrite": False, "allowsPassRole": False, "allowsPrivilegeEscalation": False}),
    ({"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
     {"allowsAllActions": False, "allowsIamWrite": False, "allowsPassRole": False, "allowsPrivilegeEscalation": False}),
    ({"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"},
     {"allowsAllActions": False, "allowsIamWrite": False, "allowsPassRole": False, "allowsPrivilegeEscalation": True}),
])
def test_what_a_document_grants(statement: dict[str, Any], expected: dict[str, bool]) -> None:
    flags = grants_of(_document(statement)).properties()
    assert {name: flags[name] for name in expected} == expected


def test_an_unreadable_document_grants_nothing_known() -> None:
    assert set(grants_of("not json").properties().values()) == {None}
    assert set(grants_of(None).properties().values()) == {None}
