"""SentinelOne runs against the local console: the documented API, its errors and its faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aws_integration.errors import IntegrationError
from aws_integration.integrations.sentinelone.client import ClientSettings, ConsoleClient, ConsoleError, list_rows
from aws_integration.integrations.sentinelone.config import SentinelOneInstance
from aws_integration.jobs.run import InstanceRun, Job
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.graph.model import RESERVED_PROPERTIES
from aws_integration.graph.properties import property_problems
from aws_integration.integrations.sentinelone.steps import console_registry
from aws_integration.sample.sentinelone_console import FakeConsole, Fault, serve
from aws_integration.sample.sentinelone_seed import ACCOUNT_TOKEN, SITE_TOKEN, sample_console, sample_tokens
from aws_integration.store import SqliteStore

TOKEN_VARIABLE = "TEST_S1_TOKEN"
FAST = ClientSettings(requests_per_second=0, backoff=0.01, max_backoff=0.02)


@pytest.fixture()
def console() -> FakeConsole:
    return FakeConsole(sample_console(agents=2500), sample_tokens())


@pytest.fixture()
def url(console: FakeConsole) -> Iterator[str]:
    with serve(console) as address:
        yield address


def _instance(url: str, monkeypatch: pytest.MonkeyPatch, token: str = ACCOUNT_TOKEN, **fields: Any) -> SentinelOneInstance:
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    return SentinelOneInstance.model_validate({"integration": "sentinelone", "name": "console", "managementUrl": url,
                                              "apiToken": {"fromEnv": TOKEN_VARIABLE}, **fields})


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without the production backoff, so a storm of 429s takes milliseconds."""
    from aws_integration.integrations.sentinelone import job

    monkeypatch.setattr(job, "client_for", lambda instance: ConsoleClient(
        instance.management_url, instance.api_token.get_secret_value(), FAST))


def _run(store: SqliteStore, instance: SentinelOneInstance) -> InstanceRun:
    return asyncio.run(Job(default_registry(), store).run(instance))


def _step(run: InstanceRun, step_id: str) -> dict[str, Any]:
    assert run.accounts[0].report is not None
    return next(step for step in run.accounts[0].report.to_dict()["steps"] if step["stepId"] == step_id)


def test_a_console_is_ingested_with_its_hierarchy(url: str, console: FakeConsole, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    instance = _instance(url, monkeypatch, tagWithAccountName=True, accountName="Example")
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        run = _run(store, instance).accounts[0]
        assert run.status == "success", run.error
        counts = {name: len(list(store.entities(types=[name]))) for name in
                  ("sentinelone_account", "sentinelone_site", "sentinelone_group", "sentinelone_agent")}
        assert counts == {"sentinelone_account": 1, "sentinelone_site": 2, "sentinelone_group": 5,
                          "sentinelone_agent": 2500}
        [record] = store.runs()
        agent = next(iter(store.entities(types=["sentinelone_agent"])))
        registry = console_registry()
        for stored in store.entities(types=list(counts)):  # every stored property is declared, of its kind
            properties = {name: value for name, value in stored.items() if name not in RESERVED_PROPERTIES}
            assert not property_problems(properties, registry.properties_of(stored["_type"]), stored["_key"])
    assert record.source == "sentinelone:console" and record.integration == "sentinelone"
    assert record.target_id == url.removeprefix("http://")
    assert agent["tag.AccountName"] == "Example"
    # Every listing asked at the endpoint's cap, without counting, and groups and agents site by site.
    asked = {path: query for path, query in console.requests if path != "/system/info"}
    assert asked["/agents"]["limit"] == "1000" and asked["/groups"]["limit"] == "300"
    assert all(query.get("skipCount") == "true" for path, query in console.requests if path != "/system/info")
    assert {query["siteIds"] for path, query in console.requests if path == "/agents"} == \
        {site["id"] for site in console.data.sites}


def test_no_secret_of_the_console_reaches_the_store(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        assert _run(store, _instance(url, monkeypatch)).status == "success"
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    for secret in (ACCOUNT_TOKEN, "LICENSE-", "DO-NOT-STORE", "eyJ-"):
        assert secret.encode() not in raw


def test_a_refused_token_stops_the_run_with_one_line(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    instance = _instance(url, monkeypatch, token="not-a-token-of-this-console")
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        run = _run(store, instance).accounts[0]
        assert list(store.entities()) == []
    assert run.status == "failure" and run.error is not None
    assert "refused the API token" in run.error and "not-a-token" not in run.error and "\n" not in run.error


def test_a_site_scoped_token_reads_its_accounts_from_its_sites(url: str, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        run = _run(store, _instance(url, monkeypatch, token=SITE_TOKEN)).accounts[0]
        accounts = list(store.entities(types=["sentinelone_account"]))
        sites = list(store.entities(types=["sentinelone_site"]))
    assert run.status == "success" and run.report is not None
    assert run.report.details["tokenScope"] == "site" and "site-scoped" in run.report.details["note"]
    assert [account["displayName"] for account in accounts] == ["Example Corp"]
    assert [site["displayName"] for site in sites] == ["Cloud"]


def test_a_refused_endpoint_disables_its_step_and_keeps_what_was_stored(
    url: str, console: FakeConsole, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    instance = _instance(url, monkeypatch)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        _run(store, instance)
        console.inject("/agents", Fault("status", times=2, status=403))
        run = _run(store, instance)
        agents = len(list(store.entities(types=["sentinelone_agent"])))
    step = _step(run, "sentinelone-agents")
    assert step["status"] == "disabled" and step["reason"] == "permission"
    assert step["deniedActions"] == ["GET /web/api/v2.1/agents"]
    assert run.status == "partial" and agents == 2500


def test_a_storm_of_429s_is_waited_out(url: str, console: FakeConsole, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    console.inject("/agents", Fault("status", times=3, status=429, retry_after="0"))
    console.inject("/groups", Fault("status", times=2, status=503))
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        run = _run(store, _instance(url, monkeypatch)).accounts[0]
    assert run.status == "success" and run.report is not None
    assert run.report.retries == 5
    assert _step_of(run.report.to_dict(), "sentinelone-agents")["retries"] == 3


def _step_of(report: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(step for step in report["steps"] if step["stepId"] == step_id)


@pytest.mark.parametrize("fault", [
    Fault("status", times=10, status=503),
    Fault("html", times=10),
    Fault("truncated", times=10),
    Fault("cursor-loop", times=10),
], ids=["5xx", "html-200", "truncated", "cursor-loop"])
def test_an_answer_that_is_not_a_listing_fails_the_step_and_never_empties_the_store(
    url: str, console: FakeConsole, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fault: Fault
) -> None:
    instance = _instance(url, monkeypatch)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        _run(store, instance)
        console.inject("/agents", fault)
        run = _run(store, instance)
        agents = len(list(store.entities(types=["sentinelone_agent"])))
    step = _step(run, "sentinelone-agents")
    assert step["status"] == "failure", step
    assert run.status == "failure" and agents == 2500
    if fault.kind == "cursor-loop":
        assert "a loop" in step["message"]


def test_the_console_caps_limits_and_rejects_foreign_cursors(url: str) -> None:
    async def ask() -> list[str]:
        found = []
        async with ConsoleClient(url, ACCOUNT_TOKEN, FAST) as client:
            for path, params in (("/groups", {"limit": 301}), ("/agents", {"limit": 1001}),
                                 ("/agents", {"limit": 10, "cursor": "bm90LWEtY3Vyc29y"})):
                with pytest.raises(ConsoleError) as refused:
                    await client.get(path, **params)
                found.append(str(refused.value))
            page = await client.get("/groups", limit=300)
            assert len(list_rows(page["data"])) == 5 and page["pagination"]["nextCursor"] is None
        return found

    messages = asyncio.run(ask())
    assert all("HTTP 400 4000010" in message for message in messages)
    assert "between 1 and 300" in messages[0] and "cursor" in messages[2]


def test_the_token_never_appears_in_an_error(url: str) -> None:
    async def ask() -> str:
        async with ConsoleClient(url, "wrong-secret-token", FAST) as client:
            with pytest.raises(IntegrationError) as refused:
                await client.get("/agents")
            return str(refused.value)

    message = asyncio.run(ask())
    assert "refused the API token" in message and "wrong-secret-token" not in message
    assert json.dumps(message)  # one line of text


def test_the_client_spreads_its_requests_at_the_configured_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_integration.integrations.sentinelone import client as client_module

    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(client_module.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(client_module.asyncio, "sleep", sleep)
    limit = client_module._RateLimit(20.0)

    async def burst() -> None:
        for _ in range(5):
            await limit.wait()

    asyncio.run(burst())
    assert slept == pytest.approx([0.05] * 4)  # the first at once, then one every 1/20 s


def test_retry_after_is_read_as_seconds_or_a_date_and_bounded() -> None:
    from aws_integration.integrations.sentinelone.client import MAX_RETRY_AFTER, _retry_after

    assert _retry_after("3") == 3.0 and _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("86400") == MAX_RETRY_AFTER and _retry_after("-5") == 0.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: at once
