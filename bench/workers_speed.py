"""Past one machine: an Organization's accounts per minute with 1 and 2 workers, against one process.

1. Starts moto's server and seeds the Organization of ``bench.organization_speed`` (the
   management account and ``--members`` members, each a small account in two regions).
2. Records moto's answers once for both paths through the proxy of ``tests/aws_proxy.py``:
   ``ingest --instance org`` in one process, and the workers' tasks (the management
   account lists the members, each member's task reads its account and collects it).
3. Starts PostgreSQL and Redis on 127.0.0.1 (Debian's packages, as the tests do) and
   replays the recording with a fixed latency for each pass, into a new database:
   - the baseline: ``ingest --instance org`` in one process (every core, the default
     accounts in flight);
   - 1 worker, then 2 workers (``aws-integration worker``, one collecting process
     each), fed by one task enqueued on the broker, timed from the enqueue to the
     last account stored.

    python -m bench.workers_speed [--members 20] [--latency-ms 50] [--json PATH]
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aws_integration.jobs.workers import celery_app, enqueue
from aws_integration.sample.moto_server import MotoServer
from bench import write_figures
from bench.ingest_speed import CREDENTIALS
from bench.organization_speed import (
    MEMBER_PROFILE, ORG_REGIONS, _config, _unexpiring, organization_arguments, seed_organization)
from tests.aws_proxy import Answer, AwsProxy, RecordingKey
from tests.servers import PostgresServer, ServerMissing, postgres_server, redis_server

WORKER_COUNTS = (1, 2)
READY_SECONDS = 60
RUN_SECONDS = 900


def _environment(endpoint: str) -> dict[str, str]:
    return {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}


def _ingest(endpoint: str, config: Path, store: str) -> float:
    """The baseline: one ``ingest`` of the Organization in one process; its wall seconds."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "aws_integration", "ingest", "--config", str(config), "--instance",
                             "org", "--store", store, "--json", "--no-permission-check"],
                            env=_environment(endpoint), capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"the single-process run failed: {result.stderr[-2000:]}")
    return time.perf_counter() - started


def _stored_accounts(store: str) -> int:
    import psycopg

    with psycopg.connect(store) as db:
        return int(db.execute("SELECT COUNT(DISTINCT target_id) FROM runs WHERE status <> 'running'").fetchone()[0])


def _workers_pass(endpoint: str, config: Path, store: str, broker: str, workers: int, accounts: int,
                  logs: Path) -> float:
    """``workers`` workers on the broker, fed one task for the Organization; seconds from it to the last account."""
    command = [sys.executable, "-m", "aws_integration", "worker", "--broker", broker, "--config", str(config),
               "--store", store, "--processes", "1", "--no-permission-check", "-v"]
    started_workers = []
    for index in range(workers):
        log = logs / f"worker-{workers}-{index}.log"
        with open(log, "wb") as output:
            started_workers.append((subprocess.Popen(command, env=_environment(endpoint), stdout=output,
                                                     stderr=subprocess.STDOUT), log))
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not all(b" ready." in log.read_bytes() for _, log in started_workers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not start: {started_workers[0][1].read_text()[-2000:]}")
            time.sleep(0.1)
        started = time.perf_counter()
        enqueue(celery_app(broker), "org")
        deadline = time.monotonic() + RUN_SECONDS
        while _stored_accounts(store) < accounts:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{workers} worker(s) did not store every account in {RUN_SECONDS} s")
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for process, _ in started_workers:
            process.send_signal(signal.SIGTERM)
        for process, _ in started_workers:
            process.wait(timeout=60)


def _record(members: int, cache: Path) -> dict[RecordingKey, Answer]:
    """moto's answers to both paths, recorded once (kept in ``cache`` for the same shape)."""
    shape = {"members": members, "profile": MEMBER_PROFILE.__dict__, "regions": list(ORG_REGIONS), "paths": 2}
    if cache.exists():
        saved = pickle.loads(cache.read_bytes())
        if saved["shape"] == shape:
            return saved["recording"]  # type: ignore[no-any-return]
    recording: dict[RecordingKey, Answer] = {}
    with tempfile.TemporaryDirectory() as directory, MotoServer({**os.environ, **CREDENTIALS}) as server, \
            postgres_server() as postgres, redis_server() as redis:
        os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": server.url})
        seed_organization(members)
        scratch = Path(directory)
        with AwsProxy(server.url, mode="record", recording=recording) as proxy:
            _ingest(proxy.url, _config(scratch), str(scratch / "record.sqlite"))
            _workers_pass(proxy.url, _config(scratch), postgres.database(), redis.url, 1, members + 1, scratch)
    recording = _unexpiring(recording)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps({"shape": shape, "recording": recording}))
    return recording


def run(members: int, latency_ms: float, recordings: Path) -> dict[str, Any]:
    """The three passes on one replay; accounts per minute of each."""
    recording = _record(members, recordings / f"workers-{members}.pickle")
    accounts = members + 1
    figures: dict[str, Any] = {"members": members, "accounts": accounts, "latencyMs": latency_ms,
                               "cores": os.cpu_count() or 1}
    with tempfile.TemporaryDirectory() as directory, postgres_server() as postgres, redis_server() as redis, \
            AwsProxy("http://127.0.0.1:9", mode="replay", recording=recording,
                     latency_seconds=latency_ms / 1000) as proxy:
        scratch, config = Path(directory), _config(Path(directory))
        passes = {"one process": _ingest(proxy.url, config, postgres.database())}
        for count in WORKER_COUNTS:
            passes[f"{count} worker{'s' if count > 1 else ''}"] = _workers_pass(
                proxy.url, config, postgres.database(), redis.url, count, accounts, scratch)
        figures["notRecorded"] = proxy.counts.not_recorded
    figures["passes"] = {name: {"seconds": round(seconds, 2), "accountsPerMinute": round(accounts * 60 / seconds, 1)}
                         for name, seconds in passes.items()}
    one, two = passes["1 worker"], passes["2 workers"]
    figures["twoWorkersOverOne"] = round(one / two, 2)
    return figures


def main() -> int:
    """Print the table (and write JSON when asked)."""
    args = organization_arguments(__doc__.splitlines()[0])
    try:
        figures = run(args.members, args.latency_ms, args.recordings)
    except ServerMissing as missing:
        print(f"Workers: not measured: {missing}")
        return 1
    if figures["notRecorded"]:
        raise RuntimeError(f"{figures['notRecorded']} requests were not in the recording: the passes differ")
    print(f"Workers: an Organization of {figures['accounts']} accounts, answers replayed at {args.latency_ms:.0f} ms, "
          f"{figures['cores']} cores, PostgreSQL store")
    baseline = figures["passes"]["one process"]["seconds"]
    for name, row in figures["passes"].items():
        print(f"  {name:<12} {row['seconds']:>8.2f} s  {row['accountsPerMinute']:>7.1f} accounts/min  "
              f"{baseline / row['seconds']:>5.2f}x one process")
    print(f"  2 workers over 1: {figures['twoWorkersOverOne']:.2f}x")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
