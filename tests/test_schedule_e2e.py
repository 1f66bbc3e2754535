"""The scheduled job through the real CLI against moto's server: runs, changes, alerts, SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from aws_integration.jobs.lock import InstanceLock
from aws_integration.sample.moto_server import MotoServer
from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, SampleAccount, seed_sample_account

pytestmark = pytest.mark.e2e
HOOK_TOKEN = "hook-t0ken-never-printed"


@pytest.fixture
def served_sample(endpoint: str) -> SampleAccount:
    """The sample account, seeded into moto's server."""
    return seed_sample_account(endpoint)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def _config(tmp_path: Path, hook_url: str | None = None, interval: str = "ONE_HOUR") -> Path:
    webhook = "\n    webhook: {url: {fromEnv: HOOK_URL}, attempts: 2, timeoutSeconds: 5}" if hook_url else ""
    config = tmp_path / "aws-integration.yaml"
    config.write_text(f"""
instances:
  - name: sample
    pollingInterval: {interval}
    regions: [{", ".join(SAMPLE_REGIONS)}]
alerts:
  - name: bucket deleted
    type: aws_s3_bucket
    change: [deleted]{webhook}
""")
    return config


def _delete_a_bucket(sample: SampleAccount, endpoint: str) -> str:
    bucket = next(name for name in sample.buckets if "assets" in name)
    boto3.client("s3", region_name=HOME_REGION, endpoint_url=endpoint).delete_bucket(Bucket=bucket)
    return bucket


def test_runs_changes_and_a_webhook_alert(
    server: MotoServer, served_sample: SampleAccount, hook: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook_url = f"http://127.0.0.1:{hook.server_address[1]}/hook?token={HOOK_TOKEN}"
    monkeypatch.setenv("HOOK_URL", hook_url)
    config, store = _config(tmp_path, hook_url), tmp_path / "graph.sqlite"
    first = _cli("ingest", "--config", str(config), "--instance", "sample", "--store", str(store))
    assert first.returncode == 0, first.stderr
    bucket = _delete_a_bucket(served_sample, server.url)
    boto3.client("ec2", region_name=HOME_REGION, endpoint_url=server.url).create_tags(
        Resources=[served_sample.web_instances[0]], Tags=[{"Key": "Environment", "Value": "staging"}])

    second = _cli("ingest", "--config", str(config), "--instance", "sample", "--store", str(store))

    assert second.returncode == 0, second.stderr
    assert f"alert bucket deleted: 1 change(s) in run 2: {bucket}" in second.stdout
    [(path, _, body)] = hook.received
    assert path == f"/hook?token={HOOK_TOKEN}"
    assert body["rule"] == "bucket deleted" and body["runId"] == 2 and body["changes"][0]["displayName"] == bucket

    runs = _cli("runs", "--instance", "sample", "--store", str(store))
    assert runs.returncode == 0, runs.stderr
    lines = runs.stdout.splitlines()
    assert lines[0].split()[:6] == ["RUN", "INSTANCE", "TARGET", "STARTED", "TOOK", "STATUS"]
    assert [line.split()[0] for line in lines[1:]] == ["2", "1"]
    listed = json.loads(_cli("runs", "--json", "--store", str(store)).stdout)
    assert [(run["id"], run["status"], run["instance"]) for run in listed] == [(2, "success", "sample"),
                                                                             (1, "success", "sample")]

    changes = _cli("changes", "2", "--store", str(store))
    assert changes.returncode == 0, changes.stderr
    assert f"- aws_s3_bucket {bucket}" in changes.stdout
    assert 'tag.Environment: "production" -> "staging"' in changes.stdout
    as_json = json.loads(_cli("changes", "2", "--json", "--store", str(store)).stdout)
    assert as_json["run"]["id"] == 2
    assert {(c["change"], c["type"]) for c in as_json["changes"]} >= {("deleted", "aws_s3_bucket"),
                                                                      ("updated", "aws_instance")}
    missing = _cli("changes", "99", "--store", str(store))
    assert missing.returncode == 2 and missing.stderr.strip().endswith("('aws-integration runs' lists them)")
    for text in (first.stdout, first.stderr, second.stdout, second.stderr, runs.stdout, changes.stdout,
                 store.read_bytes().decode("utf-8", "replace")):
        assert HOOK_TOKEN not in text


def test_an_instance_already_running_is_refused(served_sample: SampleAccount, tmp_path: Path) -> None:
    config, store = _config(tmp_path), tmp_path / "graph.sqlite"
    with InstanceLock(store, "sample"):
        result = _cli("ingest", "--config", str(config), "--instance", "sample", "--store", str(store))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"aws-integration: error: instance 'sample' is already running (lock {InstanceLock(store, 'sample').path})"
    ]


def test_schedule_needs_an_instance_with_an_interval(tmp_path: Path) -> None:
    config = _config(tmp_path, interval="DISABLED")
    result = _cli("schedule", "--config", str(config), "--store", str(tmp_path / "graph.sqlite"))
    assert result.returncode == 2 and "has a polling interval" in result.stderr


def _exported(store: Path) -> dict[str, Any]:
    result = _cli("export", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sigterm_during_a_scheduled_run_leaves_the_store_consistent(
    server: MotoServer, served_sample: SampleAccount, tmp_path: Path
) -> None:
    config, store = _config(tmp_path), tmp_path / "graph.sqlite"
    assert _cli("ingest", "--config", str(config), "--instance", "sample", "--store", str(store)).returncode == 0
    before = _exported(store)
    _delete_a_bucket(served_sample, server.url)  # a run that finished would store this change
    with sqlite3.connect(store) as db:  # the last run was two hours ago: the schedule catches up at once
        db.execute("UPDATE runs SET started_at = '2000-01-01T00:00:00+00:00'")
    db.close()

    schedule = subprocess.Popen(
        [sys.executable, "-m", "aws_integration", "schedule", "--config", str(config), "--store", str(store)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert schedule.stderr is not None
    first_line = schedule.stderr.readline()
    assert "scheduling sample (ONE_HOUR)" in first_line
    time.sleep(0.3)  # the run has started: it is due at once
    schedule.send_signal(signal.SIGTERM)
    _, rest = schedule.communicate(timeout=60)

    assert schedule.returncode == 0, rest
    assert "Traceback" not in rest
    run_lines = [json.loads(line) for line in rest.splitlines() if line.startswith('{"event": "run"')]
    assert [(line["instance"], line["status"]) for line in run_lines] == [("sample", "interrupted")]
    assert "stopping: 1 run(s) in flight interrupted" in rest
    assert _exported(store) == before
    newest = json.loads(_cli("runs", "--json", "--store", str(store)).stdout)[0]
    assert newest["status"] == "interrupted" and newest["error"].startswith("stopped before it finished")
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM changes WHERE run_id = ?", (newest["id"],)).fetchone() == (0,)
    db.close()
