"""Workers on Celery with a real Redis and PostgreSQL: an Organization's accounts shared by two workers, one of
them killed mid-run, and the final graph the same as one process's run into SQLite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from aws_integration.store.graph_store import INTERRUPTED_ERROR
from aws_integration.store.postgres import lease_key
from tests.moto_quirks import steady_export
from tests.servers import PostgresServer, RedisServer

pytestmark = pytest.mark.e2e
REGION = "us-east-1"
MANAGEMENT = "123456789012"
MEMBERS = 10
SHARED_KEYS = ("aws_account:", "arn:aws:organizations::")  # records several accounts' runs describe


def _seed_organization(count: int) -> list[str]:
    """An Organization of ``count`` member accounts, each with a bucket and a queue of its own."""
    organizations = boto3.client("organizations", region_name=REGION)
    organizations.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts", region_name=REGION)
    members = []
    for index in range(count):
        name = f"member-{index:02d}"
        account_id = organizations.create_account(AccountName=name, Email=f"{name}@example.com")[
            "CreateAccountStatus"]["AccountId"]
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/seeder",
                                      RoleSessionName="seed")["Credentials"]
        member = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                               aws_secret_access_key=credentials["SecretAccessKey"],
                               aws_session_token=credentials["SessionToken"], region_name=REGION)
        member.client("s3").create_bucket(Bucket=f"{name}-only")
        for queue in range(3):
            member.client("sqs").create_queue(QueueName=f"{name}-queue-{queue}")
        members.append(account_id)
    return members


def _config(folder: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(json.dumps({"instances": [{
        "name": "org", "roleArn": f"arn:aws:iam::{MANAGEMENT}:role/inventory", "externalId": "org-external-id",
        "organization": True, "regions": [REGION], "pollingInterval": "ONE_DAY",
    }]}), encoding="utf-8")
    return path


def _order_independent(exported: dict[str, Any]) -> dict[str, Any]:
    """What of an Organization's graph does not depend on the order its accounts were committed in.

    Two things do, by the store's rules, in one process as across workers: a member's account entity, and
    the organization itself, are described by several accounts' runs (the member's own, the management
    account's listing), and the copy committed first is kept; and the organization's edges to a member's
    account entity are stored only when that entity is already there (the next run of the management
    account adds the rest). Of those records, only the keys are compared.
    """
    def organization_edge(edge: dict[str, Any]) -> bool:
        ends = (edge["_fromEntityKey"], edge["_toEntityKey"])
        return any(end.startswith("aws_account:") for end in ends) and any(
            end.startswith("arn:aws:organizations::") for end in ends)

    steady = steady_export(exported)
    return {
        "entities": [{"_key": entity["_key"]} if entity["_key"].startswith(SHARED_KEYS) else entity
                     for entity in steady["entities"]],
        "relationships": [edge for edge in steady["relationships"] if not organization_edge(edge)],
    }


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def _start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:
        return subprocess.Popen([sys.executable, "-m", "aws_integration", *args], stdout=output,
                                stderr=subprocess.STDOUT)


def _runs(store: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(store) as db:
        return db.execute("SELECT id, target_id, status, error FROM runs ORDER BY id").fetchall()


def _runs_under_way(store: str) -> dict[int, int]:
    """Each run under way, by ID, with the PID of the process whose store connection holds its lease."""
    under_way: dict[int, int] = {}
    with psycopg.connect(store) as db:
        if db.execute("SELECT to_regclass('runs')").fetchone()[0] is None:
            return under_way  # no worker has opened the store yet
        for run_id, token in db.execute("SELECT id, lease FROM runs WHERE status = 'running'").fetchall():
            key = lease_key(token)  # pg_locks shows its two halves
            holder = db.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid = %s AND l.objid = %s",
                ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()
            if holder and holder[0].startswith("aws-integration "):
                under_way[run_id] = int(holder[0].split()[-1])
    return under_way


def _status(store: str, run_id: int) -> str:
    with psycopg.connect(store) as db:
        return str(db.execute("SELECT status FROM runs WHERE id = %s", (run_id,)).fetchone()[0])


def _kill_mid_run(store: str, workers: list[subprocess.Popen[bytes]]) -> int:
    """SIGKILL a worker in the middle of a run; the run's ID. The worker is stopped (SIGSTOP) first, so the
    run seen under way cannot finish between the look and the kill."""
    pids = {worker.pid: worker for worker in workers}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for run_id, pid in _runs_under_way(store).items():
            if pid in pids:
                os.kill(pid, signal.SIGSTOP)
                if _status(store, run_id) == "running":
                    os.kill(pid, signal.SIGKILL)
                    pids[pid].wait()
                    return run_id
                os.kill(pid, signal.SIGCONT)
        time.sleep(0.1)
    raise AssertionError("no worker was seen in the middle of a run")


def _wait(condition: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_one_killed_mid_run_store_what_one_process_stores(
    endpoint: str, tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    members = _seed_organization(MEMBERS)
    accounts = {MANAGEMENT, *members}
    config, store = _config(tmp_path), postgres.database()
    common = ["--config", str(config), "--store", store]
    worker_args = ["worker", "--broker", redis.url, *common, "--redeliver-after", "4", "--processes", "1",
                   "--no-permission-check", "-v"]
    workers = [_start(*worker_args, log=tmp_path / f"worker-{index}.log") for index in range(2)]
    scheduler = _start("schedule", "--broker", redis.url, *common, "--no-permission-check", "-v",
                       log=tmp_path / "schedule.log")
    try:
        killed = _kill_mid_run(store, workers)
        finished = lambda: {row[1] for row in _runs(store) if row[2] == "success"} >= accounts  # noqa: E731
        _wait(finished, 240, "every account to be stored by the worker left")
    finally:
        for process in (scheduler, *workers):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (scheduler, *workers):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    # The next process to open the store records the killed run interrupted (``runs`` opens it).
    assert _cli("runs", "--store", store).returncode == 0
    runs = _runs(store)
    interrupted = [row for row in runs if row[3] == INTERRUPTED_ERROR]
    assert [row[0] for row in interrupted] == [killed] and interrupted[0][1] in accounts, str(runs)
    successes = [row[1] for row in runs if row[2] == "success"]
    assert sorted(successes) == sorted(accounts), runs  # each account stored once: no duplicate run
    assert "Traceback" not in (tmp_path / "schedule.log").read_text()

    single = tmp_path / "single.sqlite"
    alone = _cli("ingest", "--instance", "org", "--config", str(config), "--store", str(single), "--json",
                 "--no-permission-check")
    assert alone.returncode == 0, alone.stderr
    distributed = json.loads(_cli("export", "--store", store).stdout)
    expected = json.loads(_cli("export", "--store", str(single)).stdout)
    assert {entity["_key"] for entity in distributed["entities"]} >= {f"arn:aws:s3:::member-{i:02d}-only"
                                                                       for i in range(MEMBERS)}
    assert _order_independent(distributed) == _order_independent(expected)


@pytest.mark.parametrize("command", ["worker", "schedule"])
@pytest.mark.parametrize("broker, said", [
    ("redis://:pa55-W0RD@127.0.0.1:{port}/0", "cannot reach the broker redis://127.0.0.1:{port}/0: "),
    ("amqp://guest@127.0.0.1/", "--broker amqp://127.0.0.1/: give a Redis URL"),
])
def test_a_broker_that_cannot_be_used_is_one_line_and_touches_nothing(
    tmp_path: Path, command: str, broker: str, said: str
) -> None:
    from tests.servers import free_port

    port = free_port()
    config, store = _config(tmp_path), tmp_path / "graph.sqlite"
    result = _cli(command, "--broker", broker.format(port=port), "--config", str(config), "--store", str(store))
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"aws-integration: error: {said.format(port=port)}"), result.stderr
    assert "pa55-W0RD" not in result.stderr and not store.exists()
