"""Crash safety: a run killed at any point leaves the previous complete graph, and the
next start marks it failed."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from aws_integration.graph.model import Entity
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from aws_integration.store import GraphBatch, GraphStore, SqliteStore, StoreError
from aws_integration.store.location import open_store
from aws_integration.store.locks import locks_dir
from aws_integration.store.graph_store import INTERRUPTED_ERROR, RUNNING
from tests.aws_proxy import AwsProxy
from tests.stores import leases_held
from aws_integration.store import graph_store

NOW = "2026-01-01T00:00:00+00:00"


def _vpc(key: str, cidr: str = "10.0.0.0/16") -> Entity:
    return Entity(key, "aws_vpc", ("Network",), key, {"CIDR": cidr, "public": False, "internal": True})


def _batch(store: GraphStore | None, entities: list[Entity], *, instance: str | None = None) -> GraphBatch:
    lease = store.begin_run(instance=instance, started_at=NOW) if store else None
    return GraphBatch("test:1", entities, [], set(), set(), "success", NOW, NOW, {}, instance, lease)


def test_a_leased_run_is_running_until_it_commits_into_the_same_record(store_location: str) -> None:
    with open_store(store_location) as store:
        batch = _batch(store, [_vpc("v1")], instance="prod")
        assert batch.lease is not None
        assert [(run.id, run.status) for run in store.runs()] == [(batch.lease.run_id, RUNNING)]
        assert leases_held(store_location) == 1
        with open_store(store_location) as observer:  # another process's view: still running
            assert observer.interrupted_runs == [] and observer.runs()[0].status == RUNNING
        summary = store.commit_run(batch)
        assert summary.run_id == batch.lease.run_id
        assert [(run.id, run.status, run.instance) for run in store.runs()] == [(summary.run_id, "success", "prod")]
        assert leases_held(store_location) == 0


def test_a_discarded_run_leaves_no_record(store_location: str) -> None:
    with open_store(store_location) as store:
        lease = store.begin_run(instance=None, started_at=NOW)
        store.discard_run(lease)
        assert store.runs() == []


def _commit_then_die(location: str) -> None:
    """In a child process: begin a run and get killed halfway through writing its graph."""
    store = open_store(location)
    batch = _batch(store, [_vpc("v1", "10.9.0.0/16"), _vpc("v2")])
    original = graph_store.merge_staged

    def merge_then_die(*args: Any, **kwargs: Any) -> Any:
        changes = original(*args, **kwargs)  # the entities are written, the transaction is open
        os.kill(os.getpid(), signal.SIGKILL)
        return changes

    graph_store.merge_staged = merge_then_die  # this forked child's copy of the module only
    store.commit_run(batch)


def _reopened_after_death(location: str) -> GraphStore:
    """The store opened by the next process. A PostgreSQL server notices a dead client's connection a moment
    after the kernel closed it; until then the run's lease is still held, and the run is still running."""
    deadline = time.monotonic() + 10
    while True:
        reopened = open_store(location)
        if reopened.interrupted_runs or time.monotonic() > deadline:
            return reopened
        reopened.close()
        time.sleep(0.05)


def test_a_process_killed_inside_its_commit_leaves_the_previous_graph(store_location: str) -> None:
    with open_store(store_location) as store:
        first = store.commit_run(_batch(store, [_vpc("v1")]))
    child = multiprocessing.get_context("fork").Process(target=_commit_then_die, args=(store_location,))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL

    with _reopened_after_death(store_location) as reopened:
        assert [(e["_key"], e["CIDR"]) for e in reopened.entities()] == [("v1", "10.0.0.0/16")]
        killed = reopened.runs()[0]
        assert reopened.interrupted_runs == [killed.id] and killed.id != first.run_id
        assert (killed.status, killed.error) == ("failure", INTERRUPTED_ERROR)
        assert reopened.changes(killed.id) == []
        after = reopened.commit_run(_batch(reopened, [_vpc("v2")]))  # and works normally
        assert after.entities.created == 1 and after.entities.deleted == 1


# --- the real CLI, killed with SIGKILL at random points of a run ----------------------

def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def _ingest_command(store: Path) -> list[str]:
    return [sys.executable, "-m", "aws_integration", "ingest", "--regions", ",".join(SAMPLE_REGIONS),
            "--store", str(store), "--json"]


def _graph(store: Path) -> dict[str, Any]:
    exported: dict[str, Any] = json.loads(_cli("export", "--store", str(store)).stdout)
    return exported


@pytest.mark.e2e
def test_a_run_killed_at_random_points_keeps_the_last_complete_graph(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    assert subprocess.run(_ingest_command(store), capture_output=True, timeout=300, check=False).returncode == 0
    clock = time.monotonic()  # the second run is timed: moto has warmed up
    assert subprocess.run(_ingest_command(store), capture_output=True, timeout=300, check=False).returncode == 0
    full_run = time.monotonic() - clock
    before = _graph(store)
    ec2 = boto3.client("ec2", region_name=SAMPLE_REGIONS[0], endpoint_url=endpoint)
    ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "added-after-the-first-run"}]}])

    chance = random.Random(20261123)
    outcomes = []
    for _ in range(3):
        known = {run["id"] for run in _runs(store)}
        process = subprocess.Popen(_ingest_command(store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.05, 0.9) * full_run)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        new = [run for run in _runs(store) if run["id"] not in known]  # listing the runs is the next start
        graph = _graph(store)
        if not new:  # killed before the run was recorded (the interpreter was still starting)
            outcomes.append("not started")
            assert graph == before
        elif new[0]["status"] == "success":  # killed after its commit: its graph is the last complete one
            outcomes.append("committed")
            assert _has_new_vpc(graph)
            before = graph
        else:
            outcomes.append("interrupted")
            assert (new[0]["status"], new[0]["error"]) == ("failure", INTERRUPTED_ERROR)
            assert graph == before
    assert "interrupted" in outcomes, outcomes

    finished = subprocess.run(_ingest_command(store), capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0 and json.loads(finished.stdout)["status"] == "success", finished.stderr
    assert _has_new_vpc(_graph(store))
    assert RUNNING not in {run["status"] for run in _runs(store)}


def _runs(store: Path) -> list[dict[str, Any]]:
    listed = _cli("runs", "--store", str(store), "--json")
    assert listed.returncode == 0, listed.stderr
    runs: list[dict[str, Any]] = json.loads(listed.stdout)
    return runs


def _has_new_vpc(graph: dict[str, Any]) -> bool:
    return any(entity.get("tag.Name") == "added-after-the-first-run" for entity in graph["entities"])


def test_a_commit_that_fails_records_its_run_failed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        store.commit_run(_batch(store, [_vpc("v1")]))
        batch = _batch(store, [_vpc("v2")])
        assert batch.lease is not None
        store.staging(batch.lease).add(1, [_vpc("v3")], [])  # staged while the run collected

        def disk_full(*args: Any, **kwargs: Any) -> Any:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(graph_store, "drop_orphaned", disk_full)
        with pytest.raises(StoreError, match="disk is full"):
            store.commit_run(batch)
        failed = store.runs()[0]
        assert (failed.status, failed.error) == ("failure", f"cannot write store {store.path}: database or disk is full")
        assert [entity["_key"] for entity in store.entities()] == ["v1"]
        assert store.select("SELECT COUNT(*) FROM temp.staged_entities") == [(0,)]  # the failed run's rows are gone
    assert list(locks_dir(tmp_path / "graph.sqlite").iterdir()) == []


@pytest.mark.e2e
def test_sigterm_stops_a_run_like_ctrl_c_it_is_recorded_interrupted(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    store, config = tmp_path / "graph.sqlite", tmp_path / "aws-integration.yaml"
    config.write_text(f"instances:\n  - name: sample\n    regions: [{', '.join(SAMPLE_REGIONS)}]\n", encoding="utf-8")
    with AwsProxy(endpoint, latency_seconds=0.3) as slow:
        process = subprocess.Popen(
            [sys.executable, "-m", "aws_integration", "ingest", "--config", str(config), "--instance", "sample",
             "--store", str(store), "--no-permission-check"],
            env={**os.environ, "AWS_ENDPOINT_URL": slow.url}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 60
        while slow.counts.requests < 5 and time.monotonic() < deadline:  # it is collecting
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "terminated (SIGTERM); nothing was stored" in stderr
    [run] = _runs(store)
    assert run["status"] == "interrupted" and run["instance"] == "sample"
