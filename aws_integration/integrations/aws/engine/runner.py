"""An AWS run: who the credentials are, which regions, then every step on the neutral runner.

The preflight identifies the account and its enabled regions; each regional step runs
once per region its service is offered in, each global step once. A refused call names
the IAM action; while the steps run, the permission checker predicts what they will be
refused, and the report compares both.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY, RawItem, Scope, StepDecl
from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings, home_region
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext, account_key
from aws_integration.integrations.aws.engine.preflight import Identity, enabled_regions, identify
from aws_integration.errors import IntegrationError
from aws_integration.graph.sink import GraphSink
from aws_integration.integrations.aws.permissions.checker import PermissionReport, check_principal
from aws_integration.integrations.aws.permissions.comparison import compare
from aws_integration.integrations.aws.permissions.principal import PolicyReader, principal_from_arn
from aws_integration.integrations.aws.registry import Registry
from aws_integration.steps.chain import CALL_CHAIN
from aws_integration.steps.runner import CollectedGraph, StepRunner, Target

__all__ = ["CollectedGraph", "RunOptions", "ingest"]

log = logging.getLogger(__name__)

PoolFactory = Callable[[AioSession, ClientSettings], Any]
PREFLIGHT_CHAIN = 2  # GetCallerIdentity, then DescribeRegions
PREFLIGHT_CALLS = 2


@dataclass(frozen=True)
class RunOptions:
    """What the user chose for this run."""

    regions: tuple[str, ...] | None = None
    account_name: str | None = None
    tag_with_account_name: bool = False
    check_permissions: bool = True
    include_services: frozenset[str] = frozenset()
    exclude_services: frozenset[str] = frozenset()
    client_settings: ClientSettings = field(default_factory=ClientSettings)

    def runs_service(self, service: str) -> bool:
        """Whether the configuration lets steps of ``service`` run."""
        if self.include_services:
            return service in self.include_services
        return service not in self.exclude_services


class _AwsUnit:
    """One (step, region) unit's fetch: the step's fetch function on a :class:`FetchContext`."""

    def __init__(self, step: StepDecl, fetch: FetchContext) -> None:
        self._step = step
        self._fetch = fetch
        self.context = fetch.scope

    api_calls = property(lambda self: self._fetch.api_calls)
    retries = property(lambda self: self._fetch.retries)
    longest_chain = property(lambda self: self._fetch.longest_chain)
    allowed_actions = property(lambda self: self._fetch.allowed_actions)

    async def items(self) -> AsyncIterator[RawItem]:
        """The items the step's fetch gathers: as they arrive when it streams them, else its list."""
        step, context = self._step, self._fetch
        fetched = step.fetch(context) if step.fetch else context.stream(step.calls[0])
        if inspect.isawaitable(fetched):
            for item in await fetched:
                yield item
            return
        async with contextlib.aclosing(fetched) as items:
            async for item in items:
                yield item


class AwsAccount(Target):
    """The account the run's credentials reach, in its enabled regions."""

    integration = "aws"
    system = "AWS"
    root_type = ACCOUNT_ENTITY.type
    errors = (ClientError, BotoCoreError, ResponseParserError)

    def __init__(self, clients: ClientPool, identity: Identity, regions: list[str], options: RunOptions,
                 home: str) -> None:
        self.id = identity.account_id
        self.name = options.account_name
        self.root_key = account_key(identity.account_id)
        self.identity = identity
        self.regions = regions
        self._clients = clients
        self._options = options
        self._home = home
        self._slots = asyncio.Semaphore(options.client_settings.max_concurrency)

    def scopes(self, step: Any = None) -> set[str]:
        """A regional step's regions, ``""`` for a global one; every region and ``""`` for the run."""
        if step is None:
            return set(self.regions) | {""}
        return set(self.regions) if step.scope is Scope.REGIONAL else {""}

    async def unit_scopes(self, step: Any) -> list[str | None]:
        """The enabled regions the step's service is offered in, or the account once for a global step."""
        if step.scope is not Scope.REGIONAL:
            return [None]
        available = await self._clients.available_regions(step.service)
        return [region for region in self.regions if not available or region in available]

    def unit(self, step: Any, scope: str | None, dependencies: Mapping[str, list[tuple[Any, RawItem]]]) -> _AwsUnit:
        context = TransformContext(self.identity.partition, self.identity.account_id, scope, self._options.account_name)
        return _AwsUnit(step, FetchContext(step, context, self._clients, self._slots, self._home, dependencies))

    def excluded(self, step: Any) -> str | None:
        if self._options.runs_service(step.service):
            return None
        return f"service {step.service} is excluded by the configuration"


async def _predict(clients: ClientPool, registry: Registry, identity: Identity, home: str) -> tuple[PermissionReport | str, int]:
    """The checker's verdicts for the run's own identity (or why there are none), and the calls it took."""
    try:
        principal = principal_from_arn(identity.arn)
    except IntegrationError as error:
        return str(error), 0
    reader = PolicyReader(clients, home, principal)
    try:
        policies = await reader.read()
    except IntegrationError as error:
        return str(error), reader.api_calls
    return check_principal(registry, policies), reader.api_calls


async def ingest(
    registry: Registry,
    session: AioSession,
    options: RunOptions,
    pool: PoolFactory = ClientPool,
    sink: GraphSink | None = None,
) -> CollectedGraph:
    """Run every declared step against the account the session's credentials reach.

    ``pool`` makes the run's clients (the benchmark's sequential baseline swaps in
    blocking boto3 clients). The graph goes to ``sink`` page by page as it is
    collected; without one, it is held in memory and returned.
    """
    started = datetime.now(timezone.utc)
    home = home_region(session)
    async with pool(session, options.client_settings) as clients:
        identity = await identify(clients, home)
        checked = await enabled_regions(clients, home, identity.partition, options.regions)
        if checked.unverified:
            log.warning("the regions asked for could not be verified, running in them as given: %s", checked.unverified)
        CALL_CHAIN.set(PREFLIGHT_CHAIN)  # the steps' tasks, created now, start after these two
        prediction = (asyncio.create_task(_predict(clients, registry, identity, home))
                      if options.check_permissions else None)
        runner = StepRunner(registry, AwsAccount(clients, identity, checked.names, options, home), sink,
                            account_name=options.account_name, tag_with_account_name=options.tag_with_account_name)
        try:
            collected = await runner.run(started)
        except BaseException:
            if prediction:
                prediction.cancel()
                await asyncio.gather(prediction, return_exceptions=True)
            raise
        predicted, prediction_calls = await prediction if prediction else (None, 0)
        requests = clients.requests
    report = collected.report
    report.seconds = (datetime.now(timezone.utc) - started).total_seconds()
    report.api_calls += PREFLIGHT_CALLS + prediction_calls
    report.retries = requests - report.api_calls
    report.details = {"partition": identity.partition, "regions": checked.names, "unverifiedRegions": checked.unverified}
    if isinstance(predicted, PermissionReport):
        report.permission_check = compare(predicted, report.steps).to_dict()
    elif predicted is not None:
        report.permission_check = {"unavailable": predicted}
    return collected
