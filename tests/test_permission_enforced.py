"""With moto enforcing IAM, a missing permission disables exactly the step that needs it."""

from __future__ import annotations

import json

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count

from aws_integration.engine.report import DisabledReason, StepStatus
from aws_integration.registry import default_registry
from aws_integration.sample.seed import seed_sample_account
from tests.conftest import collect


def _every_declared_action_but(*missing: str) -> list[str]:
    actions = {call.iam_action for call in default_registry().api_calls()}
    # moto authorises GetBucketEncryption and GetPublicAccessBlock as s3:ListBucket /
    # s3:GetPublicAccessBlock (its own action map), so grant those names too.
    return sorted((actions - set(missing)) | {"s3:ListBucket", "s3:GetPublicAccessBlock"})


def _narrow_user(monkeypatch: pytest.MonkeyPatch, actions: list[str]) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="inventory")
    iam.put_user_policy(
        UserName="inventory",
        PolicyName="inventory",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}),
    )
    key = iam.create_access_key(UserName="inventory")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")


@set_initial_no_auth_action_count(0)
def _collect_enforced():  # type: ignore[no-untyped-def]
    """One run with moto checking every call against the caller's policies."""
    return collect()


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
            graph.report.finished_at, graph.report.to_dict(),
        ))

    seed_sample_account()
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        store_run(collect(), store)
        _narrow_user(monkeypatch, _every_declared_action_but("s3:GetBucketTagging"))
        summary = store_run(_collect_enforced(), store)
        buckets = list(store.entities(types=["aws_s3_bucket"]))
        assert len(buckets) == 3
        assert summary.entities.kept_from_earlier_runs == 3 and summary.entities.deleted == 0
        assert summary.relationships.kept_from_earlier_runs == 3
        assert store.runs()[0]["status"] == "partial"
