"""The commands of a SentinelOne instance, end to end: the real CLI against the local console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_integration.sample.sentinelone_console import FakeConsole, Fault, Token, serve
from aws_integration.sample.sentinelone_seed import ACCOUNT_TOKEN, SITE_TOKEN, sample_console, sample_tokens

EXPIRING_TOKEN = "sample-expiring-token-5b8e"


@pytest.fixture()
def console() -> FakeConsole:
    tokens = {**sample_tokens(), EXPIRING_TOKEN: Token(expires_at="2026-12-10T00:00:00.000000Z")}
    return FakeConsole(sample_console(agents=300), tokens)


@pytest.fixture()
def url(console: FakeConsole) -> Iterator[str]:
    with serve(console) as address:
        yield address


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"""
instances:
  - name: console
    integration: sentinelone
    managementUrl: {url}
    apiToken: {{fromEnv: S1_TOKEN}}
    accountName: Example Corp
    tagWithAccountName: true
alerts:
  - name: agent infected
    type: sentinelone_agent
    property: infected
    to: true
""", encoding="utf-8")
    return path


def _cli(*args: str, token: str = ACCOUNT_TOKEN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "S1_TOKEN": token}
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_ingest_then_ask_the_graph(tmp_path: Path, url: str) -> None:
    config, store = _config(tmp_path, url), tmp_path / "graph.sqlite"
    ingested = _cli("ingest", "--config", str(config), "--instance", "console", "--store", str(store))
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.startswith(f"Console {url.removeprefix('http://')}, account-scoped token")
    assert "sentinelone_agent" in ingested.stdout and "300" in ingested.stdout
    as_json = _cli("ingest", "--config", str(config), "--instance", "console", "--store", str(store), "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert (report["integration"], report["tokenScope"], report["status"]) == ("sentinelone", "account", "success")
    assert report["store"]["entities"]["created"] == 0
    runs = _cli("runs", "--store", str(store), "--json")
    assert [(run["integration"], run["source"]) for run in json.loads(runs.stdout)] == \
        [("sentinelone", "sentinelone:console")] * 2
    asked = _cli("query", "FIND sentinelone_agent AS a WITH infected = true RETURN a.displayName, a.tag.AccountName",
                 "--store", str(store), "--format", "json")
    rows = json.loads(asked.stdout)
    assert rows and all(row["a.tag.AccountName"] == "Example Corp" for row in rows)


def test_a_refused_token_is_one_line_and_never_printed(tmp_path: Path, url: str) -> None:
    config, store = _config(tmp_path, url), tmp_path / "graph.sqlite"
    refused = _cli("ingest", "--config", str(config), "--instance", "console", "--store", str(store),
                   token="not-this-console-s-token")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "refused the API token" in refused.stderr
    assert "Traceback" not in refused.stderr and "not-this-console-s-token" not in refused.stderr + refused.stdout
    checked = _cli("permissions", "--config", str(config), "--instance", "console", token="not-this-console-s-token")
    assert checked.returncode == 2 and "refused the API token" in checked.stderr


def test_permissions_say_scope_expiry_and_what_will_be_skipped(tmp_path: Path, url: str, console: FakeConsole) -> None:
    config = _config(tmp_path, url)
    ready = _cli("permissions", "--config", str(config), "--instance", "console")
    assert ready.returncode == 0, ready.stderr
    assert "Token: valid, account-scoped, expires 2027-06-01" in ready.stdout
    assert "4 of 4 entity types ready" in ready.stdout
    site = _cli("permissions", "--config", str(config), "--instance", "console", "--json", token=SITE_TOKEN)
    diagnosis = json.loads(site.stdout)
    assert site.returncode == 0 and diagnosis["tokenScope"] == "site" and diagnosis["allReady"]
    expiring = _cli("permissions", "--config", str(config), "--instance", "console", token=EXPIRING_TOKEN)
    assert "Warning: the token expires in" in expiring.stdout
    console.inject("/agents", Fault("status", times=1, status=403))
    skipped = _cli("permissions", "--config", str(config), "--instance", "console", "--json")
    types = {item["type"]: item["status"] for item in json.loads(skipped.stdout)["types"]}
    assert skipped.returncode == 3 and types["sentinelone_agent"] == "will be skipped"
    assert types["sentinelone_group"] == "ready"
    wrong = _cli("permissions", "--config", str(config), "--instance", "console", "--role-arn",
                 "arn:aws:iam::123456789012:role/x")
    assert wrong.returncode == 2 and "--role-arn is for AWS" in wrong.stderr


def test_setup_prints_the_console_walkthrough() -> None:
    shown = _cli("setup", "--integration", "sentinelone", "--format", "instructions")
    assert shown.returncode == 0, shown.stderr
    assert "Viewer" in shown.stdout and "`GET /web/api/v2.1/agents`" in shown.stdout
    assert "apiToken: {fromEnv: S1_API_TOKEN}" in shown.stdout
    refused = _cli("setup", "--integration", "sentinelone", "--format", "policy")
    assert refused.returncode == 2 and "use --format instructions" in refused.stderr
