"""Where a run's graph goes while its steps produce it.

The runner hands a sink each unit's records (one step in one region) a page at a time,
as they are transformed, then says how the unit ended: ``keep`` when it succeeded,
``discard`` when it failed, which takes back everything the unit added (a failed unit
contributes nothing, as if it had not run). A key added twice names one record: the
one added last wins.

:class:`InMemoryGraph` keeps the graph in dictionaries; the store's staging sink
writes each page to the store as it comes, so a large account is never held whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from aws_integration.graph.model import Entity, Relationship


class SinkError(Exception):
    """The sink cannot take records: the run cannot go on."""


class GraphSink(Protocol):
    """What the runner writes a run's graph to."""

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        """Records one unit produced (more may follow for the same unit)."""

    def keep(self, unit: int) -> None:
        """The unit succeeded: its records are part of the run's graph."""

    def discard(self, unit: int) -> None:
        """The unit failed: take back every record it added."""

    def entity_counts(self) -> dict[str, int]:
        """Entities kept so far, by type."""

    def relationship_counts(self) -> dict[str, int]:
        """Relationships kept so far, by type."""


class InMemoryGraph:
    """A sink that holds the graph in memory: what a library caller or a test gets back."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.relationships: dict[str, Relationship] = {}
        self._pending: dict[int, tuple[list[Entity], list[Relationship]]] = {}

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        """Hold a unit's records until it ends."""
        pending_entities, pending_relationships = self._pending.setdefault(unit, ([], []))
        pending_entities.extend(entities)
        pending_relationships.extend(relationships)

    def keep(self, unit: int) -> None:
        """Add the unit's records to the graph."""
        entities, relationships = self._pending.pop(unit, ([], []))
        self.entities.update((entity.key, entity) for entity in entities)
        self.relationships.update((relationship.key, relationship) for relationship in relationships)

    def discard(self, unit: int) -> None:
        """Drop the unit's records."""
        self._pending.pop(unit, None)

    def entity_counts(self) -> dict[str, int]:
        """Entities in the graph, by type."""
        return dict(Counter(entity.type for entity in self.entities.values()))

    def relationship_counts(self) -> dict[str, int]:
        """Relationships in the graph, by type."""
        return dict(Counter(relationship.type for relationship in self.relationships.values()))
