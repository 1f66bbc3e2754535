"""A run deletes only what it looked at: the (type, region) units it collected successfully."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from aws_integration.integrations.aws.collectors import COLLECTOR_STEPS
from aws_integration.config import AlertRule, AwsInstance, Instance
from aws_integration.graph.model import Entity
from aws_integration.jobs.history import format_runs
from aws_integration.jobs.run import Job, JobSettings
from aws_integration.integrations.aws.mappers import MAPPERS
from aws_integration.integrations.aws.registry import Registry, default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, SampleAccount
from aws_integration.store import ChangeKind, GraphBatch, GraphStore, SqliteStore
from aws_integration.store.location import open_store
from aws_integration.store.migrations import BASE_SCHEMA, MIGRATIONS
from tests.moto_aio import moto_session

SETTINGS = JobSettings(session_factory=lambda profile: moto_session(), check_permissions=False)
DELETED_INSTANCES = AlertRule.model_validate({"name": "instance gone", "type": "aws_instance", "change": ["deleted"]})


def _instance(regions: tuple[str, ...] = SAMPLE_REGIONS, **fields: Any) -> Instance:
    return AwsInstance.model_validate({"name": fields.pop("name", "sample"), "regions": list(regions), **fields})


def _run(store: GraphStore, instance: Instance, registry: Registry | None = None, **settings: Any):  # type: ignore[no-untyped-def]
    job = Job(registry or default_registry(), store, dataclasses.replace(SETTINGS, **settings), [DELETED_INSTANCES])
    return asyncio.run(job.run(instance)).accounts[0]


def _regions_of(store: GraphStore, type_name: str) -> set[str]:
    return {entity.get("region", "") for entity in store.entities(types=[type_name])}


def test_a_run_over_fewer_regions_keeps_the_other_regions(sample: SampleAccount, store_location: str) -> None:
    assert len(SAMPLE_REGIONS) == 2
    with open_store(store_location) as store:
        full = _run(store, _instance())
        before = {entity["_key"] for entity in store.entities()}
        assert _regions_of(store, "aws_instance") == set(SAMPLE_REGIONS)
        narrow = _run(store, _instance(regions=SAMPLE_REGIONS[:1]))
        assert narrow.summary.entities.deleted == 0 and narrow.summary.relationships.deleted == 0
        assert narrow.summary.entities.kept_from_earlier_runs > 0
        assert not narrow.alerts  # nothing that still exists is reported deleted
        assert {entity["_key"] for entity in store.entities()} == before
        # The report says what the run looked at: only the first region, and the global types.
        scope = store.run(narrow.run_id).report["scope"]
        assert scope["aws_instance"] == [SAMPLE_REGIONS[0]] and scope["aws_s3_bucket"] == ["global"]
        record = store.run(narrow.run_id)
        assert record.to_dict()["scope"]["regions"] == [SAMPLE_REGIONS[0]]
        assert f"entity types in {SAMPLE_REGIONS[0]}" in format_runs([record])  # what `runs` prints
        again = _run(store, _instance())
        assert (again.summary.entities.created, again.summary.entities.deleted) == (0, 0)
    assert full.status == narrow.status == again.status == "success"


def test_two_instances_of_one_account_with_other_regions_do_not_flip_flop(sample: SampleAccount, store_location: str) -> None:
    east, west = _instance(regions=SAMPLE_REGIONS[:1], name="east"), _instance(regions=SAMPLE_REGIONS[1:], name="west")
    with open_store(store_location) as store:
        _run(store, east)
        first_west = _run(store, west)
        assert first_west.summary.entities.deleted == 0
        for instance in (east, west):
            run = _run(store, instance)
            assert (run.summary.entities.created, run.summary.entities.deleted) == (0, 0), instance.name
            assert (run.summary.relationships.created, run.summary.relationships.deleted) == (0, 0), instance.name
        assert _regions_of(store, "aws_instance") == set(SAMPLE_REGIONS)


def test_services_left_out_keep_their_data_and_do_not_make_the_run_partial(sample: SampleAccount, store_location: str) -> None:
    with open_store(store_location) as store:
        _run(store, _instance())
        users = {entity["_key"] for entity in store.entities(types=["aws_iam_user"])}
        keys = {entity["_key"] for entity in store.entities(types=["aws_iam_access_key"])}
        run = _run(store, _instance(), include_services=frozenset({"ec2", "s3", "iam"}))
        assert run.status == "success"
        narrow = _run(store, _instance(), exclude_services=frozenset({"iam"}))
        assert narrow.status == "success" and narrow.summary.entities.deleted == 0
        steps = {step["stepId"]: step for step in store.run(narrow.run_id).report["steps"]}
        assert (steps["fetch-iam-access-keys"]["status"], steps["fetch-iam-access-keys"]["reason"]) == ("disabled", "config")
        assert {entity["_key"] for entity in store.entities(types=["aws_iam_user"])} == users
        assert {entity["_key"] for entity in store.entities(types=["aws_iam_access_key"])} == keys


def test_a_region_that_failed_is_kept_while_the_region_that_worked_is_replaced(sample: SampleAccount, store_location: str) -> None:
    first, second = SAMPLE_REGIONS
    with open_store(store_location) as store:
        _run(store, _instance())
        stale = Entity(f"arn:aws:ec2:{first}:123456789012:volume/vol-gone", "aws_ebs_volume", ("DataStore", "Disk"),
                       "gone", {"region": first, "encrypted": False, "classification": None})
        stale.scope = first
        # A volume of the first region that AWS no longer lists: stored as if an earlier run had seen it.
        lease = store.begin_run(instance="seed", started_at="t0")
        store.staging(lease).add(0, [stale], [])
        store.commit_run(GraphBatch("aws:123456789012", [], [], set(), set(), "success", "t0", "t0", lease=lease,
                                    units=frozenset({("aws_ebs_volume", first)})))
        second_volumes = {e["_key"] for e in store.entities(types=["aws_ebs_volume"]) if e.get("region") == second}

        def fails_in_second(item, scope):  # type: ignore[no-untyped-def]
            if scope.region == second:
                raise ValueError("broken in one region")
            return step.transform(item, scope)

        step = next(step for step in COLLECTOR_STEPS if step.id == "fetch-ebs-volumes")
        broken = Registry(steps=tuple(dataclasses.replace(s, transform=fails_in_second) if s is step else s
                                      for s in COLLECTOR_STEPS), mappers=MAPPERS)
        run = _run(store, _instance(), registry=broken)
        assert run.status == "failure"
        deleted = [c.key for c in store.changes(run.run_id) if c.change is ChangeKind.DELETED and c.type == "aws_ebs_volume"]
        assert deleted == [stale.key]  # the first region was collected: what AWS no longer lists goes
        assert second_volumes and second_volumes <= {e["_key"] for e in store.entities(types=["aws_ebs_volume"])}


def test_a_store_from_before_scopes_gets_each_record_its_region(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(BASE_SCHEMA)
    for version in range(2, 5):
        for statement in MIGRATIONS[version]:
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '4')")
    instance, bucket = "arn:aws:ec2:eu-west-1:1:instance/i-1", "arn:aws:s3:::b-1"
    # A bucket carries the region it lives in, but is listed by a global unit: its ARN says so.
    rows = [("aws_account:1", "aws_account", "{}"), (instance, "aws_instance", '{"region":"eu-west-1"}'),
            (bucket, "aws_s3_bucket", '{"region":"eu-west-1"}'), ("hr:emp-1", "hr_person", "{}")]
    db.executemany("INSERT INTO entities VALUES ('aws:1', ?, ?, '[\"X\"]', 'x', ?, 1, 1)", rows)
    db.executemany("INSERT INTO relationships VALUES ('aws:1', ?, 't', 'HAS', ?, ?, ?, ?, '{}', 1, 1)", [
        ("account-has-instance", "aws_account:1", "aws_account", instance, "aws_instance"),
        ("instance-uses-bucket", instance, "aws_instance", bucket, "aws_s3_bucket"),
        ("bucket-uses-instance", bucket, "aws_s3_bucket", instance, "aws_instance"),
    ])
    db.close()
    with SqliteStore(path) as store:
        assert dict(store.select("SELECT key, scope FROM entities")) == {
            "aws_account:1": "", instance: "eu-west-1", bucket: "", "hr:emp-1": ""}
        assert dict(store.select("SELECT key, scope FROM relationships")) == {
            "account-has-instance": "eu-west-1", "instance-uses-bucket": "eu-west-1", "bucket-uses-instance": ""}


@pytest.mark.parametrize("units", [None, frozenset({("aws_vpc", "r1")})])
def test_a_scoped_commit_replaces_only_inside_its_units(store_location: str, units: frozenset | None) -> None:
    def vpc(key: str, region: str) -> Entity:
        entity = Entity(key, "aws_vpc", ("Network",), key, {"region": region})
        entity.scope = region
        return entity

    with open_store(store_location) as store:
        store.commit_run(GraphBatch("s", [vpc("a", "r1"), vpc("b", "r2")], [], set(), set(), "success", "t", "t"))
        summary = store.commit_run(GraphBatch("s", [], [], set(), set(), "success", "t", "t", units=units))
        kept = {entity["_key"] for entity in store.entities()}
    assert kept == (set() if units is None else {"b"})
    assert summary.entities.deleted == (2 if units is None else 1)
