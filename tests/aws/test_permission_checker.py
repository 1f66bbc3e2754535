"""The checker on fixed policies: per-step verdicts, inheritance, the always-allowed call."""

from __future__ import annotations

import json

import pytest

from aws_integration.steps.report import Denial, StepResult, StepStatus
from aws_integration.integrations.aws.permissions import parse_policy
from aws_integration.integrations.aws.permissions.checker import PREFLIGHT_STEP_ID, PermissionChecker, PermissionReport, Readiness
from aws_integration.integrations.aws.permissions.comparison import Observed, compare
from aws_integration.integrations.aws.permissions.diagnose import format_report
from aws_integration.integrations.aws.registry import default_registry

REGISTRY = default_registry()
ALL_ACTIONS = sorted({call.iam_action for call in REGISTRY.api_calls()})


def _policy(*statements: dict, name: str = "inventory"):  # type: ignore[no-untyped-def]
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def _check(*statements: dict, boundary=None) -> PermissionReport:  # type: ignore[no-untyped-def]
    return PermissionChecker([_policy(*statements)], boundary).check(REGISTRY, "role test", ["inventory"])


def _all_but(*missing: str) -> dict:  # type: ignore[type-arg]
    return {"Effect": "Allow", "Action": [a for a in ALL_ACTIONS if a not in missing], "Resource": "*"}


def _managed(name: str):  # type: ignore[no-untyped-def]
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return parse_policy(json.loads(aws_managed_policies_data)[name]["Document"], name=name)


def test_every_declared_action_allowed_makes_every_step_ready() -> None:
    report = _check(_all_but())
    assert report.all_ready and not report.anything_skipped
    assert report.count(Readiness.READY) == report.resource_types == len(REGISTRY.entity_decls)


def test_a_missing_action_skips_exactly_its_step() -> None:
    report = _check(_all_but("s3:GetBucketTagging", "iam:ListRoles"))
    skipped = {check.step_id: check.missing_actions for check in report.checks if check.readiness is Readiness.SKIPPED}
    assert skipped == {"fetch-s3-buckets": ("s3:GetBucketTagging",), "fetch-iam-roles": ("iam:ListRoles",)}
    assert report.check("fetch-iam-users").readiness is Readiness.READY
    assert ("aws_s3_bucket", report.check("fetch-s3-buckets")) in report.type_rows


def test_a_step_inherits_the_verdict_of_the_steps_it_depends_on() -> None:
    report = _check(_all_but("ec2:DescribeRouteTables"))
    mapper = report.check("map-public-networks")
    assert mapper.readiness is Readiness.SKIPPED
    assert mapper.blocked_by == ("fetch-route-tables",)
    assert mapper.missing_actions == ("ec2:DescribeRouteTables",)


def test_a_conditional_allow_makes_the_step_uncertain_not_skipped() -> None:
    conditional = {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    report = _check(_all_but("iam:ListRoles"), conditional)
    roles = report.check("fetch-iam-roles")
    assert roles.readiness is Readiness.UNCERTAIN
    assert roles.uncertain_actions == ("iam:ListRoles",) and roles.missing_actions == ()
    assert not report.all_ready and not report.anything_skipped


def test_a_conditional_deny_over_an_allowed_action_is_uncertain() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert _check(_all_but(), deny).check("fetch-s3-buckets").readiness is Readiness.UNCERTAIN


def test_an_explicit_deny_names_its_statement() -> None:
    deny = {"Sid": "NoTags", "Effect": "Deny", "Action": "s3:GetBucket*", "Resource": "*"}
    report = _check({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny)
    buckets = report.check("fetch-s3-buckets")
    assert buckets.readiness is Readiness.SKIPPED
    denied = [check for check in buckets.actions if check.verdict.explicit]
    assert {check.action for check in denied} >= {"s3:GetBucketTagging", "s3:GetBucketVersioning"}
    assert "inventory:NoTags" in format_report(report)


def test_get_caller_identity_needs_no_permission_even_when_denied() -> None:
    report = _check(_all_but(), {"Effect": "Deny", "Action": "sts:*", "Resource": "*"})
    preflight = report.check(PREFLIGHT_STEP_ID)
    assert preflight.readiness is Readiness.READY
    assert report.check("fetch-account").readiness is Readiness.READY


def test_without_describe_regions_the_preflight_says_to_name_regions() -> None:
    preflight = _check(_all_but("ec2:DescribeRegions")).check(PREFLIGHT_STEP_ID)
    assert preflight.readiness is Readiness.SKIPPED
    assert "--regions" in (preflight.note or "")


def test_a_boundary_narrower_than_the_identity_policy_wins() -> None:
    boundary = [_policy({"Effect": "Allow", "Action": ["ec2:Describe*", "sts:*"], "Resource": "*"}, name="boundary")]
    report = _check({"Effect": "Allow", "Action": "*", "Resource": "*"}, boundary=boundary)
    assert report.check("fetch-instances").readiness is Readiness.READY
    assert report.check("fetch-s3-buckets").readiness is Readiness.SKIPPED
    assert "iam:ListUsers" in report.check("fetch-iam-users").missing_actions


@pytest.mark.parametrize(("account", "ready"), [("123456789012", True), ("999999999999", False)])
def test_a_policy_naming_the_account_s_users_covers_the_user_reads(account: str, ready: bool) -> None:
    user_actions = ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"]
    statements = [
        _all_but(*user_actions),
        {"Effect": "Allow", "Action": user_actions, "Resource": f"arn:aws:iam::{account}:user/*"},
    ]
    policies = [_policy(*statements)]
    report = PermissionChecker(policies, account_id="123456789012").check(REGISTRY, "user test", [])
    assert (report.check("fetch-iam-access-keys").readiness is Readiness.READY) is ready


def test_the_account_root_is_unrestricted() -> None:
    report = PermissionChecker([], unrestricted=True).check(REGISTRY, "root", [])
    assert report.all_ready


@pytest.mark.parametrize(("name", "not_ready"), [
    ("ReadOnlyAccess", []),
    # moto's copy of SecurityAudit lists no batch:DescribeJobQueues, codepipeline:ListTagsForResource,
    # ds:ListTagsForResource, macie2:GetMacieSession or ses:ListEmailIdentities (docs/setup.md says
    # so to users who attach it).
    ("SecurityAudit", ["fetch-ses-identities", "fetch-macie-sessions", "fetch-directory-service-directories", "fetch-batch-job-queues",
                       "fetch-codepipeline-pipelines"]),
])
def test_aws_read_only_managed_policies_make_every_type_ready(name: str, not_ready: list[str]) -> None:
    report = PermissionChecker([_managed(name)]).check(REGISTRY, name, [name])
    assert sorted(check.step_id for check in report.checks if check.readiness is not Readiness.READY) == sorted(not_ready)


def test_the_report_states_what_it_cannot_see() -> None:
    report = _check(_all_but())
    text = format_report(report)
    assert "service control policies" in text.lower() and "session policies" in text
    assert json.loads(json.dumps(report.to_dict()))["totals"]["ready"] == report.resource_types


def _result(step_id: str, allowed: list[str], denied: list[str] = ()) -> StepResult:  # type: ignore[assignment]
    status = StepStatus.DISABLED if denied else StepStatus.SUCCESS
    return StepResult(step_id, step_id, status, allowed_actions=allowed,
                      denied=[Denial(action, "us-east-1", "AccessDenied") for action in denied])


def test_comparison_finds_both_kinds_of_disagreement_and_ignores_calls_not_made() -> None:
    report = _check(_all_but("s3:GetBucketTagging", "iam:ListRoles"))
    results = [
        _result("fetch-s3-buckets", ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], ["s3:GetBucketTagging"]),
        _result("fetch-iam-roles", ["iam:ListRoles", "iam:GetAccountAuthorizationDetails"]),  # answered: a disagreement
        _result("fetch-iam-users", ["iam:ListUsers"], ["iam:GetAccountAuthorizationDetails"]),  # refused though allowed
    ]
    comparison = compare(report, results)
    disagreements = {(o.step_id, o.action, o.observed) for o in comparison.disagreements}
    assert disagreements == {
        ("fetch-iam-roles", "iam:ListRoles", Observed.ALLOWED),
        ("fetch-iam-users", "iam:GetAccountAuthorizationDetails", Observed.DENIED),
    }
    assert comparison.predicted_denied == ["iam:ListRoles", "s3:GetBucketTagging"]
    assert comparison.observed_denied == ["iam:GetAccountAuthorizationDetails", "s3:GetBucketTagging"]
    data = comparison.to_dict()
    assert data["notExercised"] > 0 and len(data["disagreements"]) == 2
