"""The real CLI, as a subprocess, against moto's server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_integration.sample.moto_server import MotoServer, free_port
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account

pytestmark = pytest.mark.e2e
SECRET = "s3cr3t-SECRET-value-never-printed"
TOKEN = "t0ken-TOKEN-value-never-printed"


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    with MotoServer() as running:
        yield running


@pytest.fixture
def endpoint(server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    return server.url


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aws_integration", *args],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120, check=False,
    )


def _assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aws-integration: error: ") and expected in lines[0], result.stderr


def test_ingest_then_export(endpoint: str, tmp_path: Path) -> None:
    sample = seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    result = _cli("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(store), "--json",
                  "--account-name", "e2e", "--tag-with-account-name")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "success" and report["skippedTypes"] == []
    assert report["entityCounts"]["aws_instance"] == 4 and report["entityCounts"]["aws_s3_bucket"] == 3
    assert report["store"]["entities"]["created"] == sum(report["entityCounts"].values())

    exported = json.loads(_cli("export", "--store", str(store)).stdout)
    staging = [e for e in exported["entities"] if e["_type"] == "aws_instance" and e.get("tag.Environment") == "staging"]
    assert [e["instanceId"] for e in staging] == [sample.eu_instance]
    assert staging[0]["tag.AccountName"] == "e2e"
    keys = {e["_key"] for e in exported["entities"]}
    assert all(r["_fromEntityKey"] in keys and r["_toEntityKey"] in keys for r in exported["relationships"])

    again = _cli("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(store),
                 "--account-name", "e2e", "--tag-with-account-name")
    assert again.returncode == 0, again.stderr
    assert "Status: success" in again.stdout and "entities 0 new, 0 changed, 0 deleted" in again.stdout


def test_secrets_never_reach_output_or_store(endpoint: str, tmp_path: Path) -> None:
    store = tmp_path / "graph.sqlite"
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    result = _cli("-vv", "ingest", "--regions", "us-east-1", "--store", str(store), env=env)
    assert result.returncode == 0, result.stderr
    assert "fetch-vpcs: success" in result.stderr  # progress is logged with -vv
    for text in (result.stdout, result.stderr, store.read_bytes().decode("utf-8", "replace")):
        assert SECRET not in text and TOKEN not in text


def test_missing_credentials(endpoint: str, tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    result = subprocess.run(
        [sys.executable, "-m", "aws_integration", "ingest", "--store", str(tmp_path / "s.sqlite")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    _assert_one_line_error(result, "no usable AWS credentials")


def test_unknown_region(endpoint: str, tmp_path: Path) -> None:
    result = _cli("ingest", "--regions", "us-east-1,xx-fake-1", "--store", str(tmp_path / "s.sqlite"))
    _assert_one_line_error(result, "unknown or disabled region(s): xx-fake-1")


def test_unreachable_endpoint(tmp_path: Path) -> None:
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    result = _cli("ingest", "--store", str(tmp_path / "s.sqlite"), env=env)
    _assert_one_line_error(result, "cannot reach the AWS endpoint")


def test_unwritable_store(endpoint: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = _cli("ingest", "--store", str(blocker / "graph.sqlite"))
    _assert_one_line_error(result, "cannot open store")


def test_export_without_a_store(tmp_path: Path) -> None:
    _assert_one_line_error(_cli("export", "--store", str(tmp_path / "none.sqlite")), "run 'aws-integration ingest' first")


def test_unknown_profile(endpoint: str, tmp_path: Path) -> None:
    result = _cli("ingest", "--profile", "no-such-profile", "--store", str(tmp_path / "s.sqlite"))
    _assert_one_line_error(result, "no-such-profile")


def test_denied_action_is_reported_and_earlier_data_kept(endpoint: str, tmp_path: Path) -> None:
    import urllib.request

    import boto3

    from tests.test_permission_enforced import _every_declared_action_but

    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    assert _cli("ingest", "--regions", "us-east-1", "--store", str(store)).returncode == 0
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
    iam.create_user(UserName="inventory")
    iam.put_user_policy(UserName="inventory", PolicyName="inventory", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": _every_declared_action_but("s3:GetBucketTagging"), "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="inventory")["AccessKey"]
    def enforce_after(count: bytes) -> None:
        request = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth", data=count, method="POST", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request, timeout=10).close()

    enforce_after(b"0")
    try:
        env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        env_without_token = {k: v for k, v in os.environ.items() if k != "AWS_SESSION_TOKEN"}
        result = subprocess.run(
            [sys.executable, "-m", "aws_integration", "ingest", "--regions", "us-east-1", "--store", str(store)],
            env={**env_without_token, **env}, capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        enforce_after(b"inf")
    assert result.returncode == 0, result.stderr
    assert "Status: partial" in result.stdout
    assert "fetch-s3-buckets" in result.stdout and "missing s3:GetBucketTagging" in result.stdout
    assert "3 kept from earlier runs" in result.stdout
    exported = json.loads(_cli("export", "--store", str(store)).stdout)
    assert sum(1 for e in exported["entities"] if e["_type"] == "aws_s3_bucket") == 3
    assert key["SecretAccessKey"] not in result.stdout + result.stderr
