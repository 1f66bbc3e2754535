"""An account's steps in several processes: the graph and report one process makes, the account's
name on every entity, and what a child killed mid-run costs (its steps fail, nothing else does)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest

from aws_integration.config import AwsInstance
from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY
from aws_integration.integrations.aws.engine.clients import new_session
from aws_integration.integrations.aws.engine.processes import (
    CollectingProcesses,
    SharedClaims,
    ShareOrder,
    child_credentials,
    PassedCredentials,
    RunCounter,
    current_credentials,
    new_counters,
)
from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions, _weight, ingest
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.jobs.run import Job, JobSettings
from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, seed_sample_account
from aws_integration.steps.report import StepStatus
from aws_integration.steps.shares import ordered_bundles
from aws_integration.store import SqliteStore
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
            children = [child for child in multiprocessing.active_children() if child.name == "aws-integration-collector"]
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


@pytest.mark.e2e
def test_runs_in_flight_share_the_children_and_outlive_a_lost_one(endpoint: str) -> None:
    seed_sample_account(endpoint)
    one = _records(_ingest(1))
    options = RunOptions(regions=SAMPLE_REGIONS, check_permissions=False, processes=2)

    async def runs() -> tuple[list[CollectedGraph], int, CollectedGraph]:
        processes = CollectingProcesses(2, runs=2)
        try:
            together = await asyncio.gather(*(ingest(default_registry(), new_session(), options, processes=processes)
                                              for _ in range(2)))
            collectors = [child for child in multiprocessing.active_children()
                          if child.name == "aws-integration-collector"]
            os.kill(processes.children[0].process.pid or 0, signal.SIGKILL)
            processes.children[0].process.join()
            after = await ingest(default_registry(), new_session(), options, processes=processes)
            return together, len(collectors), after
        finally:
            processes.stop()

    together, collectors, after = asyncio.run(runs())
    assert collectors == 1  # the two runs in flight had the same child
    assert [_records(collected) for collected in together] == [one, one]
    assert all(result.status is not StepStatus.FAILURE for collected in together for result in collected.report.steps)
    assert _records(after) == one  # the child had ended: this process collected the run alone
    assert all(result.status is not StepStatus.FAILURE for result in after.report.steps)


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
    counter = RunCounter(new_counters(2), 1)
    counter.value = 1
    announced: list[int] = []
    parent = SharedClaims(bundles, counter, in_flight=2, own=[0])
    child = SharedClaims(bundles, counter, in_flight=2, announce=announced.append)
    taken = [parent.take(), child.take(), child.take(), parent.take(), child.take(), parent.take(), child.take()]
    assert taken == [0, 1, 2, 3, 4, 5, 6] and announced == [1, 2, 4, 6]
    assert parent.take() is None and child.take() is None


def test_credentials_on_their_way_to_a_child_never_show() -> None:
    credentials = asyncio.run(current_credentials(new_session()))
    order = ShareOrder(0, (), 8, None, None, "us-east-1", credentials, {})
    assert credentials is not None and credentials.secret_key == FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    for secret in (FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"], FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]):
        assert secret not in repr(order) and secret not in str(order)


def test_a_child_asks_the_parent_again_when_its_credentials_near_expiry() -> None:
    now = datetime.now(timezone.utc)
    asked: list[str] = []

    async def ask_parent() -> PassedCredentials:  # stands for the round trip to the parent
        asked.append("credentials?")
        return PassedCredentials("new-key", "new-secret", "new-token", now + timedelta(hours=1))

    credentials = child_credentials(PassedCredentials("old-key", "old-secret", "old-token", now + timedelta(minutes=5)),
                                     ask_parent)
    frozen = asyncio.run(credentials.get_frozen_credentials())
    assert asked == ["credentials?"]
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("new-key", "new-secret", "new-token")
    assert "new-secret" not in repr(PassedCredentials("new-key", "new-secret", "new-token", None))


def _stored(store: SqliteStore) -> tuple[dict[str, object], list[str]]:
    """What the store holds, by key and source (but the time Athena's default work group was made)."""
    entities = {record["_key"]: {name: value for name, value in record.items()
                                 if not (record["_type"] == "aws_athena_workgroup" and name == "createdOn")}
                for record in store.entities()}
    return entities, sorted(record["_key"] for record in store.relationships())


@pytest.mark.e2e
def test_an_organization_on_two_processes_stores_what_one_process_stores(endpoint: str, tmp_path: Path) -> None:
    organizations = boto3.client("organizations", region_name=HOME_REGION)
    organizations.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts", region_name=HOME_REGION)
    for name in ("alpha", "beta", "gamma"):
        account = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
        account_id = account["CreateAccountStatus"]["AccountId"]
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/seeder", RoleSessionName="seed")
        member = boto3.Session(aws_access_key_id=credentials["Credentials"]["AccessKeyId"],
                               aws_secret_access_key=credentials["Credentials"]["SecretAccessKey"],
                               aws_session_token=credentials["Credentials"]["SessionToken"], region_name=HOME_REGION)
        member.client("s3").create_bucket(Bucket=f"{name}-only")
        member.client("sqs").create_queue(QueueName=f"{name}-queue")
    instance = AwsInstance.model_validate({
        "name": "org", "roleArn": "arn:aws:iam::123456789012:role/inventory", "externalId": "org-external-id",
        "organization": True, "organizationConcurrency": 2, "regions": [HOME_REGION]})
    stored, statuses = {}, {}
    for processes in (1, 2):
        with SqliteStore(tmp_path / f"{processes}.sqlite") as store:
            settings = JobSettings(check_permissions=False, processes=processes)
            outcome = asyncio.run(Job(default_registry(), store, settings).run(instance))
            statuses[processes] = sorted((run.target_id, run.status) for run in outcome.accounts)
            stored[processes] = _stored(store)
    assert len(statuses[1]) == 4 and statuses[2] == statuses[1]  # the management account and three members
    assert {entity["_key"] for entity in stored[1][0].values()} >= {f"arn:aws:s3:::{name}-only"
                                                                    for name in ("alpha", "beta", "gamma")}
    assert stored[2] == stored[1]
