"""No secret leaks: known fake secrets go through every command, and none comes out.

Access key ID, secret key and session token (the environment), the external ID (the
configuration, from the environment) and a webhook URL's token go through ingest,
schedule, permissions, setup, a failing run and the history commands, all with debug
logging. None of them may appear in any output, in the log file, in the store file or
in any run report, and the store is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, seed_sample_account
from tests.aws_proxy import AwsProxy

pytestmark = pytest.mark.e2e

SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEKEYNEVERSHOWN",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-key-never-shown-0123456789",
    "AWS_SESSION_TOKEN": "fake-session-token-never-shown-abcdef",
    "EXTERNAL_ID": "fake-external-id-never-shown-42",
}
HOOK_TOKEN = "fake-hook-token-never-shown"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": SECRETS["EXTERNAL_ID"]}}}]})


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "aws-integration.yaml"
    config.write_text(f"""
instances:
  - name: prod
    pollingInterval: ONE_HOUR
    regions: [{", ".join(SAMPLE_REGIONS)}]
    roleArn: arn:aws:iam::123456789012:role/Inventory
    externalId: {{fromEnv: EXTERNAL_ID}}
alerts:
  - name: bucket deleted
    type: aws_s3_bucket
    change: [deleted]
    webhook: {{url: {{fromEnv: HOOK_URL}}, attempts: 1, timeoutSeconds: 5}}
""")
    return config


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", "-vv", *args], env=env, capture_output=True,
                          text=True, timeout=180, check=False)


def _schedule_until_first_run(config: Path, store: Path, log: Path, env: dict[str, str]) -> None:
    with log.open("w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "aws_integration", "-vv", "schedule", "--config",
                                    str(config), "--store", str(store)], env=env, stdout=log_file, stderr=log_file)
        deadline = time.monotonic() + 120
        while '"event": "run"' not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()


def test_no_secret_reaches_output_logs_store_or_reports(endpoint: str, hook: Any, tmp_path: Path) -> None:
    sample = seed_sample_account(endpoint)
    boto3.client("iam", region_name=HOME_REGION, endpoint_url=endpoint).create_role(
        RoleName="Inventory", AssumeRolePolicyDocument=TRUST)
    env = {**os.environ, **SECRETS,
           "HOOK_URL": f"http://127.0.0.1:{hook.server_address[1]}/hooks?token={HOOK_TOKEN}"}
    config, store, log = _config(tmp_path), tmp_path / "graph.sqlite", tmp_path / "schedule.log"
    outputs: list[str] = []

    _schedule_until_first_run(config, store, log, env)  # the first run, by the scheduler
    bucket = next(name for name in sample.buckets if "assets" in name)
    boto3.client("s3", region_name=HOME_REGION, endpoint_url=endpoint).delete_bucket(Bucket=bucket)
    alerted = _cli("ingest", "--config", str(config), "--instance", "prod", "--store", str(store), "--json", env=env)
    assert alerted.returncode == 0, alerted.stderr
    assert len(hook.received) == 1 and HOOK_TOKEN in hook.received[0][0]  # the token did reach its receiver
    with AwsProxy(endpoint, failing_services={"sts": "expired"}) as expired:
        failed = _cli("ingest", "--config", str(config), "--instance", "prod", "--store", str(store),
                      env={**env, "AWS_ENDPOINT_URL": expired.url})
    assert failed.returncode == 2 and "ExpiredToken" in failed.stderr
    outputs += [alerted.stdout, alerted.stderr, failed.stdout, failed.stderr]
    for command in (
        ("permissions", "--role-arn", "arn:aws:iam::123456789012:role/Inventory"),
        ("setup", "--format", "cloudformation", "--as-parameters"),
        ("setup", "--format", "terraform", "--trusted-principal", "arn:aws:iam::210987654321:root"),
        ("config", "--config", str(config)),
        ("runs", "--store", str(store), "--json"),
        ("changes", "2", "--store", str(store), "--json"),
        ("export", "--store", str(store)),
    ):
        result = _cli(*command, env=env)
        assert result.returncode in (0, 3), (command, result.stderr)
        outputs += [result.stdout, result.stderr]

    runs = _cli("runs", "--store", str(store), "--json", env=env).stdout
    assert '"status": "failure"' in runs and '"status": "success"' in runs  # the history holds both
    written = [log.read_text(), store.read_bytes().decode("utf-8", "replace")]
    written += [path.read_text() for path in store.parent.glob(f"{store.name}.locks/*")]
    for text in outputs + written:
        for secret in [*SECRETS.values(), HOOK_TOKEN]:
            assert secret not in text
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
