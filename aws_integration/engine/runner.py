"""The concurrent runner: every step in every region it applies to, at once.

Steps wait only for the steps they depend on; each (step, region) unit fetches, then
transforms its raw items with the step's pure transform, and hands the records to the
run's sink a page at a time (a job's store stages them; by default they are held in
memory). A unit that AWS refuses is ``disabled`` for ``permission`` with the denied
IAM action named; any other error is a ``failure`` of that step alone, and takes back
what it handed over. Nothing is silently turned into an empty list.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from aws_integration.declarations import ACCOUNT_ENTITY, AnyStep, MapperDecl, RawItem, Scope, StepDecl
from aws_integration.engine.clients import ClientPool, ClientSettings, home_region
from aws_integration.engine.context import CALL_CHAIN, FetchContext, TransformContext
from aws_integration.engine.errors import PermissionDenied
from aws_integration.errors import IntegrationError, brief
from aws_integration.engine.preflight import Identity, enabled_regions, identify
from aws_integration.engine.report import DeniedCall, DisabledReason, RunReport, StepResult, StepStatus
from aws_integration.graph.model import Entity, EntityPatch, GraphError, Relationship
from aws_integration.graph.schema import validate_entity
from aws_integration.graph.sink import GraphSink, InMemoryGraph, SinkError
from aws_integration.permissions.checker import PermissionReport, check_principal
from aws_integration.permissions.comparison import compare
from aws_integration.permissions.principal import PolicyReader, principal_from_arn
from aws_integration.registry import Registry

log = logging.getLogger(__name__)

DependencyItems = dict[str, list[tuple[TransformContext, RawItem]]]
PoolFactory = Callable[[AioSession, ClientSettings], Any]
PREFLIGHT_CHAIN = 2  # GetCallerIdentity, then DescribeRegions
PAGE_RECORDS = 500  # records handed to the sink at a time


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


@dataclass
class CollectedGraph:
    """A run's graph and report, ready for the store.

    ``entities`` and ``relationships`` are the graph when the run held it in memory
    (no sink was given); they are empty when the graph went to a sink as it was collected.
    ``units`` is the run's scope: the (type, scope) pairs it collected successfully
    (scope: a region, or ``""`` for a global step), the only ones in which the store may
    replace what earlier runs stored.
    """

    entities: list[Entity]
    relationships: list[Relationship]
    report: RunReport
    partial_entity_types: set[str]
    partial_relationship_types: set[str]
    units: frozenset[tuple[str, str]] = frozenset()


@dataclass
class _UnitResult:
    region: str | None
    items: list[tuple[TransformContext, RawItem]] = field(default_factory=list)
    entities: int = 0
    relationships: int = 0
    denied: PermissionDenied | None = None
    error: str | None = None
    api_calls: int = 0
    retries: int = 0
    longest_chain: int = 0
    allowed_actions: set[str] = field(default_factory=set)


def _default_fetch(context: FetchContext) -> AsyncIterator[RawItem]:
    return context.stream(context.step.calls[0].operation)


async def _fetched(step: StepDecl, context: FetchContext) -> AsyncIterator[RawItem]:
    """The items a step's fetch gathers: as they arrive when it streams them, else its list."""
    fetched = (step.fetch or _default_fetch)(context)
    if inspect.isawaitable(fetched):
        for item in await fetched:
            yield item
        return
    async with contextlib.aclosing(fetched) as items:
        async for item in items:
            yield item


@dataclass(frozen=True)
class _Contract:
    """What a step or mapper declared it produces: the only types it may emit (the declaration is the contract)."""

    step_id: str
    entity_types: frozenset[str]
    relationship_types: frozenset[tuple[str, str, str]]
    owned_by_account: frozenset[str]

    @classmethod
    def of(cls, step: AnyStep) -> _Contract:
        """The contract ``step`` declares."""
        entities = getattr(step, "entities", ())
        return cls(
            step.id,
            frozenset(decl.type for decl in entities),
            frozenset((rel.from_type, rel.verb, rel.to_type) for rel in step.all_relationships),
            frozenset(decl.type for decl in entities if decl.owned_by_account),
        )

    def check(self, produced: Entity | Relationship) -> None:
        """Raise :class:`GraphError` unless the record is of a declared type (and a valid entity)."""
        if isinstance(produced, Entity):
            if produced.type not in self.entity_types:
                raise GraphError(f"step {self.step_id} produced undeclared entity type {produced.type}")
            validate_entity(produced)
        elif (produced.from_type, produced.verb, produced.to_type) not in self.relationship_types:
            raise GraphError(f"step {self.step_id} produced undeclared relationship type {produced.type}")


class _UnitWriter:
    """One unit's records on their way to the sink: checked, counted, and handed over a page at a time.

    Entities of a type a mapper enriches stay with the runner instead (``held``): the
    mappers patch them once every step has run.
    """

    def __init__(self, runner: Runner, contract: _Contract, unit: int, account_key: str, scope: str) -> None:
        self._runner = runner
        self._contract = contract
        self._account_key = account_key
        self._scope = scope
        self.unit = unit
        self.entities: list[Entity] = []
        self.relationships: list[Relationship] = []
        self.held: list[Entity] = []
        self.entity_count = 0
        self.relationship_count = 0

    def add(self, produced: Entity | Relationship) -> None:
        """Take one record the step's transform produced."""
        self._contract.check(produced)
        if isinstance(produced, Entity):
            produced.scope = self._scope
            self.entity_count += 1
            (self.held if produced.type in self._runner.held_types else self.entities).append(produced)
            if produced.type in self._contract.owned_by_account:
                self.add(Relationship(self._account_key, "aws_account", "HAS", produced.key, produced.type))
        else:
            produced.place(self._scope)
            self.relationship_count += 1
            self.relationships.append(produced)
        if len(self.entities) + len(self.relationships) >= PAGE_RECORDS:
            self.flush()

    def flush(self) -> None:
        """Hand what was taken since the last page to the sink."""
        if self.entities or self.relationships:
            self._runner.emit(self.unit, self.entities, self.relationships)
            self.entities, self.relationships = [], []


class Runner:
    """Runs a registry's steps against one account."""

    def __init__(
        self,
        registry: Registry,
        session: AioSession,
        options: RunOptions,
        pool: PoolFactory = ClientPool,
        sink: GraphSink | None = None,
    ) -> None:
        self.registry = registry
        self.session = session
        self.options = options
        self._pool = pool
        self._chain_ends: dict[str, int] = {}
        self.home_region = home_region(session)
        self._slots = asyncio.Semaphore(options.client_settings.max_concurrency)
        self._results: dict[str, StepResult] = {}
        self._raw: DependencyItems = {}
        # Raw items are kept only for the steps and mappers that read them: the rest go as soon
        # as they are transformed (a large account's instances would otherwise stay in memory twice).
        self._read_later = {dependency for step in registry.all_steps for dependency in step.depends_on}
        self._sink: GraphSink = sink if sink is not None else InMemoryGraph()
        self._units = itertools.count(1)
        self.held_types = frozenset(name for mapper in registry.mappers for name in mapper.enriches)
        self._held: dict[str, Entity] = {}
        self._prediction_calls = 0
        # Per step: the scopes (regions, "" for global) it collected, and those it should have.
        self._coverage: dict[str, tuple[set[str], set[str]]] = {}
        self._regions: list[str] = []
        self._tag_name = options.account_name  # what tag.AccountName says, once known
        self._account_id = ""

    async def run(self) -> CollectedGraph:
        """Identify the account, discover regions, run every step, build the report."""
        started = datetime.now(timezone.utc)
        clock = time.monotonic()
        async with self._pool(self.session, self.options.client_settings) as clients:
            identity = await identify(clients, self.home_region)
            self._account_id = identity.account_id
            checked = await enabled_regions(clients, self.home_region, identity.partition, self.options.regions)
            regions = self._regions = checked.names
            if checked.unverified:
                log.warning("the regions asked for could not be verified, running in them as given: %s", checked.unverified)
            preflight_calls = 2
            CALL_CHAIN.set(PREFLIGHT_CHAIN)  # the steps' tasks, created now, start after these two
            prediction = asyncio.create_task(self._predict(clients, identity)) if self.options.check_permissions else None
            tasks: dict[str, asyncio.Task[StepResult]] = {}
            for step in self.registry.steps:
                tasks[step.id] = asyncio.create_task(self._run_step(step, tasks, clients, identity, regions))
            try:
                await asyncio.gather(*tasks.values())
            except BaseException:  # the sink failed, or the run was stopped: no step goes on alone
                for task in [*tasks.values(), *([prediction] if prediction else [])]:
                    task.cancel()
                await asyncio.gather(*tasks.values(), *([prediction] if prediction else []), return_exceptions=True)
                raise
            predicted = await prediction if prediction else None
            requests = clients.requests
        for mapper in self.registry.mappers:
            self._results[mapper.id] = self._run_mapper(mapper)
        self._hand_over(list(self._held.values()), [])  # the mappers are done with them
        self._held.clear()
        ordered = [self._results[step.id] for step in self.registry.all_steps]
        api_calls = preflight_calls + self._prediction_calls + sum(result.api_calls for result in ordered)
        report = RunReport(
            account_id=identity.account_id,
            partition=identity.partition,
            regions=regions,
            started_at=started.isoformat(timespec="seconds"),
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            seconds=time.monotonic() - clock,
            steps=ordered,
            entity_counts=self._sink.entity_counts(),
            relationship_counts=self._sink.relationship_counts(),
            api_calls=api_calls,
            retries=requests - api_calls,
            longest_call_chain=max(self._chain_ends.values(), default=PREFLIGHT_CHAIN),
        )
        report.unverified_regions = checked.unverified
        units = self._collected_units(ordered)
        report.scope = _scope_by_type(units)
        if isinstance(predicted, PermissionReport):
            report.permission_check = compare(predicted, ordered).to_dict()
        elif predicted is not None:
            report.permission_check = {"unavailable": predicted}
        partial = [result for result in ordered if result.status is not StepStatus.SUCCESS]
        in_memory = self._sink if isinstance(self._sink, InMemoryGraph) else InMemoryGraph()
        return CollectedGraph(
            entities=list(in_memory.entities.values()),
            relationships=list(in_memory.relationships.values()),
            report=report,
            partial_entity_types={name for result in partial for name in result.entity_types},
            partial_relationship_types={name for result in partial for name in result.relationship_types},
            units=units,
        )

    def _collected_units(self, results: list[StepResult]) -> frozenset[tuple[str, str]]:
        """The (type, scope) pairs every step producing the type collected: the run's scope.

        A pair that one step collected and another (producing the same type) missed is
        out: what the second stored there stays.
        """
        collected: dict[str, set[str]] = defaultdict(set)
        missed: dict[str, set[str]] = defaultdict(set)
        for result in results:
            done, expected = self._coverage.get(result.step_id, (set(), set()))
            for type_name in result.entity_types + result.relationship_types:
                collected[type_name] |= done
                missed[type_name] |= expected - done
        return frozenset((name, scope) for name, scopes in collected.items() for scope in scopes - missed[name])

    def emit(self, unit: int, entities: list[Entity], relationships: list[Relationship]) -> None:
        """Hand records to the sink, tagged with the account's name when the user asked for it.

        The name is the one given, else the account entity's (its alias, else its ID):
        the account step then runs before the others (see ``_run_step``).
        """
        if entities and self.options.tag_with_account_name:
            for entity in entities:
                if self._tag_name is None and entity.type == ACCOUNT_ENTITY.type:
                    self._tag_name = entity.display_name
                entity.properties["tag.AccountName"] = self._tag_name or self._account_id
        self._sink.add(unit, entities, relationships)

    def _waits_for_account_name(self, step: StepDecl) -> str | None:
        """The account step, when ``step`` must wait for it to know the name it tags entities with."""
        if not self.options.tag_with_account_name or self.options.account_name:
            return None
        producing = next((other.id for other in self.registry.steps
                          if any(entity.type == ACCOUNT_ENTITY.type for entity in other.entities)), None)
        return producing if producing != step.id else None

    def _hand_over(self, entities: list[Entity], relationships: list[Relationship]) -> None:
        """Hand records produced all at once to the sink, a page at a time, as one unit that succeeded."""
        unit = next(self._units)
        for start in range(0, max(len(entities), len(relationships)), PAGE_RECORDS):
            self.emit(unit, entities[start:start + PAGE_RECORDS], relationships[start:start + PAGE_RECORDS])
        self._sink.keep(unit)

    async def _predict(self, clients: ClientPool, identity: Identity) -> PermissionReport | str:
        """The checker's verdicts for the run's own identity, or why there are none."""
        try:
            principal = principal_from_arn(identity.arn)
        except IntegrationError as error:
            return str(error)
        reader = PolicyReader(clients, self.home_region, principal)
        try:
            policies = await reader.read()
        except IntegrationError as error:
            return str(error)
        finally:
            self._prediction_calls = reader.api_calls
        return check_principal(self.registry, policies)

    def _new_result(self, step: AnyStep, status: StepStatus) -> StepResult:
        return StepResult(
            step_id=step.id,
            name=step.name,
            status=status,
            entity_types=[decl.type for decl in getattr(step, "entities", ())],
            relationship_types=sorted({rel.type for rel in step.all_relationships}),
        )

    def _parent_problem(self, step: AnyStep) -> StepResult | None:
        """A disabled result when a step this one depends on did not succeed.

        When every such step was left out by the configuration, this one is left out
        too (``config``): the user chose it, nothing went wrong.
        """
        failed = [self._results[dep] for dep in step.depends_on if self._results[dep].status is not StepStatus.SUCCESS]
        if not failed:
            return None
        result = self._new_result(step, StepStatus.DISABLED)
        left_out = all(dep.status is StepStatus.DISABLED and dep.reason is DisabledReason.CONFIG for dep in failed)
        result.reason = DisabledReason.CONFIG if left_out else DisabledReason.PARENT_DISABLED
        result.message = "depends on " + ", ".join(
            f"{dep.step_id} ({'excluded by the configuration' if left_out else dep.status.value})" for dep in failed
        )
        return result

    def _cover(self, step: AnyStep, collected: Iterable[str], expected: Iterable[str] | None = None) -> None:
        """Note the scopes a step collected, and those it should have (by default, wherever it runs)."""
        if expected is None:
            regional = not isinstance(step, StepDecl) or step.scope is Scope.REGIONAL
            everywhere = set(self._regions) | ({""} if isinstance(step, MapperDecl) else set())
            expected = everywhere if regional else {""}
        self._coverage[step.id] = (set(collected), set(expected))

    def _excluded(self, step: StepDecl) -> StepResult | None:
        """A disabled result when the configuration leaves the step's service out.

        The account itself, the root of the graph, is always collected.
        """
        produces_account = any(entity.type == ACCOUNT_ENTITY.type for entity in step.entities)
        if produces_account or self.options.runs_service(step.service):
            return None
        result = self._new_result(step, StepStatus.DISABLED)
        result.reason = DisabledReason.CONFIG
        result.message = f"service {step.service} is excluded by the configuration"
        return result

    async def _run_step(
        self,
        step: StepDecl,
        tasks: dict[str, asyncio.Task[StepResult]],
        clients: ClientPool,
        identity: Identity,
        regions: list[str],
    ) -> StepResult:
        account_step = self._waits_for_account_name(step)
        waits_for = (*step.depends_on, *((account_step,) if account_step else ()))
        for dependency in waits_for:
            await tasks[dependency]
        CALL_CHAIN.set(max((self._chain_ends[dep] for dep in waits_for), default=CALL_CHAIN.get()))
        blocked = self._parent_problem(step) or self._excluded(step)
        if blocked:
            self._cover(step, ())
            self._results[step.id] = blocked
            self._chain_ends[step.id] = CALL_CHAIN.get()
            return blocked
        clock = time.monotonic()
        if step.scope is Scope.REGIONAL:
            available = await clients.available_regions(step.service)
            unit_regions: list[str | None] = [region for region in regions if not available or region in available]
        else:
            unit_regions = [None]
        units = await asyncio.gather(
            *(self._run_unit(step, clients, identity, region) for region in unit_regions)
        )
        result = self._aggregate(step, units)
        self._cover(step, (unit.region or "" for unit in units if not (unit.error or unit.denied)),
                    (region or "" for region in unit_regions))
        self._chain_ends[step.id] = max((unit.longest_chain for unit in units), default=CALL_CHAIN.get())
        result.seconds = time.monotonic() - clock
        result.regions = [region for region in unit_regions if region]
        self._results[step.id] = result
        log.info(
            "%s: %s, %d entities, %d relationships, %d API calls, %.2f s%s",
            step.id, result.status.value, result.entities, result.relationships, result.api_calls, result.seconds,
            f" ({result.message})" if result.message else "",
        )
        return result

    async def _run_unit(
        self, step: StepDecl, clients: ClientPool, identity: Identity, region: str | None
    ) -> _UnitResult:
        scope = TransformContext(identity.partition, identity.account_id, region, self.options.account_name)
        dependencies = {dep: self._raw.get(dep, []) for dep in step.depends_on}
        context = FetchContext(step, scope, clients, self._slots, self.home_region, dependencies)
        unit = _UnitResult(region=region)
        writer = _UnitWriter(self, _Contract.of(step), next(self._units), scope.account_key, region or "")
        try:
            read_later = step.id in self._read_later
            async with contextlib.aclosing(_fetched(step, context)) as items:
                async for item in items:  # each page is transformed as it arrives, and handed on
                    if read_later:
                        unit.items.append((scope, item))
                    for produced in step.transform(item, scope):
                        writer.add(produced)
            writer.flush()
        except SinkError:
            raise
        except PermissionDenied as denied:
            unit = _UnitResult(region=region, denied=denied)
        except (ClientError, BotoCoreError, ResponseParserError, GraphError) as error:
            unit = _UnitResult(region=region, error=f"{region or 'global'}: {brief(error)}")
        except KeyError as missing:  # AWS left out a field the transform needs: name it, fail the step
            unit = _UnitResult(
                region=region,
                error=f"{region or 'global'}: a resource AWS described has no field {missing.args[0]!r}, "
                      f"which {step.id} needs",
            )
        except Exception as error:  # a transform bug must fail its step, not the run
            log.exception("step %s failed in %s", step.id, region or "global")
            unit = _UnitResult(region=region, error=f"{region or 'global'}: {type(error).__name__}: {brief(error)}")
        if unit.error or unit.denied:  # a unit that fails contributes nothing
            self._sink.discard(writer.unit)
        else:
            self._sink.keep(writer.unit)
            self._held.update((entity.key, entity) for entity in writer.held)
            unit.entities, unit.relationships = writer.entity_count, writer.relationship_count
        unit.api_calls = context.api_calls
        unit.retries = context.retries
        unit.longest_chain = context.longest_chain
        unit.allowed_actions = context.allowed_actions
        return unit

    def _aggregate(self, step: StepDecl, units: list[_UnitResult]) -> StepResult:
        result = self._new_result(step, StepStatus.SUCCESS)
        result.api_calls = sum(unit.api_calls for unit in units)
        result.retries = sum(unit.retries for unit in units)
        result.allowed_actions = sorted(set().union(*(unit.allowed_actions for unit in units)))
        result.errors = [unit.error for unit in units if unit.error]
        result.denied = [
            DeniedCall(unit.denied.iam_action, unit.denied.region, unit.denied.code)
            for unit in units
            if unit.denied
        ]
        if result.errors:
            result.status = StepStatus.FAILURE
            result.message = result.errors[0]
        elif result.denied:
            result.status = StepStatus.DISABLED
            result.reason = DisabledReason.PERMISSION
            result.message = "AWS denied " + ", ".join(result.denied_actions)
        # What the successful units saw is kept even when others failed: their types are
        # marked partial, so the store keeps earlier data for everything else.
        self._raw[step.id] = [pair for unit in units for pair in unit.items]
        result.entities = sum(unit.entities for unit in units)
        result.relationships = sum(unit.relationships for unit in units)
        return result

    def _run_mapper(self, mapper: MapperDecl) -> StepResult:
        result = self._map(mapper)
        self._cover(mapper, () if result.status is not StepStatus.SUCCESS else self._regions + [""])
        return result

    def _map(self, mapper: MapperDecl) -> StepResult:
        blocked = self._parent_problem(mapper)
        if blocked:
            return blocked
        clock = time.monotonic()
        result = self._new_result(mapper, StepStatus.SUCCESS)
        try:
            patches: list[EntityPatch] = []
            relationships: list[Relationship] = []
            contract = _Contract.of(mapper)
            for produced in mapper.map({dep: self._raw[dep] for dep in mapper.depends_on}):
                if isinstance(produced, EntityPatch):
                    patches.append(produced)
                else:
                    contract.check(produced)
                    relationships.append(produced)
            for patch in patches:
                entity = self._held.get(patch.key)
                if entity is None or entity.type not in mapper.enriches:
                    raise GraphError(f"mapper {mapper.id} patches {patch.key}, which is not an entity of a type "
                                     f"it enriches ({', '.join(mapper.enriches)})")
            for patch in patches:
                self._held[patch.key].properties.update(patch.properties)
            for relationship in relationships:  # in the scope of the entity it enriches (a subnet's region)
                end = self._held.get(relationship.from_key) or self._held.get(relationship.to_key)
                relationship.place(end.scope if end else "")
        except (GraphError, KeyError, ValueError) as error:
            result.status = StepStatus.FAILURE
            result.message = f"{type(error).__name__}: {error}"
            result.errors = [result.message]
            return result
        self._hand_over([], relationships)
        result.relationships = len(relationships)
        result.seconds = time.monotonic() - clock
        return result


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
    return await Runner(registry, session, options, pool, sink).run()


def _scope_by_type(units: frozenset[tuple[str, str]]) -> dict[str, list[str]]:
    """The run's scope for the report: each type with the regions (or ``global``) it was collected in."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_name, scope in sorted(units):
        by_type[type_name].append(scope or "global")
    return dict(by_type)
