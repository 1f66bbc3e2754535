"""A run's graph goes to the store page by page while it is collected, and only the commit changes the graph."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import boto3
import pytest

from aws_integration.integrations.aws.collectors import COLLECTOR_STEPS
from aws_integration.steps import runner
from aws_integration.steps.report import StepStatus
from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions, ingest
from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.sink import GraphSink, InMemoryGraph, SinkError
from aws_integration.config import AwsInstance
from aws_integration.jobs.run import Job, JobSettings
from aws_integration.integrations.aws.registry import Registry, default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, SampleAccount
from aws_integration.store import GraphBatch, GraphStore, SqliteStore, StoreError
from aws_integration.store.location import open_store
from aws_integration.store.staging import StagedGraph, StagingError
from tests.moto_aio import moto_session
from tests.moto_quirks import steady
from tests.stores import leases_held

OPTIONS = RunOptions(regions=SAMPLE_REGIONS, account_name="sample", tag_with_account_name=True)
LOG_GROUPS = next(step for step in COLLECTOR_STEPS if step.id == "fetch-log-groups")


def _commit(store: GraphStore, graph: CollectedGraph, lease=None):  # type: ignore[no-untyped-def]
    report = graph.report
    return store.commit_run(GraphBatch(
        f"aws:{report.target_id}", graph.entities, graph.relationships, graph.partial_entity_types,
        graph.partial_relationship_types, report.status, report.started_at, report.finished_at, lease=lease,
    ))


def _staged_run(store: GraphStore, registry: Registry, options: RunOptions = OPTIONS) -> tuple[CollectedGraph, object]:
    lease = store.begin_run(instance=None, started_at="2026-01-01T00:00:00+00:00")
    graph = asyncio.run(ingest(registry, moto_session(), options, sink=store.staging(lease)))
    assert graph.entities == [] and graph.relationships == []  # nothing of it was held to hand over
    return graph, _commit(store, graph, lease)


def test_a_staged_run_stores_what_a_run_held_in_memory_stores(
    sample: SampleAccount, tmp_path: Path, store_location: str
) -> None:
    """Staged on either backend, a run stores what the same run held in memory stores in SQLite."""
    in_memory = asyncio.run(ingest(default_registry(), moto_session(), OPTIONS))
    with SqliteStore(tmp_path / "memory.sqlite") as held, open_store(store_location) as staged:
        held_summary = _commit(held, in_memory)
        staged_graph, staged_summary = _staged_run(staged, default_registry())
        assert [steady(entity) for entity in staged.entities()] == [steady(entity) for entity in held.entities()]
        assert list(staged.relationships()) == list(held.relationships())
        assert staged.select("SELECT COUNT(*) FROM staged_entities") == [(0,)]
        # Entities a mapper enriches are held until it ran, then staged with its patch and the account's tag.
        subnets = [entity for entity in staged.entities() if entity["_type"] == "aws_subnet"]
    assert subnets and all("public" in subnet and subnet["tag.AccountName"] == "sample" for subnet in subnets)
    assert any(subnet["public"] for subnet in subnets) and not all(subnet["public"] for subnet in subnets)
    assert staged_summary.entities == held_summary.entities  # type: ignore[attr-defined]
    assert staged_summary.dangling_relationships == held_summary.dangling_relationships  # type: ignore[attr-defined]
    assert staged_graph.report.entity_counts == in_memory.report.entity_counts
    assert staged_graph.report.relationship_counts == in_memory.report.relationship_counts


class RecordingSink(InMemoryGraph):
    """The in-memory sink, also noting each page it is handed, in order with the API calls."""

    def __init__(self, events: list[tuple[str, int]]) -> None:
        super().__init__()
        self.events = events

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        self.events.append(("add", len(entities) + len(relationships)))
        super().add(unit, entities, relationships)


def _log_groups(count: int) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for index in range(count):  # moto answers DescribeLogGroups 50 at a time
        logs.create_log_group(logGroupName=f"/paged/{index:03d}")


def test_records_reach_the_sink_a_page_at_a_time_while_the_listing_goes_on(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "PAGE_RECORDS", 40)
    _log_groups(120)
    events: list[tuple[str, int]] = []
    session = moto_session()
    session.register("before-call.cloudwatch-logs.DescribeLogGroups", lambda **_: events.append(("page", 0)))
    listing = dataclasses.replace(LOG_GROUPS, fetch=None)  # the default fetch: the declared listing, streamed
    graph = asyncio.run(ingest(Registry(steps=(listing,), mappers=()), session,
                               RunOptions(regions=("us-east-1",), check_permissions=False), sink=RecordingSink(events)))
    assert graph.report.entity_counts == {"aws_cloudwatch_log_group": 120}
    pages = [index for index, (event, _) in enumerate(events) if event == "page"]
    handed = [(index, size) for index, (event, size) in enumerate(events) if event == "add"]
    assert len(pages) == 3
    assert handed[0][0] < pages[-1]  # the first records went to the sink before the last page was asked for
    assert all(size <= 40 for _, size in handed)
    assert sum(size for _, size in handed) == 240  # each group and its account's HAS relationship


def test_a_unit_that_fails_after_staging_pages_takes_them_back(moto: None, store_location: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "PAGE_RECORDS", 10)
    _log_groups(60)
    seen = 0

    def fails_late(item, scope):  # type: ignore[no-untyped-def]
        nonlocal seen
        seen += 1
        if seen == 55:
            raise ValueError("a bug on the 55th log group")
        return LOG_GROUPS.transform(item, scope)

    options = RunOptions(regions=("us-east-1",), check_permissions=False)
    with open_store(store_location) as store:
        _staged_run(store, Registry(steps=(LOG_GROUPS,), mappers=()), options)
        broken = Registry(steps=(dataclasses.replace(LOG_GROUPS, transform=fails_late),), mappers=())
        graph, summary = _staged_run(store, broken, options)
        assert graph.report.steps[0].status is StepStatus.FAILURE
        assert graph.report.entity_counts == {}  # 54 groups were staged, then taken back
        assert (summary.entities.deleted, summary.entities.kept_from_earlier_runs) == (0, 60)  # type: ignore[attr-defined]
        assert len([entity for entity in store.entities() if entity["_type"] == "aws_cloudwatch_log_group"]) == 60


class FailingSink(InMemoryGraph):
    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        raise SinkError("the disk is full")


def test_a_sink_that_fails_fails_the_run_not_a_step(sample: SampleAccount) -> None:
    with pytest.raises(SinkError, match="the disk is full"):
        asyncio.run(ingest(default_registry(), moto_session(), OPTIONS, sink=FailingSink()))


@pytest.mark.parametrize("instance", [None, "sample"])
def test_a_store_that_fails_while_staging_fails_the_run(
    sample: SampleAccount, store_location: str, monkeypatch: pytest.MonkeyPatch, instance: str | None
) -> None:
    def disk_full(self: StagedGraph, *args: object) -> None:
        raise StagingError("cannot write store: database or disk is full")

    monkeypatch.setattr(StagedGraph, "add", disk_full)
    settings = JobSettings(session_factory=lambda profile: moto_session(), check_permissions=False)
    configured = AwsInstance.model_validate({"name": instance, "regions": list(SAMPLE_REGIONS)}) if instance else None
    with open_store(store_location) as store:
        job = Job(default_registry(), store, settings, [], None)
        with pytest.raises(StoreError, match="disk is full"):
            asyncio.run(job.run(configured))
        # A configured instance keeps the failure in its history; a command-line run keeps none.
        assert [(run.status, run.error) for run in store.runs()] == (
            [("failure", "cannot write store: database or disk is full")] if instance else []
        )
        assert list(store.entities()) == []
        assert store.select("SELECT COUNT(*) FROM staged_entities") == [(0,)]
    assert leases_held(store_location) == 0


def test_the_sink_protocol_is_met_by_both_sinks(store_location: str) -> None:
    with open_store(store_location) as store:
        lease = store.begin_run(instance=None, started_at="t0")
        sinks: list[GraphSink] = [InMemoryGraph(), store.staging(lease)]
        for sink in sinks:
            vpc = Entity("v1", "aws_vpc", ("Network",), "v1", {})
            sink.add(1, [vpc], [])
            sink.add(2, [Entity("v2", "aws_vpc", ("Network",), "v2", {})], [])
            sink.keep(1)
            sink.discard(2)
            assert sink.entity_counts() == {"aws_vpc": 1}, type(sink).__name__
        store.discard_run(lease)
        assert store.select("SELECT COUNT(*) FROM staged_entities") == [(0,)]
