"""A run shared by several processes: which steps go together, and one report from all of them.

Steps that read each other's raw items, mappers and the steps whose entities they
enrich, and steps of the same group (an AWS service: its clients are created once per
process) form a bundle, which one process runs whole on the neutral runner. Processes
take bundles as they have room for them (:class:`~aws_integration.steps.runner.Claims`),
heaviest first: how much work a bundle is depends on the account (a thousand buckets,
ten thousand instances), so no split made in advance would stay balanced.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence

from aws_integration.graph.sink import GraphSink, InMemoryGraph
from aws_integration.steps.declarations import AnyStep
from aws_integration.steps.registry import StepRegistry
from aws_integration.steps.report import RunReport, StepResult, StepStatus
from aws_integration.steps.runner import CollectedGraph, scope_by_type


def _bundles(registry: StepRegistry) -> list[list[AnyStep]]:
    """The steps that must share a process, each bundle in registry order."""
    leader: dict[str, str] = {step.id: step.id for step in registry.all_steps}

    def find(step_id: str) -> str:
        while leader[step_id] != step_id:
            leader[step_id] = leader[leader[step_id]]
            step_id = leader[step_id]
        return step_id

    def join(first: str, second: str) -> None:
        leader[find(first)] = find(second)

    by_group: dict[str, str] = {}
    enriched_by: dict[str, str] = {}
    for mapper in registry.mappers:
        for type_name in mapper.enriches:
            enriched_by[type_name] = mapper.id
    for step in registry.all_steps:
        for dependency in step.depends_on:
            join(step.id, dependency)
        group = getattr(step, "group", None)
        if group is not None:
            join(step.id, by_group.setdefault(group, step.id))
        for entity in step.entities:
            if entity.type in enriched_by:
                join(step.id, enriched_by[entity.type])
    bundles: dict[str, list[AnyStep]] = defaultdict(list)
    for step in registry.all_steps:
        bundles[find(step.id)].append(step)
    return list(bundles.values())


def ordered_bundles(registry: StepRegistry, weigh: Callable[[AnyStep], float],
                    first: Callable[[AnyStep], bool] = lambda step: False) -> list[tuple[str, ...]]:
    """The step IDs of each bundle, the one holding a step ``first`` picks (the target's root
    entity, which the parent takes) first, then the heaviest first, so that the last bundles
    taken, which decide when the run ends, are the lightest."""
    bundles = _bundles(registry)
    bundles.sort(key=lambda bundle: (not any(first(step) for step in bundle), -sum(weigh(step) for step in bundle)))
    return [tuple(step.id for step in bundle) for bundle in bundles]


def lost_steps(registry: StepRegistry, step_ids: set[str], why: str, scopes: set[str]) -> CollectedGraph:
    """The result of steps whose process ended without a report: each failed with ``why``, and their
    types were missed in every scope of the run (``scopes``), so no other step's records replace them there."""
    steps = [StepResult(step_id=step.id, name=step.name, status=StepStatus.FAILURE, message=why, errors=[why],
                        entity_types=[decl.type for decl in step.entities],
                        relationship_types=sorted({rel.type for rel in step.all_relationships}))
             for step in registry.all_steps if step.id in step_ids]
    report = RunReport(integration="", target_id="", target_name=None, started_at="", finished_at="", seconds=0.0,
                       steps=steps, entity_counts={}, relationship_counts={}, api_calls=0)
    entity_types = {name for step in steps for name in step.entity_types}
    relationship_types = {name for step in steps for name in step.relationship_types}
    missed = frozenset((name, scope) for name in entity_types | relationship_types for scope in scopes)
    return CollectedGraph([], [], report, entity_types, relationship_types, missed=missed)


def merged(registry: StepRegistry, parts: Sequence[CollectedGraph], sink: GraphSink) -> CollectedGraph:
    """One run's graph and report from its shares' (the parent's first), counted on the sink they all wrote to."""
    own = parts[0]
    results = {result.step_id: result for part in parts for result in part.report.steps}
    report = dataclasses.replace(
        own.report,
        steps=[results[step.id] for step in registry.all_steps if step.id in results],
        entity_counts=sink.entity_counts(),
        relationship_counts=sink.relationship_counts(),
        api_calls=sum(part.report.api_calls for part in parts),
        retries=sum(part.report.retries for part in parts),
        longest_call_chain=max(part.report.longest_call_chain for part in parts),
        target_name=own.report.target_name,
    )
    units = frozenset().union(*(part.units for part in parts)) - frozenset().union(*(part.missed for part in parts))
    report.scope = scope_by_type(units)
    in_memory = sink if isinstance(sink, InMemoryGraph) else None
    return CollectedGraph(
        entities=list(in_memory.entities.values()) if in_memory else [],
        relationships=list(in_memory.relationships.values()) if in_memory else [],
        report=report,
        partial_entity_types=set().union(*(part.partial_entity_types for part in parts)),
        partial_relationship_types=set().union(*(part.partial_relationship_types for part in parts)),
        units=units,
        missed=frozenset().union(*(part.missed for part in parts)),
    )
