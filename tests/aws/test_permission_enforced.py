"""With moto enforcing IAM, a missing permission disables exactly the step that needs it."""

from __future__ import annotations

import json

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count

from aws_integration.steps.report import DisabledReason, StepStatus
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.principals import inventory_role, inventory_user
from aws_integration.sample.seed import seed_sample_account
from tests.conftest import collect, enforceable_registry
from tests.moto_quirks import MOTO_LACKS


def _every_declared_action_but(*missing: str) -> list[str]:
    actions = {call.iam_action for call in default_registry().api_calls()}
    # moto authorises GetBucketEncryption and GetPublicAccessBlock as s3:ListBucket /
    # s3:GetPublicAccessBlock (its own action map), so grant those names too.
    return sorted((actions - set(missing)) | {"s3:ListBucket", "s3:GetPublicAccessBlock"})


def _use(monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]) -> None:
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)


def _narrow_user(monkeypatch: pytest.MonkeyPatch, actions: list[str]) -> None:
    """Run as an IAM user whose only policy allows ``actions``."""
    _use(monkeypatch, inventory_user(actions))


def _narrow_role(monkeypatch: pytest.MonkeyPatch, actions: list[str], boundary_arn: str | None = None) -> None:
    """Run as a session of a role whose only policy allows ``actions``."""
    _use(monkeypatch, inventory_role(actions, boundary_arn=boundary_arn))


@set_initial_no_auth_action_count(0)
def _collect_enforced():  # type: ignore[no-untyped-def]
    """One run with moto checking every call against the caller's policies."""
    return collect(enforceable_registry())


def test_missing_get_bucket_tagging_disables_only_the_bucket_step(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account()
    _narrow_user(monkeypatch, _every_declared_action_but("s3:GetBucketTagging"))

    graph = _collect_enforced()
    steps = {step.step_id: step for step in graph.report.steps}
    buckets = steps["fetch-s3-buckets"]
    assert buckets.status is StepStatus.DISABLED
    assert buckets.reason is DisabledReason.PERMISSION
    assert buckets.denied_actions == ["s3:GetBucketTagging"]
    assert "s3:GetBucketTagging" in (buckets.message or "")
    others = [step for step_id, step in steps.items() if step_id != "fetch-s3-buckets"]
    others = [step for step in others if step.step_id not in MOTO_LACKS]
    assert all(step.status is StepStatus.SUCCESS for step in others), [s for s in others if s.status is not StepStatus.SUCCESS]
    assert graph.report.status == "partial"
    skipped = {(item.type, item.missing_actions) for item in graph.report.skipped_types}
    assert ("aws_s3_bucket", ("s3:GetBucketTagging",)) in skipped
    assert "aws_s3_bucket" in graph.partial_entity_types
    assert not any(entity.type == "aws_s3_bucket" for entity in graph.entities)
    assert any(entity.type == "aws_instance" for entity in graph.entities)


def test_missing_list_roles_names_the_action(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account()
    _narrow_user(monkeypatch, _every_declared_action_but("iam:ListRoles"))

    steps = {step.step_id: step for step in _collect_enforced().report.steps}
    assert steps["fetch-iam-roles"].status is StepStatus.DISABLED
    assert steps["fetch-iam-roles"].denied_actions == ["iam:ListRoles"]
    assert steps["fetch-iam-users"].status is StepStatus.SUCCESS


def test_a_later_denied_run_keeps_the_buckets_stored_earlier(
    moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from aws_integration.store import GraphBatch, SqliteStore

    def store_run(graph, store):  # type: ignore[no-untyped-def]
        return store.commit_run(GraphBatch(
            "aws:123456789012", graph.entities, graph.relationships, graph.partial_entity_types,
            graph.partial_relationship_types, graph.report.status, graph.report.started_at,
            graph.report.finished_at, graph.report.to_dict(), units=graph.units,  # as a job stores it
        ))

    seed_sample_account()
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        store_run(collect(), store)
        before = {entity["_key"] for entity in store.entities()}
        _narrow_user(monkeypatch, _every_declared_action_but("s3:GetBucketTagging"))
        summary = store_run(_collect_enforced(), store)
        buckets = list(store.entities(types=["aws_s3_bucket"]))
        print("DELETED", before - {entity["_key"] for entity in store.entities()})
        assert len(buckets) == 3
        # Kept: the buckets, and what the services left out under enforcement hold (the sample's detector).
        left_out = set(default_registry().entity_decls) - set(enforceable_registry().entity_decls)
        elsewhere = {entity["_key"] for entity in store.entities(types=sorted(left_out))}
        assert summary.entities.kept_from_earlier_runs == 3 + len(elsewhere) and summary.entities.deleted == 0
        related = [rel for rel in store.relationships() if {rel["_fromEntityKey"], rel["_toEntityKey"]} & elsewhere]
        assert summary.relationships.kept_from_earlier_runs == 3 + len(related)
        assert store.runs()[0].status == "partial"


def test_the_prediction_matches_what_aws_refused(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account()
    _narrow_role(monkeypatch, _every_declared_action_but("s3:GetBucketTagging", "iam:ListRoles"))

    check = _collect_enforced().report.permission_check

    assert check["subject"] == "role Inventory"
    assert check["predictedDenied"] == ["iam:ListRoles", "s3:GetBucketTagging"]
    assert check["observedDenied"] == check["predictedDenied"]
    assert check["disagreements"] == []
    assert check["confirmed"] >= 20


def test_a_policy_aws_does_not_apply_shows_up_as_a_disagreement(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto's enforcement ignores permissions boundaries: the checker sees a boundary that
    # denies s3:GetBucketTagging, AWS-as-moto answers the call, and the report says so.
    seed_sample_account()
    boundary = boto3.client("iam", region_name="us-east-1").create_policy(
        PolicyName="boundary",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetBucketTagging", "Resource": "*"},
        ]}),
    )["Policy"]["Arn"]
    _narrow_role(monkeypatch, _every_declared_action_but(), boundary_arn=boundary)

    check = _collect_enforced().report.permission_check

    assert check["predictedDenied"] == ["s3:GetBucketTagging"] and check["observedDenied"] == []
    assert [(d["stepId"], d["action"], d["observed"]) for d in check["disagreements"]] == [
        ("fetch-s3-buckets", "s3:GetBucketTagging", "allowed")
    ]


def test_a_run_that_may_not_read_its_policies_says_why_and_still_runs(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account()
    _narrow_user(monkeypatch, _every_declared_action_but("iam:GetUser"))

    report = _collect_enforced().report

    assert report.permission_check == {
        "unavailable": "cannot read the policies of user inventory: iam:GetUser denied (AccessDenied)"
    }
    assert report.status == "success"
