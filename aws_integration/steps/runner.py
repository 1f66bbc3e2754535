"""The concurrent runner: every step of a registry in every unit it applies to, at once.

Steps wait only for the steps they depend on; each unit of a step (AWS: a region, or the
account for a global step; SentinelOne: the console) fetches, then transforms its raw
items with the step's pure transform, and hands the records to the run's sink a page at
a time (a job's store stages them; by default they are held in memory). A unit that the
system refuses is ``disabled`` for ``permission`` with what was refused named; any other
error is a ``failure`` of that step alone, and takes back what it handed over. Nothing is
silently turned into an empty list.

What the runner does not know, the run's :class:`Target` tells it: which units a step
has, how one unit fetches, which errors are the system's, and what the configuration
leaves out.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from aws_integration.errors import NotImplementedByEndpoint, PermissionDenied, brief
from aws_integration.graph.model import Entity, EntityPatch, GraphError, Relationship
from aws_integration.graph.schema import validate_entity
from aws_integration.graph.sink import GraphSink, InMemoryGraph, SinkError
from aws_integration.steps.chain import CALL_CHAIN
from aws_integration.steps.declarations import AnyStep, MapperDecl, RawItem, Step
from aws_integration.steps.registry import StepRegistry
from aws_integration.steps.report import Denial, DisabledReason, RunReport, StepResult, StepStatus

log = logging.getLogger(__name__)

DependencyItems = dict[str, list[tuple[Any, RawItem]]]
PAGE_RECORDS = 500  # records handed to the sink at a time
TAG_NAME = "tag.AccountName"


class UnitFetch(Protocol):
    """One unit's fetch, as its integration makes it: the raw items and what getting them cost."""

    context: Any  # what the step's transform receives with each item (AWS: partition, account, region)
    api_calls: int
    retries: int
    longest_chain: int
    allowed_actions: set[str]

    def items(self) -> AsyncIterator[RawItem]:
        """The unit's raw items, as they arrive."""
        ...


class Claims(Protocol):
    """Which bundles of a registry's steps one runner runs, when several processes share a run
    (see :mod:`aws_integration.steps.shares`): each bundle is taken by exactly one of them."""

    bundles: Sequence[tuple[str, ...]]  # the step and mapper IDs of each bundle
    in_flight: int  # the bundles a runner works on at once

    def take(self) -> int | None:
        """The next bundle no runner has taken, now this one's; None once every bundle is taken."""
        ...


class Target(abc.ABC):
    """What one run collects from (an AWS account, a SentinelOne console), as its integration reaches it."""

    integration: str  # the integration's name: "aws", "sentinelone"
    system: str  # how users name the system in a sentence: "AWS", "the SentinelOne console"
    id: str
    name: str | None = None
    root_type: str | None = None  # the entity every ``owned_by_account`` type hangs from
    root_key: str | None = None
    errors: tuple[type[BaseException], ...] = ()  # the system's own errors: a step's failure, not a bug

    @abc.abstractmethod
    def scopes(self, step: Step | None = None) -> set[str]:
        """The scopes ``step`` covers wherever it can run (``""``: not in one); without a step, every scope of the run."""

    @abc.abstractmethod
    async def unit_scopes(self, step: Step) -> list[str | None]:
        """The units ``step`` runs in (None: one unit without a scope)."""

    @abc.abstractmethod
    def unit(self, step: Step, scope: str | None, dependencies: Mapping[str, list[tuple[Any, RawItem]]]) -> UnitFetch:
        """The fetch of one unit of ``step``; ``dependencies`` are the raw items of the steps it depends on."""

    def excluded(self, step: Step) -> str | None:
        """Why the configuration leaves ``step`` out, or None when it runs."""
        return None

    def place(self, scope: str | None) -> str:
        """A unit's scope in a message."""
        return scope or "global"


@dataclass
class CollectedGraph:
    """A run's graph and report, ready for the store.

    ``entities`` and ``relationships`` are the graph when the run held it in memory
    (no sink was given); they are empty when the graph went to a sink as it was collected.
    ``units`` is the run's scope: the (type, scope) pairs it collected successfully
    (scope: an AWS region, or ``""`` for a global step), the only ones in which the store
    may replace what earlier runs stored.
    """

    entities: list[Entity]
    relationships: list[Relationship]
    report: RunReport
    partial_entity_types: set[str]
    partial_relationship_types: set[str]
    units: frozenset[tuple[str, str]] = frozenset()
    missed: frozenset[tuple[str, str]] = frozenset()  # pairs some step producing the type should have collected


@dataclass
class _UnitResult:
    scope: str | None
    items: list[tuple[Any, RawItem]] = field(default_factory=list)
    entities: int = 0
    relationships: int = 0
    denied: PermissionDenied | None = None
    unsupported: NotImplementedByEndpoint | None = None
    error: str | None = None
    api_calls: int = 0
    retries: int = 0
    longest_chain: int = 0
    allowed_actions: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Contract:
    """What a step or mapper declared it produces: the only types it may emit (the declaration is the contract)."""

    step_id: str
    entity_types: frozenset[str]
    relationship_types: frozenset[tuple[str, str, str]]
    owned_by_account: frozenset[str]

    @classmethod
    def of(cls, step: AnyStep) -> Contract:
        """The contract ``step`` declares."""
        return cls(
            step.id,
            frozenset(decl.type for decl in step.entities),
            frozenset((rel.from_type, rel.verb, rel.to_type) for rel in step.all_relationships),
            frozenset(decl.type for decl in step.entities if decl.owned_by_account),
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

    def __init__(self, runner: StepRunner, contract: Contract, unit: int, scope: str) -> None:
        self._runner = runner
        self._contract = contract
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
            target = self._runner.target
            if produced.type == target.root_type and self._runner.root_name is None:
                self._runner.root_name = produced.display_name
            if produced.type in self._contract.owned_by_account and target.root_key and target.root_type:
                self.add(Relationship(target.root_key, target.root_type, "HAS", produced.key, produced.type))
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


class StepRunner:
    """Runs a registry's steps against one target.

    With ``tag_with_account_name``, every entity gets ``tag.AccountName``: ``account_name``
    when given, else the root entity's display name, else the target's ID. With ``claims``,
    it runs only the bundles of steps it takes, and reports only those.
    """

    def __init__(
        self,
        registry: StepRegistry,
        target: Target,
        sink: GraphSink | None = None,
        *,
        account_name: str | None = None,
        tag_with_account_name: bool = False,
        claims: Claims | None = None,
    ) -> None:
        self.registry = registry
        self.target = target
        self._tag = tag_with_account_name
        self._given_name = account_name
        self.root_name: str | None = None  # the root entity's display name, once collected
        self._chain_ends: dict[str, int] = {}
        self._results: dict[str, StepResult] = {}
        self._raw: DependencyItems = {}
        # Raw items are kept only for the steps and mappers that read them: the rest go as soon
        # as they are transformed (a large account's instances would otherwise stay in memory twice).
        self._read_later = {dependency for step in registry.all_steps for dependency in step.depends_on}
        self._sink: GraphSink = sink if sink is not None else InMemoryGraph()
        self._units = itertools.count(1)
        self.held_types = frozenset(name for mapper in registry.mappers for name in mapper.enriches)
        self._held: dict[str, Entity] = {}
        # Per step: the scopes it collected, and those it should have.
        self._coverage: dict[str, tuple[set[str], set[str]]] = {}
        self._root_step = self._root_step_tagging()
        self._root_settled = asyncio.Event()  # set once the root entity's step is over
        self._claims = claims
        self._claimed: set[str] = set()  # with claims: the steps and mappers of the bundles taken

    async def run(self, started: datetime | None = None) -> CollectedGraph:
        """Run every step (or, with claims, the bundles this runner takes), then the mappers, and build the report."""
        started = started or datetime.now(timezone.utc)
        clock = time.monotonic()
        chain_start = CALL_CHAIN.get()
        tasks: dict[str, asyncio.Task[StepResult]] = {}
        try:
            if self._claims is None:
                for step in self.registry.steps:
                    self._start(step, tasks)
                await asyncio.gather(*tasks.values())
            else:
                await self._run_claimed(tasks)
        except BaseException:  # the sink failed, or the run was stopped: no step goes on alone
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            raise
        for mapper in self.registry.mappers:
            if self._claims is None or mapper.id in self._claimed:
                self._results[mapper.id] = self._run_mapper(mapper)
        self._hand_over(list(self._held.values()), [])  # the mappers are done with them
        self._held.clear()
        ordered = [self._results[step.id] for step in self.registry.all_steps if step.id in self._results]
        report = RunReport(
            integration=self.target.integration,
            target_id=self.target.id,
            target_name=self.target.name or self.root_name,
            started_at=started.isoformat(timespec="seconds"),
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            seconds=time.monotonic() - clock,
            steps=ordered,
            entity_counts=self._sink.entity_counts(),
            relationship_counts=self._sink.relationship_counts(),
            api_calls=sum(result.api_calls for result in ordered),
            retries=sum(result.retries for result in ordered),
            longest_call_chain=max(self._chain_ends.values(), default=chain_start),
        )
        units, missed = self._collected_units(ordered)
        report.scope = scope_by_type(units)
        partial = [result for result in ordered if result.status is not StepStatus.SUCCESS]
        in_memory = self._sink if isinstance(self._sink, InMemoryGraph) else InMemoryGraph()
        return CollectedGraph(
            entities=list(in_memory.entities.values()),
            relationships=list(in_memory.relationships.values()),
            report=report,
            partial_entity_types={name for result in partial for name in result.entity_types},
            partial_relationship_types={name for result in partial for name in result.relationship_types},
            units=units,
            missed=missed,
        )

    def _start(self, step: Step, tasks: dict[str, asyncio.Task[StepResult]]) -> asyncio.Task[StepResult]:
        task = tasks[step.id] = asyncio.create_task(self._run_step(step, tasks))
        if step.id == self._root_step:
            task.add_done_callback(lambda _: self._root_settled.set())
        return task

    async def _run_claimed(self, tasks: dict[str, asyncio.Task[StepResult]]) -> None:
        """Run the bundles this runner claims, ``in_flight`` at a time, until every bundle is someone's."""
        assert self._claims is not None
        steps = {step.id: step for step in self.registry.steps}
        running: set[asyncio.Future[list[StepResult]]] = set()
        try:
            while True:
                while len(running) < self._claims.in_flight and (index := self._claims.take()) is not None:
                    bundle = self._claims.bundles[index]
                    self._claimed.update(bundle)
                    started = [self._start(steps[step_id], tasks) for step_id in bundle if step_id in steps]
                    running.add(asyncio.gather(*started))
                if not running:
                    return
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    finished.result()  # a failed sink ends the run
        except BaseException:
            for bundle in running:
                bundle.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise

    def _collected_units(self, results: list[StepResult]) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
        """The (type, scope) pairs every step producing the type collected: the run's scope; and the pairs missed.

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
        return (frozenset((name, scope) for name, scopes in collected.items() for scope in scopes - missed[name]),
                frozenset((name, scope) for name, scopes in missed.items() for scope in scopes))

    def emit(self, unit: int, entities: list[Entity], relationships: list[Relationship]) -> None:
        """Hand records to the sink, tagged with the account's name when the user asked for it.

        The name is the one given, else the root entity's (AWS: the account's alias, else
        its ID): the root's step then runs before the others (see ``_run_step``).
        """
        if entities and self._tag:
            name = self._given_name or self.root_name or self.target.id  # the root is noted as it is taken
            for entity in entities:
                entity.properties[TAG_NAME] = name
        self._sink.add(unit, entities, relationships)

    def _root_step_tagging(self) -> str | None:
        """The step of the root entity, when entities are tagged with its name (none was given)."""
        if not self._tag or self._given_name:
            return None
        return next((other.id for other in self.registry.steps
                     if any(entity.type == self.target.root_type for entity in other.entities)), None)

    def _waits_for_root_name(self, step: Step) -> str | None:
        """The root entity's step, when ``step`` must wait for it to know the name it tags entities with."""
        return self._root_step if self._root_step != step.id else None

    async def named(self) -> None:
        """Wait until the name :meth:`emit` tags entities with is known (at once unless it is the root entity's)."""
        if self._root_step is not None:
            await self._root_settled.wait()

    def new_unit(self) -> int:
        """A unit number no unit of this run has, for records another process collected and hands over here."""
        return next(self._units)

    def _hand_over(self, entities: list[Entity], relationships: list[Relationship]) -> None:
        """Hand records produced all at once to the sink, a page at a time, as one unit that succeeded."""
        unit = next(self._units)
        for start in range(0, max(len(entities), len(relationships)), PAGE_RECORDS):
            self.emit(unit, entities[start:start + PAGE_RECORDS], relationships[start:start + PAGE_RECORDS])
        self._sink.keep(unit)

    def _new_result(self, step: AnyStep, status: StepStatus) -> StepResult:
        return StepResult(
            step_id=step.id,
            name=step.name,
            status=status,
            entity_types=[decl.type for decl in step.entities],
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

    def _excluded(self, step: Step) -> StepResult | None:
        """A disabled result when the configuration leaves the step out; the root entity is always collected."""
        if any(entity.type == self.target.root_type for entity in step.entities):
            return None
        why = self.target.excluded(step)
        if why is None:
            return None
        result = self._new_result(step, StepStatus.DISABLED)
        result.reason = DisabledReason.CONFIG
        result.message = why
        return result

    async def _run_step(self, step: Step, tasks: dict[str, asyncio.Task[StepResult]]) -> StepResult:
        root_step = self._waits_for_root_name(step)
        waits_for = (*step.depends_on, *((root_step,) if root_step else ()))
        for dependency in waits_for:
            await tasks[dependency]
        CALL_CHAIN.set(max((self._chain_ends[dep] for dep in waits_for), default=CALL_CHAIN.get()))
        blocked = self._parent_problem(step) or self._excluded(step)
        if blocked:
            self._coverage[step.id] = (set(), self.target.scopes(step))  # it collected nothing where it would have run
            self._results[step.id] = blocked
            self._chain_ends[step.id] = CALL_CHAIN.get()
            return blocked
        clock = time.monotonic()
        unit_scopes = await self.target.unit_scopes(step)
        units = await asyncio.gather(*(self._run_unit(step, scope) for scope in unit_scopes))
        result = self._aggregate(step, units)
        self._coverage[step.id] = ({unit.scope or "" for unit in units if not (unit.error or unit.denied or unit.unsupported)},
                                   {scope or "" for scope in unit_scopes})
        self._chain_ends[step.id] = max((unit.longest_chain for unit in units), default=CALL_CHAIN.get())
        result.seconds = time.monotonic() - clock
        result.regions = [scope for scope in unit_scopes if scope]
        self._results[step.id] = result
        log.info(
            "%s: %s, %d entities, %d relationships, %d API calls, %.2f s%s",
            step.id, result.status.value, result.entities, result.relationships, result.api_calls, result.seconds,
            f" ({result.message})" if result.message else "",
        )
        return result

    async def _run_unit(self, step: Step, scope: str | None) -> _UnitResult:
        dependencies = {dep: self._raw.get(dep, []) for dep in step.depends_on}
        fetch = self.target.unit(step, scope, dependencies)
        unit = _UnitResult(scope=scope)
        writer = _UnitWriter(self, Contract.of(step), next(self._units), scope or "")
        place = self.target.place(scope)
        try:
            read_later = step.id in self._read_later
            async with contextlib.aclosing(fetch.items()) as items:
                async for item in items:  # each page is transformed as it arrives, and handed on
                    if read_later:
                        unit.items.append((fetch.context, item))
                    for produced in step.transform(item, fetch.context):
                        writer.add(produced)
            writer.flush()
        except SinkError:
            raise
        except PermissionDenied as denied:
            unit = _UnitResult(scope=scope, denied=denied)
        except NotImplementedByEndpoint as unsupported:
            unit = _UnitResult(scope=scope, unsupported=unsupported)
        except (*self.target.errors, GraphError) as error:
            unit = _UnitResult(scope=scope, error=f"{place}: {brief(error)}")
        except KeyError as missing:  # the system left out a field the transform needs: name it, fail the step
            unit = _UnitResult(
                scope=scope,
                error=f"{place}: a resource {self.target.system} described has no field {missing.args[0]!r}, "
                      f"which {step.id} needs",
            )
        except Exception as error:  # a transform bug must fail its step, not the run
            log.exception("step %s failed in %s", step.id, place)
            unit = _UnitResult(scope=scope, error=f"{place}: {type(error).__name__}: {brief(error)}")
        if unit.error or unit.denied or unit.unsupported:  # a unit that fails contributes nothing
            self._sink.discard(writer.unit)
        else:
            self._sink.keep(writer.unit)
            self._held.update((entity.key, entity) for entity in writer.held)
            unit.entities, unit.relationships = writer.entity_count, writer.relationship_count
        unit.api_calls = fetch.api_calls
        unit.retries = fetch.retries
        unit.longest_chain = fetch.longest_chain
        unit.allowed_actions = fetch.allowed_actions
        return unit

    def _aggregate(self, step: Step, units: list[_UnitResult]) -> StepResult:
        result = self._new_result(step, StepStatus.SUCCESS)
        result.api_calls = sum(unit.api_calls for unit in units)
        result.retries = sum(unit.retries for unit in units)
        result.allowed_actions = sorted(set().union(*(unit.allowed_actions for unit in units)))
        result.errors = [unit.error for unit in units if unit.error]
        result.denied = [Denial(unit.denied.what, unit.denied.where, unit.denied.why) for unit in units if unit.denied]
        if result.errors:
            result.status = StepStatus.FAILURE
            result.message = result.errors[0]
        elif result.denied:
            result.status = StepStatus.DISABLED
            result.reason = DisabledReason.PERMISSION
            result.message = f"{self.target.system} denied " + ", ".join(result.denied_actions)
        elif unsupported := sorted({unit.unsupported.what for unit in units if unit.unsupported}):
            result.status = StepStatus.DISABLED
            result.reason = DisabledReason.NOT_IMPLEMENTED
            result.message = "the endpoint does not implement " + ", ".join(unsupported)
        # What the successful units saw is kept even when others failed: their types are
        # marked partial, so the store keeps earlier data for everything else.
        self._raw[step.id] = [pair for unit in units for pair in unit.items]
        result.entities = sum(unit.entities for unit in units)
        result.relationships = sum(unit.relationships for unit in units)
        return result

    def _run_mapper(self, mapper: MapperDecl) -> StepResult:
        result = self._map(mapper)
        everywhere = self.target.scopes()
        self._coverage[mapper.id] = (everywhere if result.status is StepStatus.SUCCESS else set(), everywhere)
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
            contract = Contract.of(mapper)
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


def scope_by_type(units: frozenset[tuple[str, str]]) -> dict[str, list[str]]:
    """The run's scope for the report: each type with the scopes (or ``global``) it was collected in."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_name, scope in sorted(units):
        by_type[type_name].append(scope or "global")
    return dict(by_type)
