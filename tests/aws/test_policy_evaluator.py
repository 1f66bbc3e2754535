"""The policy evaluator on fixed policies: the cases moto's IAM enforcement does not model."""

from __future__ import annotations

import json
import string
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_integration.integrations.aws.permissions import Decision, PolicyError, evaluate, parse_policy, wildcard_match
from aws_integration.integrations.aws.permissions.catalogue import resource_scope
from aws_integration.integrations.aws.permissions.evaluator import strictness
from aws_integration.integrations.aws.registry import default_registry

LITERAL = st.text(alphabet=string.ascii_letters + string.digits + ":/.-_[]()+$^|\\", min_size=0, max_size=30)


def _policy(*statements: dict, name: str = "p"):  # type: ignore[no-untyped-def]
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def _allow(action, resource="*", **extra):  # type: ignore[no-untyped-def]
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@given(LITERAL)
def test_a_pattern_without_wildcards_matches_only_itself(text: str) -> None:
    assert wildcard_match(text, text, ignore_case=False)
    assert not wildcard_match(text, text + "x", ignore_case=False)
    assert wildcard_match(text, text.swapcase(), ignore_case=True)


@given(LITERAL, LITERAL)
def test_star_matches_any_suffix_and_infix(prefix: str, rest: str) -> None:
    assert wildcard_match(prefix + "*", prefix + rest, ignore_case=False)
    assert wildcard_match("*" + rest, prefix + rest, ignore_case=False)
    assert wildcard_match("*", prefix + rest, ignore_case=False)


@given(st.text(alphabet=string.ascii_letters + ":.", min_size=1, max_size=20), st.data())
def test_question_mark_matches_exactly_one_character(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    pattern = text[:index] + "?" + text[index + 1:]
    assert wildcard_match(pattern, text, ignore_case=False)
    assert not wildcard_match(pattern, text[:index] + text[index + 1:], ignore_case=False)
    assert not wildcard_match(pattern, text[:index] + "xy" + text[index + 1:], ignore_case=False)


def test_regex_characters_are_literal() -> None:
    assert not wildcard_match("s3:Get.bject", "s3:GetObject", ignore_case=True)
    assert wildcard_match("arn:aws:s3:::a+b", "arn:aws:s3:::a+b", ignore_case=False)


def test_actions_match_case_insensitively_with_question_marks() -> None:
    policy = _policy(_allow(["ec2:describe*", "S3:GETBUCKETTAG?ING"]))
    assert evaluate("ec2:DescribeVpcs", [policy]).allowed
    assert evaluate("s3:GetBucketTagging", [policy]).allowed
    assert evaluate("s3:GetBucketTaggingX", [policy]).decision is Decision.DENIED


def test_default_deny_is_implicit_and_explicit_deny_wins() -> None:
    verdict = evaluate("iam:ListRoles", [_policy(_allow("ec2:*"))])
    assert verdict.decision is Decision.DENIED and not verdict.explicit
    both = [_policy(_allow("iam:*")), _policy({"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*", "Sid": "NoRoles"}, name="guard")]
    denied = evaluate("iam:ListRoles", both)
    assert denied.decision is Decision.DENIED and denied.explicit
    assert [s.describe() for s in denied.statements] == ["guard:NoRoles"]
    assert evaluate("iam:ListUsers", both).allowed


def test_resource_arn_does_not_grant_a_star_resource_action() -> None:
    policy = _policy(_allow("s3:*", "arn:aws:s3:::*"))
    assert evaluate("s3:ListAllMyBuckets", [policy]).decision is Decision.DENIED
    assert evaluate("s3:GetBucketTagging", [policy], resource="arn:aws:s3:::logs").allowed


def test_not_action_with_a_narrow_resource_covers_only_that_resource() -> None:
    policy = _policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::logs"})
    assert evaluate("s3:GetBucketTagging", [policy], resource="arn:aws:s3:::logs").allowed
    assert evaluate("s3:ListAllMyBuckets", [policy]).decision is Decision.DENIED
    assert evaluate("iam:ListRoles", [policy], resource="arn:aws:s3:::logs").decision is Decision.DENIED


def test_not_resource() -> None:
    policy = _policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"})
    assert evaluate("s3:GetBucketTagging", [policy], resource="arn:aws:s3:::logs").allowed
    assert evaluate("s3:GetBucketTagging", [policy], resource="arn:aws:s3:::secret-data").decision is Decision.DENIED


def test_conditions_make_verdicts_uncertain() -> None:
    conditional_allow = _policy(_allow("ec2:Describe*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}))
    assert evaluate("ec2:DescribeVpcs", [conditional_allow]).decision is Decision.CONDITIONAL
    deny_with_condition = _policy(
        _allow("ec2:*"),
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    )
    verdict = evaluate("ec2:DescribeVpcs", [deny_with_condition])
    assert verdict.decision is Decision.CONDITIONAL and "possibly denied" in verdict.reason
    assert evaluate("iam:ListRoles", [deny_with_condition]).decision is Decision.DENIED


def test_boundary_intersects_with_the_identity_policy() -> None:
    identity = [_policy(_allow("*"))]
    boundary = [_policy(_allow(["ec2:Describe*", "s3:List*"]), name="boundary")]
    assert evaluate("ec2:DescribeVpcs", identity, boundary=boundary).allowed
    verdict = evaluate("iam:ListRoles", identity, boundary=boundary)
    assert verdict.decision is Decision.DENIED and "permissions boundary" in verdict.reason
    assert evaluate("iam:ListRoles", [_policy(_allow("ec2:*"))], boundary=[_policy(_allow("*"))]).decision is Decision.DENIED


def test_documents_in_every_shape_iam_returns() -> None:
    document = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}}
    encoded = urllib.parse.quote(json.dumps(document))
    for shape in (document, json.dumps(document), encoded):
        assert evaluate("ec2:DescribeVpcs", [parse_policy(shape)]).allowed


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not JSON"),
        ({"Statement": [{"Effect": "Maybe", "Action": "a", "Resource": "*"}]}, "Effect"),
        ({"Statement": [{"Effect": "Allow", "Action": "a", "NotAction": "b", "Resource": "*"}]}, "exactly one of Action"),
        ({"Statement": [{"Effect": "Allow", "Action": "a"}]}, "exactly one of Resource"),
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]}, "list of strings"),
    ],
)
def test_malformed_documents_are_clear_errors(document, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError, match=message):
        parse_policy(document)


def _managed(name: str):  # type: ignore[no-untyped-def]
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)[name]
    return parse_policy(data["Document"], name=name)


def test_read_only_access_allows_every_declared_action() -> None:
    policy = _managed("ReadOnlyAccess")
    actions = {call.iam_action for call in default_registry().api_calls()}
    denied = sorted(action for action in actions if not evaluate(action, [policy]).allowed)
    assert denied == []


def test_security_audit_against_the_declared_actions() -> None:
    policy = _managed("SecurityAudit")
    actions = {call.iam_action for call in default_registry().api_calls()}
    # Each action is asked about every resource the collectors read with it (as the checker does).
    verdicts = {
        action: min((evaluate(action, [policy], resource=pattern) for pattern in resource_scope(action).patterns),
                    key=strictness).decision
        for action in actions
    }
    # SecurityAudit grants the inventory's describe/list calls…
    assert verdicts["ec2:DescribeInstances"] is Decision.ALLOWED
    assert verdicts["iam:ListRoles"] is Decision.ALLOWED
    assert verdicts["s3:GetBucketTagging"] is Decision.ALLOWED
    # …and lacks sts:GetCallerIdentity, which AWS answers without any permission, and five reads
    # its copy in moto does not list (docs/setup.md names them for users who attach it).
    assert sorted(action for action, decision in verdicts.items() if decision is not Decision.ALLOWED) == [
        "batch:DescribeJobQueues", "codepipeline:ListTagsForResource", "ds:ListTagsForResource",
        "macie2:GetMacieSession", "ses:ListEmailIdentities", "sts:GetCallerIdentity",
    ]
