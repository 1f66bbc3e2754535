"""SentinelOne's steps: each declares the endpoint it lists, its page cap and the types it produces.

Groups and agents are listed site by site, all sites at once (``siteIds``), so a large
console pages in parallel; the permission diagnostic, the setup walkthrough and the
data-model docs read the same declarations.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_integration.integrations.sentinelone import transforms
from aws_integration.integrations.sentinelone.client import list_rows, site_rows
from aws_integration.steps.declarations import EntityDecl, RawItem, RelationshipDecl, Transform
from aws_integration.steps.registry import StepRegistry

if TYPE_CHECKING:
    from aws_integration.integrations.sentinelone.target import ConsoleUnit

ConsoleFetch = Callable[["ConsoleUnit"], AsyncIterator[RawItem]]


@dataclass(frozen=True)
class Endpoint:
    """A listing of the Management API: its path, the most rows a page may ask for, and where the rows are."""

    path: str
    limit: int
    nested_in: str | None = None  # /sites answers data.sites[]

    @property
    def name(self) -> str:
        """``GET /web/api/v2.1/agents``: how messages and the diagnostic name it."""
        return f"GET /web/api/v2.1{self.path}"

    def rows(self, data: object) -> list[RawItem]:
        """The rows of one page's ``data``."""
        return site_rows(data) if self.nested_in == "sites" else list_rows(data)


ACCOUNTS = Endpoint("/accounts", 1000)
SITES = Endpoint("/sites", 1000, nested_in="sites")
GROUPS = Endpoint("/groups", 300)
AGENTS = Endpoint("/agents", 1000)


@dataclass(frozen=True)
class ConsoleStep:
    """A SentinelOne step: the endpoint it lists and what it makes of each row."""

    id: str
    name: str
    endpoint: Endpoint
    entities: tuple[EntityDecl, ...]
    transform: Transform
    relationships: tuple[RelationshipDecl, ...] = ()
    depends_on: tuple[str, ...] = ()
    by_site: bool = False  # listed once per site, every site at once

    @property
    def group(self) -> str:
        """What the configuration names the step by: its endpoint (``agents``)."""
        return self.endpoint.path.strip("/")

    @property
    def all_relationships(self) -> tuple[RelationshipDecl, ...]:
        """The relationships the step produces."""
        return self.relationships


async def listing(unit: ConsoleUnit, step: ConsoleStep) -> AsyncIterator[RawItem]:
    """Every row of the step's endpoint: site by site, all at once, when the step lists by site."""
    site_ids = sorted(unit.context.site_accounts) if step.by_site else []
    if not site_ids:
        async for row in unit.rows(step.endpoint):
            yield row
        return
    queue: asyncio.Queue[list[RawItem] | None] = asyncio.Queue(maxsize=len(site_ids) * 2)

    async def one_site(site_id: str) -> None:
        async for page in unit.pages(step.endpoint, siteIds=site_id):
            await queue.put(page)

    async def all_sites() -> None:
        try:
            await asyncio.gather(*(one_site(site_id) for site_id in site_ids))
        finally:
            await queue.put(None)

    task = asyncio.create_task(all_sites())
    try:
        while (page := await queue.get()) is not None:
            for row in page:
                yield row
        await task  # raises what a site's listing raised
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


STEPS = (
    ConsoleStep("sentinelone-accounts", "Accounts", ACCOUNTS, (transforms.ACCOUNT,), transforms.account),
    ConsoleStep("sentinelone-sites", "Sites", SITES, (transforms.SITE,), transforms.site,
                relationships=(transforms.ACCOUNT_HAS_SITE,)),
    ConsoleStep("sentinelone-groups", "Groups", GROUPS, (transforms.GROUP,), transforms.group,
                relationships=(transforms.SITE_HAS_GROUP, transforms.ACCOUNT_HAS_GROUP),
                depends_on=("sentinelone-sites",), by_site=True),
    ConsoleStep("sentinelone-agents", "Agents", AGENTS, (transforms.AGENT,), transforms.agent,
                relationships=(transforms.GROUP_HAS_AGENT,), depends_on=("sentinelone-sites",), by_site=True),
)


def console_registry() -> StepRegistry:
    """SentinelOne's steps."""
    return StepRegistry(steps=STEPS, common_properties=transforms.COMMON_PROPERTIES)
