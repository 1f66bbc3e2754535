"""An AWS run: who the credentials are, which regions, then every step on the neutral runner.

The preflight identifies the account and its enabled regions; each regional step runs
once per region its service is offered in, each global step once. A refused call names
the IAM action; while the steps run, the permission checker predicts what they will be
refused, and the report compares both.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
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
from aws_integration.graph.sink import GraphSink, InMemoryGraph
from aws_integration.integrations.aws.engine.processes import CollectingProcesses, SharedClaims, current_credentials
from aws_integration.integrations.aws.permissions.checker import PermissionReport, check_principal
from aws_integration.integrations.aws.permissions.comparison import compare
from aws_integration.integrations.aws.permissions.principal import PolicyReader, principal_from_arn
from aws_integration.integrations.aws.registry import Registry, default_registry
from aws_integration.steps.chain import CALL_CHAIN
from aws_integration.steps.runner import Claims, CollectedGraph, StepRunner, Target
from aws_integration.steps.shares import lost_steps, merged, ordered_bundles

__all__ = ["CollectedGraph", "RunOptions", "collecting_processes", "ingest"]

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
    processes: int = 1  # collecting ones: this process and a child per extra one (see processes.py)

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
        self.home = home
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
        return _AwsUnit(step, FetchContext(step, context, self._clients, self._slots, self.home, dependencies))

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


@dataclass(frozen=True)
class _ShareWork:
    """What a child process needs besides its steps: the preflight's findings and the run's options."""

    identity: Identity
    regions: list[str]
    options: RunOptions
    home: str


def _rebuilt_by_children(registry: Registry) -> bool:
    """Whether a child process can rebuild ``registry``'s steps from their IDs: they are the shipped ones."""
    shipped = default_registry()
    by_id = {step.id: step for step in shipped.all_steps}
    return registry.common_properties == shipped.common_properties and all(
        by_id.get(step.id) is step for step in registry.all_steps)


async def run_share(session: AioSession, work: _ShareWork, claims: Claims, sink: GraphSink) -> tuple[CollectedGraph, int]:
    """A child process's part of an account's run: the bundles it claims (its records went to ``sink``), and its requests."""
    options = dataclasses.replace(work.options, tag_with_account_name=False)  # the parent tags what it takes
    async with ClientPool(session, options.client_settings) as clients:
        CALL_CHAIN.set(PREFLIGHT_CHAIN)
        runner = StepRunner(default_registry(), AwsAccount(clients, work.identity, work.regions, options, work.home),
                            sink, claims=claims)
        return await runner.run(), clients.requests


IN_FLIGHT_BUNDLES = 8  # bundles of steps a process works on at once when several share a run
PER_ITEM_CALLS = 8  # how many times a call made for each listed resource is guessed to be made, per unit
CLIENT_CALLS = 3  # what creating a service's client in a region costs, in calls


def _weight(regions: int) -> Callable[[Any], float]:
    """A step's share of a run's work, in calls: per unit it runs in, a client, its listings once and
    its per-resource calls several times (what a run costs is mostly its calls)."""
    def weigh(step: Any) -> float:
        if not isinstance(step, StepDecl):
            return 1.0  # a mapper works on what was collected
        units = regions if step.scope is Scope.REGIONAL else 1
        per_unit = sum(1 if index == 0 or call.paginated else PER_ITEM_CALLS for index, call in enumerate(step.calls))
        return units * (CLIENT_CALLS + per_unit)
    return weigh


async def _collect(
    registry: Registry, session: AioSession, target: AwsAccount, options: RunOptions,
    sink: GraphSink | None, processes: CollectingProcesses | None, started: datetime,
) -> tuple[CollectedGraph, int]:
    """The run's steps on the neutral runner: all here, or with ``processes``; the graph and the children's requests."""
    runner_options = {"account_name": options.account_name, "tag_with_account_name": options.tag_with_account_name}
    if processes is None or not processes.children:
        return await StepRunner(registry, target, sink, **runner_options).run(started), 0

    def is_root(step: Any) -> bool:
        return any(entity.type == target.root_type for entity in step.entities)

    bundles = ordered_bundles(registry, _weight(len(target.regions)), first=is_root)
    # The root's bundle is the parent's: the name records are tagged with comes from it.
    own = [0] if any(is_root(registry.step(step_id)) for step_id in bundles[0]) else []
    sink = sink if sink is not None else InMemoryGraph()
    work = _ShareWork(target.identity, target.regions, options, target.home)
    async with processes.run_counter(start=len(own)) as (run, counter):
        runner = StepRunner(registry, target, sink, claims=SharedClaims(bundles, counter, IN_FLIGHT_BUNDLES, own=own),
                            **runner_options)
        order = processes.order(counter, bundles, IN_FLIGHT_BUNDLES, work, session, await current_credentials(session))
        tasks = [asyncio.create_task(runner.run(started))] + [
            asyncio.create_task(child.collect(run, order, session, runner, sink)) for child in processes.children]
        try:
            mine, *theirs = await asyncio.gather(*tasks)
        except BaseException:  # the sink failed, or the run was stopped: no process goes on alone
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    parts = [mine] + [collected for collected, _, _, _ in theirs if collected is not None]
    reported = {result.step_id for part in parts for result in part.report.steps}
    lost = {step.id for step in registry.all_steps} - reported
    if lost:
        why = "; ".join(sorted({why for _, _, _, why in theirs if why})) or "no process reported it"
        parts.append(lost_steps(registry, lost, why, target.scopes()))
    return merged(registry, parts, sink), sum(requests for _, _, requests, _ in theirs)


def collecting_processes(registry: Registry, processes: int, runs: int = 1,
                         pool: PoolFactory = ClientPool) -> CollectingProcesses | None:
    """The children that collect beside this process for ``runs`` runs at once, when ``processes`` asks
    for more than one and they can rebuild ``registry`` (made before the runs, so their imports overlap)."""
    if processes <= 1 or pool is not ClientPool or not _rebuilt_by_children(registry):
        return None
    return CollectingProcesses(processes, runs)


async def ingest(
    registry: Registry,
    session: AioSession,
    options: RunOptions,
    pool: PoolFactory = ClientPool,
    sink: GraphSink | None = None,
    processes: CollectingProcesses | None = None,
) -> CollectedGraph:
    """Run every declared step against the account the session's credentials reach.

    ``pool`` makes the run's clients (the benchmark's sequential baseline swaps in
    blocking boto3 clients). The graph goes to ``sink`` page by page as it is
    collected; without one, it is held in memory and returned. ``processes`` are the
    job's collecting children (an Organization's accounts share them); without them, a
    run on several processes starts its own.
    """
    started = datetime.now(timezone.utc)
    home = home_region(session)
    # Children start first: their imports overlap the preflight's calls.
    own = collecting_processes(registry, options.processes, pool=pool) if processes is None else None
    processes = processes or own
    if processes is not None:  # the requests in flight are the run's: each process has its part of them
        settings = options.client_settings
        options = dataclasses.replace(options, client_settings=dataclasses.replace(
            settings, max_concurrency=-(-settings.max_concurrency // processes.processes)))
    try:
        return await _ingest(registry, session, options, pool, sink, processes, started, home)
    finally:
        if own is not None:
            own.stop()


async def _ingest(
    registry: Registry, session: AioSession, options: RunOptions, pool: PoolFactory, sink: GraphSink | None,
    processes: CollectingProcesses | None, started: datetime, home: str,
) -> CollectedGraph:
    async with pool(session, options.client_settings) as clients:
        identity = await identify(clients, home)
        checked = await enabled_regions(clients, home, identity.partition, options.regions)
        if checked.unverified:
            log.warning("the regions asked for could not be verified, running in them as given: %s", checked.unverified)
        CALL_CHAIN.set(PREFLIGHT_CHAIN)  # the steps' tasks, created now, start after these two
        prediction = (asyncio.create_task(_predict(clients, registry, identity, home))
                      if options.check_permissions else None)
        target = AwsAccount(clients, identity, checked.names, options, home)
        try:
            collected, children_requests = await _collect(registry, session, target, options, sink, processes, started)
        except BaseException:
            if prediction:
                prediction.cancel()
                await asyncio.gather(prediction, return_exceptions=True)
            raise
        predicted, prediction_calls = await prediction if prediction else (None, 0)
        requests = clients.requests + children_requests
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
