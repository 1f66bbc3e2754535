"""Many accounts: an Organization's member accounts ingested by one job, against its CPU spread over the cores.

1. Starts moto's server on 127.0.0.1 and seeds an Organization: the management account
   and ``--members`` member accounts, each with a small account's resources
   (``MEMBER_PROFILE``) in two regions, through a role assumed into it.
2. Runs ``aws-integration ingest --config F --instance org`` once through the proxy of
   ``tests/aws_proxy.py``, recording moto's answers (keyed on the signing key too: each
   member account signs with the credentials its role gave). The assumed roles'
   expiry times are moved into the future, so a kept recording stays usable.
3. Replays that recording with a fixed added latency and measures the same command,
   on every core with the default 4 accounts in flight and with 8, and in one process: wall time, CPU time of the whole process tree,
   accounts per minute, the most accounts in flight at once (from the accounts' own
   start and end times), and wall time over the tree's CPU spread over the cores
   (target at most 1.2x: the cores are kept busy from the first account to the last).

    python -m bench.organization_speed [--members 20] [--latency-ms 50] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from aws_integration.integrations.aws.config import AwsInstance
from aws_integration.sample.moto_server import MotoServer
from bench import write_figures
from bench.ingest_speed import CREDENTIALS, _run
from bench.large_account import Profile, seed_profile
from tests.aws_proxy import Answer, AwsProxy, RecordingKey

ORG_REGIONS = ("us-east-1", "eu-west-1")
MEMBER_PROFILE = Profile(instances=100, security_groups=20, subnets=4, buckets=10, roles=10, users=10)
MANAGEMENT = "123456789012"  # moto's default account
ROLE_NAME = "aws-integration-inventory"
EXTERNAL_ID = "bench-external-id"
ORGANIZATION_CONCURRENCY = AwsInstance.model_fields["organization_concurrency"].default  # the configuration's default
PASSES = (  # name, organizationConcurrency, processes (None: the default, one per core)
    ("all cores", ORGANIZATION_CONCURRENCY, None),
    ("all cores, 4", 4, None),
    ("1 process", ORGANIZATION_CONCURRENCY, 1),
)
WALL_OVER_CPU_TARGET = 1.2
_EXPIRATION = re.compile(rb"<Expiration>[^<]+</Expiration>")


def seed_organization(members: int) -> list[str]:
    """The Organization with ``members`` member accounts, each seeded through an assumed role; their IDs."""
    organizations = boto3.client("organizations", region_name=ORG_REGIONS[0])
    organizations.create_organization(FeatureSet="ALL")
    ids = [organizations.create_account(AccountName=f"member-{index:02d}", Email=f"member-{index:02d}@example.com")
           ["CreateAccountStatus"]["AccountId"] for index in range(members)]
    seed_profile(MEMBER_PROFILE, ORG_REGIONS)
    sts = boto3.client("sts", region_name=ORG_REGIONS[0])
    for account_id in ids:  # moto acts in the account whose role the credentials come from
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/seeder",
                                      RoleSessionName="seed")["Credentials"]
        seed_profile(MEMBER_PROFILE, ORG_REGIONS, boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"]), buckets_named=f"bench-{account_id}")
    return ids


def _config(directory: Path, accounts_in_flight: int = ORGANIZATION_CONCURRENCY) -> Path:
    path = directory / f"organization-{accounts_in_flight}.yaml"
    path.write_text(json.dumps({"instances": [{
        "name": "org", "roleArn": f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}", "externalId": EXTERNAL_ID,
        "organization": True, "organizationConcurrency": accounts_in_flight, "regions": list(ORG_REGIONS),
    }]}), encoding="utf-8")  # JSON is YAML
    return path


def ingest_organization(endpoint: str, store: Path, config: Path, processes: int | None = None) -> dict[str, Any]:
    """One run of the Organization's instance: wall and CPU seconds, peak RSS, and the report."""
    seconds, rss, stdout, _, cpu = _run(
        [sys.executable, "-m", "aws_integration", "ingest", "--config", str(config), "--instance", "org",
         "--store", str(store), "--json", "--no-permission-check",
         *(("--processes", str(processes)) if processes else ())],
        {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint},
    )
    return {"seconds": seconds, "cpuSeconds": cpu, "peakRssMb": rss, "report": json.loads(stdout)}


def _unexpiring(recording: dict[RecordingKey, Answer]) -> dict[RecordingKey, Answer]:
    """The recording with every assumed role's credentials valid for decades (replays may come later)."""
    return {key: Answer(answer.status, _EXPIRATION.sub(b"<Expiration>2099-01-01T00:00:00Z</Expiration>", answer.body),
                        answer.headers) if b"<AssumeRoleResult>" in answer.body else answer
            for key, answer in recording.items()}


def recorded_organization(members: int, cache: Path | None) -> tuple[dict[str, Any], dict[RecordingKey, Answer]]:
    """Seed and record the Organization, or load the recording ``cache`` made earlier for the same shape."""
    shape = {"members": members, "profile": MEMBER_PROFILE.__dict__, "regions": list(ORG_REGIONS)}
    if cache is not None and cache.exists():
        saved = pickle.loads(cache.read_bytes())
        if saved["shape"] == shape:
            return saved["figures"], saved["recording"]
    figures: dict[str, Any] = {"shape": shape}
    recording: dict[RecordingKey, Answer] = {}
    with tempfile.TemporaryDirectory() as directory, MotoServer({**os.environ, **CREDENTIALS}) as server:
        os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": server.url})
        started = time.perf_counter()
        seed_organization(members)
        figures["seedSeconds"] = round(time.perf_counter() - started, 1)
        with AwsProxy(server.url, mode="record", recording=recording) as proxy:
            run = ingest_organization(proxy.url, Path(directory) / "record.sqlite", _config(Path(directory)))
        if run["report"]["status"] == "failure":
            raise RuntimeError(f"the recording run failed: {json.dumps(run['report'])[:2000]}")
    recording = _unexpiring(recording)
    figures["recordedAnswers"] = len(recording)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({"shape": shape, "figures": figures, "recording": recording}))
    return figures, recording


def peak_in_flight(accounts: list[dict[str, Any]]) -> int:
    """The most accounts whose runs overlapped at one moment, from their start and end times."""
    events = sorted([(datetime.fromisoformat(account["startedAt"]), 1) for account in accounts]
                    + [(datetime.fromisoformat(account["finishedAt"]), -1) for account in accounts])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def _figures(run: dict[str, Any], cores: int) -> dict[str, Any]:
    accounts = run["report"]["accounts"]
    failed = [account.get("targetId") for account in accounts if account["status"] == "failure"]
    return {
        "seconds": round(run["seconds"], 2), "cpuSeconds": round(run["cpuSeconds"], 2),
        "peakRssMb": round(run["peakRssMb"]), "accounts": len(accounts), "failedAccounts": failed,
        "accountsPerMinute": round(len(accounts) * 60 / run["seconds"], 1),
        "apiCalls": sum(account.get("apiCalls", 0) for account in accounts),
        "peakInFlight": peak_in_flight(accounts),
        "wallOverCpuPerCore": round(run["seconds"] / (run["cpuSeconds"] / cores), 2),
    }


def organization_arguments(description: str) -> argparse.Namespace:
    """The command line of the benches over the Organization (this one and ``bench.workers_speed``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--recordings", type=Path, default=Path("bench/results/recordings"))
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; print the table, write JSON when asked."""
    args = organization_arguments(__doc__.splitlines()[0])
    cores = os.cpu_count() or 1
    recorded, recording = recorded_organization(args.members, args.recordings / f"organization-{args.members}.pickle")
    figures: dict[str, Any] = {**recorded, "latencyMs": args.latency_ms, "cores": cores}
    with tempfile.TemporaryDirectory() as directory, AwsProxy(
            "http://127.0.0.1:9", mode="replay", recording=recording, latency_seconds=args.latency_ms / 1000) as proxy:
        scratch = Path(directory)
        for name, accounts_in_flight, processes in PASSES:
            figures[name] = _figures(ingest_organization(proxy.url, scratch / f"{len(figures)}.sqlite",
                                                         _config(scratch, accounts_in_flight), processes), cores)
        figures["notRecorded"] = proxy.counts.not_recorded
    if figures["notRecorded"]:
        raise RuntimeError(f"{figures['notRecorded']} requests were not in the recording: the passes differ")
    print(f"Organization: {args.members} members and the management account, {MEMBER_PROFILE.instances} instances "
          f"each over {len(ORG_REGIONS)} regions, {recorded['recordedAnswers']:,} recorded answers replayed at "
          f"{args.latency_ms:.0f} ms, {cores} cores")
    print(f"  {'':<12} {'wall s':>7} {'CPU s':>7} {'API calls':>10} {'accounts/min':>13} {'in flight':>10} "
          f"{'peak RSS MB':>12} {'wall/(CPU/cores)':>17}")
    for name, _, _ in PASSES:
        row = figures[name]
        print(f"  {name:<12} {row['seconds']:>7.2f} {row['cpuSeconds']:>7.2f} {row['apiCalls']:>10,} "
              f"{row['accountsPerMinute']:>13.1f} {row['peakInFlight']:>10} {row['peakRssMb']:>12} "
              f"{row['wallOverCpuPerCore']:>17.2f}" + (f"   failed: {row['failedAccounts']}" if row["failedAccounts"] else ""))
    print(f"  target: wall at most {WALL_OVER_CPU_TARGET}x the CPU of all accounts over {cores} cores; "
          f"accounts in flight: organizationConcurrency ({ORGANIZATION_CONCURRENCY} by default, 4 on the second row)")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
