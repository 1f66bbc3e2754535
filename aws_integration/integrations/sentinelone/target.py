"""A run of one SentinelOne console: the token checked first, then every step on the neutral runner.

``GET /system/info`` validates the token before any step (401: the run stops with one
line). A site-scoped token is refused ``/accounts`` (403, code 4030010): its accounts are
then read from the sites it sees, as MSSP users need, and the report says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiohttp

from aws_integration.errors import IntegrationError, PermissionDenied
from aws_integration.graph.sink import GraphSink
from aws_integration.integrations.sentinelone.client import ConsoleClient, ConsoleError, Tally
from aws_integration.integrations.sentinelone.steps import ACCOUNTS, SITES, ConsoleStep, Endpoint, listing
from aws_integration.integrations.sentinelone.transforms import ConsoleContext
from aws_integration.steps.chain import CALL_CHAIN
from aws_integration.steps.declarations import RawItem
from aws_integration.steps.registry import StepRegistry
from aws_integration.steps.runner import CollectedGraph, StepRunner, Target

SITE_USER_CODE = "4030010"


@dataclass(frozen=True)
class ConsoleOptions:
    """What the instance chose for a run of its console."""

    account_name: str | None = None
    tag_with_account_name: bool = False
    excluded: frozenset[str] = frozenset()  # endpoints (``agents``) the configuration leaves out
    stale_after_days: int = 14  # an agent not active for longer is ``isStale``


class ConsoleUnit:
    """One step's fetch from the console; counts its requests like an AWS unit counts its calls."""

    def __init__(self, console: Console, step: ConsoleStep, context: ConsoleContext) -> None:
        self._console = console
        self._step = step
        self.context = context
        self.tally = Tally()
        self.longest_chain = CALL_CHAIN.get()
        self.allowed_actions: set[str] = set()

    @property
    def api_calls(self) -> int:
        """Calls the unit made (retries not counted)."""
        return self.tally.calls

    @property
    def retries(self) -> int:
        """Requests the unit repeated (429, 5xx, timeouts, answers that were not the console's)."""
        return self.tally.retries

    async def pages(self, endpoint: Endpoint, **params: Any) -> AsyncIterator[list[RawItem]]:
        """The pages of one listing."""
        client = self._console.client
        async with contextlib.aclosing(client.pages(endpoint.path, endpoint.limit, endpoint.rows, self.tally,
                                                    **params)) as pages:
            async for page in pages:
                self.longest_chain = max(self.longest_chain, CALL_CHAIN.get())
                self.allowed_actions.add(endpoint.name)
                yield page

    async def rows(self, endpoint: Endpoint, **params: Any) -> AsyncIterator[RawItem]:
        """The rows of one listing, page by page."""
        async with contextlib.aclosing(self.pages(endpoint, **params)) as pages:
            async for page in pages:
                for row in page:
                    yield row

    async def items(self) -> AsyncIterator[RawItem]:
        """The step's rows; for accounts refused to a site-scoped token, the accounts its sites name."""
        if self._step.endpoint is not ACCOUNTS:
            async with contextlib.aclosing(listing(self, self._step)) as rows:
                async for row in rows:
                    yield row
            return
        try:
            accounts = [row async for row in self.rows(ACCOUNTS)]
        except PermissionDenied as denied:
            if denied.why != SITE_USER_CODE:
                raise
            self._console.site_scoped = True
            accounts = _accounts_of([site async for site in self.rows(SITES)])
        for account in accounts:
            yield account


def _accounts_of(sites: list[RawItem]) -> list[RawItem]:
    """The accounts a site-scoped token sees: those its sites belong to, as far as the sites tell."""
    accounts: dict[str, RawItem] = {}
    for site in sites:
        if site.get("accountId") is not None:
            accounts.setdefault(str(site["accountId"]), {"id": str(site["accountId"]), "name": site.get("accountName")})
    return list(accounts.values())


class Console(Target):
    """One SentinelOne console, reached with one API token."""

    integration = "sentinelone"
    system = "the SentinelOne console"
    errors = (ConsoleError, aiohttp.ClientError, asyncio.TimeoutError)

    def __init__(self, client: ConsoleClient, options: ConsoleOptions) -> None:
        self.client = client
        self.id = client.host
        self.name = options.account_name
        self._options = options
        self.site_scoped = False
        self._stale_before = int(time.time() * 1000) - options.stale_after_days * 86_400_000

    def scopes(self, step: Any = None) -> set[str]:
        """A console has no regions: everything is in the one scope ``""``."""
        return {""}

    async def unit_scopes(self, step: Any) -> list[str | None]:
        """Every step runs once per console."""
        return [None]

    def unit(self, step: Any, scope: str | None, dependencies: Mapping[str, list[tuple[Any, RawItem]]]) -> ConsoleUnit:
        sites = [item for _, item in dependencies.get("sentinelone-sites", [])]
        site_accounts = {str(site["id"]): str(site["accountId"]) for site in sites
                         if site.get("id") is not None and site.get("accountId") is not None}
        return ConsoleUnit(self, step, ConsoleContext(self.client.host, site_accounts, self._stale_before))

    def place(self, scope: str | None) -> str:
        return self.client.host

    def excluded(self, step: Any) -> str | None:
        if step.group in self._options.excluded:
            return f"endpoint {step.group} is excluded by the configuration"
        return None


async def system_info(client: ConsoleClient) -> dict[str, Any]:
    """``GET /system/info``: the token is valid, and the console's version; a clear error when it is not."""
    try:
        envelope = await client.get("/system/info")
    except PermissionDenied:
        return {}  # the token is valid; its role may not read the console's version
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:  # a ConsoleError already says what failed
        raise IntegrationError(f"cannot reach the console at {client.host}: {type(error).__name__}") from None
    data = envelope.get("data")
    return data if isinstance(data, dict) else {}


async def ingest_console(
    registry: StepRegistry,
    client_factory: Any,
    options: ConsoleOptions,
    sink: GraphSink | None = None,
) -> CollectedGraph:
    """Check the token, then run every step against the console; ``client_factory()`` makes the client."""
    started = datetime.now(timezone.utc)
    async with client_factory() as client:
        info = await system_info(client)
        CALL_CHAIN.set(1)
        console = Console(client, options)
        runner = StepRunner(registry, console, sink, account_name=options.account_name,
                            tag_with_account_name=options.tag_with_account_name)
        collected = await runner.run(started)
        sent = client.tally
    report = collected.report
    report.seconds = (datetime.now(timezone.utc) - started).total_seconds()
    report.api_calls = sent.calls
    report.retries = sent.retries
    report.details = {
        "consoleVersion": info.get("release") or info.get("version"),
        "tokenScope": "site" if console.site_scoped else "account",
    }
    if console.site_scoped:
        report.details["note"] = ("the token is site-scoped: /accounts answered 403 (4030010), so the accounts "
                                  "were read from the sites the token sees")
    return collected
