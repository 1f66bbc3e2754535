"""A registry: one integration's steps and mappers, checked for consistency once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.properties import Property, property_problems
from aws_integration.steps.declarations import AnyStep, EntityDecl, MapperDecl, RelationshipDecl


class RegistryError(ValueError):
    """Declarations contradict each other (duplicate ids, unknown or cyclic dependencies)."""


@dataclass(frozen=True)
class StepRegistry:
    """An ordered, validated set of steps and mappers.

    ``common_properties`` are those every entity of the integration carries besides
    its type's own (AWS: ``accountId``, ``region`` and what tags give).
    """

    steps: tuple[Any, ...]
    mappers: tuple[MapperDecl, ...] = ()
    common_properties: tuple[Property, ...] = ()

    def __post_init__(self) -> None:
        ids = [step.id for step in self.all_steps]
        duplicates = {step_id for step_id in ids if ids.count(step_id) > 1}
        if duplicates:
            raise RegistryError(f"duplicate step ids: {sorted(duplicates)}")
        step_ids = {step.id for step in self.steps}
        for step in self.all_steps:
            unknown = set(step.depends_on) - step_ids
            if unknown:
                raise RegistryError(f"step {step.id} depends on unknown steps {sorted(unknown)}")
        types = [entity.type for step in self.steps for entity in step.entities]
        repeated = {name for name in types if types.count(name) > 1}
        if repeated:
            raise RegistryError(f"entity types declared by more than one step: {sorted(repeated)}")
        self._check_acyclic()

    def _check_acyclic(self) -> None:
        by_id = {step.id: step for step in self.steps}
        done: set[str] = set()

        def visit(step_id: str, path: tuple[str, ...]) -> None:
            if step_id in path:
                raise RegistryError("dependency cycle: " + " -> ".join(path + (step_id,)))
            if step_id in done:
                return
            for dependency in by_id[step_id].depends_on:
                visit(dependency, path + (step_id,))
            done.add(step_id)

        for step_id in by_id:
            visit(step_id, ())

    @property
    def all_steps(self) -> tuple[AnyStep, ...]:
        """Collector steps, then mappers."""
        return self.steps + self.mappers

    def step(self, step_id: str) -> AnyStep:
        """The step or mapper with this id."""
        for step in self.all_steps:
            if step.id == step_id:
                return step  # type: ignore[no-any-return]
        raise KeyError(step_id)

    @cached_property
    def groups(self) -> frozenset[str]:
        """What the configuration can include or exclude (AWS: the services the steps read)."""
        return frozenset(step.group for step in self.steps)

    @cached_property
    def entity_decls(self) -> dict[str, EntityDecl]:
        """Every declared entity type."""
        return {entity.type: entity for step in self.steps for entity in step.entities}

    @cached_property
    def relationship_decls(self) -> dict[str, tuple[RelationshipDecl, AnyStep]]:
        """Every declared relationship type and the step that produces it."""
        found: dict[str, tuple[RelationshipDecl, AnyStep]] = {}
        for step in self.all_steps:
            for relationship in step.all_relationships:
                found.setdefault(relationship.type, (relationship, step))
        return found

    @cached_property
    def _declared_properties(self) -> dict[str, dict[str, Property]]:
        by_type: dict[str, dict[str, Property]] = {}
        for name, entity in self.entity_decls.items():
            by_type[name] = {prop.name: prop for prop in (*self.common_properties, *entity.properties)}
        for step in self.all_steps:  # a relationship type several steps produce has all their properties
            for relationship in step.all_relationships:
                own = by_type.setdefault(relationship.type, {})
                own.update((prop.name, prop) for prop in relationship.properties)
        return by_type

    def properties_of(self, type_name: str) -> dict[str, Property]:
        """The declared properties of an entity or relationship type, by name (``KeyError`` if undeclared)."""
        return self._declared_properties[type_name]

    def property_problems(self, record: Entity | Relationship) -> list[str]:
        """What in a record its declarations do not say: undeclared properties, values of another kind."""
        what = f"{record.type} {record.key!r}"
        return property_problems(record.properties or {}, self.properties_of(record.type), what)
