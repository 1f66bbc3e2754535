"""The real CLI on a PostgreSQL store: the same runs give the same graph, history and change sets as SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.moto_quirks import steady, steady_export
from tests.servers import PostgresServer

pytestmark = pytest.mark.e2e


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300, check=False)


def _ingest(store: str) -> dict[str, Any]:
    result = _cli("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", store, "--json")
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _comparable_runs(store: str) -> list[dict[str, Any]]:
    """The run history without what differs between two runs of the same thing (times, durations)."""
    runs = json.loads(_cli("runs", "--store", store, "--json").stdout)
    return [{name: value for name, value in run.items() if name not in ("startedAt", "finishedAt", "seconds")}
            for run in runs]


def test_the_same_runs_store_the_same_graph_in_sqlite_and_postgresql(
    endpoint: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    seed_sample_account(endpoint)
    stores = {"sqlite": str(tmp_path / "graph.sqlite"), "postgresql": postgres.database()}
    reports = {backend: [_ingest(store), _ingest(store)] for backend, store in stores.items()}
    for backend in stores:
        first, second = reports[backend]
        assert first["status"] == second["status"] == "success", backend
        assert first["store"]["baseline"] and not second["store"]["baseline"]
    assert reports["postgresql"][0]["store"] == reports["sqlite"][0]["store"]

    exports = {backend: json.loads(_cli("export", "--store", store).stdout) for backend, store in stores.items()}
    assert exports["postgresql"]["entities"] and exports["postgresql"]["relationships"]
    assert steady_export(exports["postgresql"]) == steady_export(exports["sqlite"])
    assert _comparable_runs(stores["postgresql"]) == _comparable_runs(stores["sqlite"])
    changes = {backend: [{**change, "record": steady(change["record"])}
                         for change in json.loads(_cli("changes", "1", "--store", store, "--json").stdout)["changes"]]
               for backend, store in stores.items()}
    assert changes["postgresql"] == changes["sqlite"] and len(changes["sqlite"]) > 100

    # The query language answers the same: every saved security question, and a query of each kind.
    answers = {backend: _cli("questions", "--run", "--store", store, "--format", "json").stdout
               for backend, store in stores.items()}
    assert json.loads(answers["postgresql"]) == json.loads(answers["sqlite"])
    tree = {backend: json.loads(_cli("query", "FIND aws_instance WITH tag.Environment = 'staging' THAT RELATES TO * "
                                          "RETURN TREE", "--store", store, "--format", "json").stdout)
            for backend, store in stores.items()}
    assert tree["sqlite"]["entities"] and steady_export(tree["postgresql"]) == steady_export(tree["sqlite"])
    counts = {backend: _cli("query", "FIND aws_subnet AS s THAT RELATES TO aws_instance AS i RETURN s.CIDR, COUNT(i) "
                                     "ORDER BY s.CIDR", "--store", store, "--format", "csv").stdout
              for backend, store in stores.items()}
    assert counts["postgresql"] == counts["sqlite"] and len(counts["sqlite"].splitlines()) > 2

    # The environment names the store as well as --store does.
    shown = _cli("runs", env={"AWS_INTEGRATION_STORE": stores["postgresql"]})
    assert shown.returncode == 0 and shown.stdout == _cli("runs", "--store", stores["postgresql"]).stdout


def test_an_instance_runs_once_at_a_time_across_processes_sharing_a_postgresql_store(
    endpoint: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    from aws_integration.jobs.lock import PostgresInstanceLock

    seed_sample_account(endpoint)
    store = postgres.database()
    config = tmp_path / "config.yaml"
    config.write_text(f"instances:\n  - name: sample\n    regions: [{', '.join(SAMPLE_REGIONS)}]\n")
    with PostgresInstanceLock(store, "sample"):  # another worker's run of the instance
        busy = _cli("ingest", "--instance", "sample", "--config", str(config), "--store", store)
    assert busy.returncode == 2 and busy.stderr.strip() == (
        "aws-integration: error: instance 'sample' is already running (another process holds its lock)")
    done = _cli("ingest", "--instance", "sample", "--config", str(config), "--store", store, "--json")
    assert done.returncode == 0, done.stderr
    assert [run["status"] for run in json.loads(_cli("runs", "--store", store, "--json").stdout)] == ["success"]


def test_a_postgresql_store_that_cannot_be_reached_is_one_line_with_no_password(tmp_path: Path) -> None:
    from tests.servers import free_port

    url = f"postgresql://scanner:pa55-W0RD-never-printed@127.0.0.1:{free_port()}/graph"
    for command in (["runs"], ["export"], ["import", str(tmp_path / "missing.json")]):
        result = _cli(*command, "--store", url)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "pa55-W0RD" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
