"""An account's steps in several processes: the graph and report one process makes, the account's
name on every entity, and what a child killed mid-run costs (its steps fail, nothing else does)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY
from aws_integration.integrations.aws.engine.clients import new_session
from aws_integration.integrations.aws.engine.processes import (
    SharedClaims,
    ShareOrder,
    child_credentials,
    PassedCredentials,
    current_credentials,
    new_counter,
)
from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions, _weight, ingest
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from aws_integration.steps.report import StepStatus
from aws_integration.steps.shares import ordered_bundles
from tests.aws_proxy import AwsProxy
from tests.conftest import FAKE_CREDENTIALS


def _ingest(processes: int, **options: object) -> CollectedGraph:
    return asyncio.run(ingest(default_registry(), new_session(), RunOptions(
        regions=SAMPLE_REGIONS, check_permissions=False, processes=processes, **options)))  # type: ignore[arg-type]


def _records(collected: CollectedGraph) -> tuple[dict[str, object], dict[str, object]]:
    """The records, but the creation time of Athena's default work group, which moto makes anew on every listing."""
    entities = {entity.key: (entity.type, entity.display_name, entity.scope, {
        name: value for name, value in entity.properties.items()
        if not (entity.type == "aws_athena_workgroup" and name == "createdOn")}) for entity in collected.entities}
    relationships = {relationship.key: (relationship.type, relationship.properties)
                     for relationship in collected.relationships}
    return entities, relationships


def _steps(collected: CollectedGraph) -> list[tuple[object, ...]]:
    """Each step's outcome (not its calls: how often the IAM credential report is polled depends on timing)."""
    return [(result.step_id, result.status, result.entities, result.relationships) for result in collected.report.steps]


@pytest.mark.e2e
def test_two_processes_collect_what_one_does(endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    seed_sample_account(endpoint)
    one = _ingest(1)
    with caplog.at_level(logging.INFO, logger="aws_integration"):
        two = _ingest(2)
    assert len(one.entities) > 50 and _records(two) == _records(one)
    assert _steps(two) == _steps(one)
    assert (two.report.scope, two.units) == (one.report.scope, one.units)
    assert abs(two.report.api_calls - one.report.api_calls) <= 2  # the credential report's polls
    assert (two.report.entity_counts, two.report.relationship_counts) == (
        one.report.entity_counts, one.report.relationship_counts)
    # Steps ran in the child too: their log lines came from another process, through this one's loggers.
    children = {record.process for record in caplog.records if record.name == "aws_integration.steps.runner"}
    assert os.getpid() in children and len(children) == 2


@pytest.mark.e2e
def test_every_process_tags_with_the_name_of_the_account(endpoint: str) -> None:
    seed_sample_account(endpoint)
    two = _ingest(2, tag_with_account_name=True)
    [account] = [entity for entity in two.entities if entity.type == ACCOUNT_ENTITY.type]
    assert {entity.properties["tag.AccountName"] for entity in two.entities} == {account.display_name}
    assert _records(two) == _records(_ingest(1, tag_with_account_name=True))


@pytest.mark.e2e
def test_a_killed_child_fails_the_steps_it_took_and_no_others(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account(endpoint)
    expected = {result.step_id: result.status for result in _ingest(1).report.steps}
    killed: list[int] = []

    def kill_the_child(proxy: AwsProxy) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            children = [child for child in multiprocessing.active_children() if child.name == "aws-integration-share"]
            if children and proxy.counts.requests >= 40:
                os.kill(children[0].pid or 0, signal.SIGKILL)
                killed.append(children[0].pid or 0)
            time.sleep(0.05)

    with AwsProxy(endpoint, latency_seconds=0.2) as slow:
        monkeypatch.setenv("AWS_ENDPOINT_URL", slow.url)
        killer = threading.Thread(target=kill_the_child, args=(slow,))
        killer.start()
        collected = _ingest(2)
        killer.join()
    assert killed
    failed = [result for result in collected.report.steps if result.status is StepStatus.FAILURE]
    assert failed and all("ended unexpectedly (exit code -9)" in (result.message or "") for result in failed)
    assert {result.step_id: result.status for result in collected.report.steps if result not in failed} == {
        step_id: status for step_id, status in expected.items() if step_id not in {result.step_id for result in failed}}
    lost_types = {name for result in failed for name in result.entity_types}
    assert lost_types <= collected.partial_entity_types
    assert not {name for name, _ in collected.units} & lost_types  # nothing of theirs is deleted anywhere


def test_bundles_keep_a_service_dependencies_and_mappers_together_with_the_root_first() -> None:
    registry = default_registry()
    bundles = ordered_bundles(registry, _weight(2), first=lambda step: any(
        entity.type == ACCOUNT_ENTITY.type for entity in step.entities))
    where = {step_id: index for index, bundle in enumerate(bundles) for step_id in bundle}
    assert sorted(where) == sorted(step.id for step in registry.all_steps)  # each step in exactly one bundle
    assert sum(len(bundle) for bundle in bundles) == len(where)
    assert where["fetch-account"] == 0
    for step in registry.all_steps:
        assert all(where[dependency] == where[step.id] for dependency in step.depends_on)
    for service in registry.services:
        assert len({where[step.id] for step in registry.steps if step.service == service}) == 1
    assert where["map-public-networks"] == where["fetch-subnets"] == where["fetch-vpcs"]


def test_claims_hand_each_bundle_to_exactly_one_process() -> None:
    bundles = [(f"step-{index}",) for index in range(7)]
    counter = new_counter(1)
    announced: list[int] = []
    parent = SharedClaims(bundles, counter, in_flight=2, own=[0])
    child = SharedClaims(bundles, counter, in_flight=2, announce=announced.append)
    taken = [parent.take(), child.take(), child.take(), parent.take(), child.take(), parent.take(), child.take()]
    assert taken == [0, 1, 2, 3, 4, 5, 6] and announced == [1, 2, 4, 6]
    assert parent.take() is None and child.take() is None


def test_credentials_on_their_way_to_a_child_never_show() -> None:
    credentials = asyncio.run(current_credentials(new_session()))
    order = ShareOrder((), 8, None, None, "us-east-1", credentials, {})
    assert credentials is not None and credentials.secret_key == FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    for secret in (FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"], FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]):
        assert secret not in repr(order) and secret not in str(order)


def test_a_child_asks_the_parent_again_when_its_credentials_near_expiry() -> None:
    parent_end, child_end = multiprocessing.Pipe()
    asked: queue.Queue[tuple[str, ...]] = queue.Queue()  # stands for the child's queue to the parent
    now = datetime.now(timezone.utc)
    credentials = child_credentials(PassedCredentials("old-key", "old-secret", "old-token", now + timedelta(minutes=5)),
                                     child_end, asked)
    parent_end.send(PassedCredentials("new-key", "new-secret", "new-token", now + timedelta(hours=1)))  # the parent's answer
    frozen = asyncio.run(credentials.get_frozen_credentials())
    assert asked.get_nowait() == ("credentials?",)
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("new-key", "new-secret", "new-token")
    assert "new-secret" not in repr(PassedCredentials("new-key", "new-secret", "new-token", None))
