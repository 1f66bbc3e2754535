"""What every integration's steps declare: the types they produce and the steps they need first.

An integration's own step type (AWS's ``StepDecl``, with its API calls and IAM actions;
SentinelOne's, with its endpoints) satisfies :class:`Step`. The runner, the store's
contract checks, alert validation and the data-model docs read only these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from aws_integration.graph.model import Entity, EntityPatch, Relationship, relationship_type
from aws_integration.graph.properties import Property

RawItem = dict[str, Any]
Transform = Callable[[RawItem, Any], Iterable[Entity | Relationship]]
Mapper = Callable[[Mapping[str, list[tuple[Any, RawItem]]]], Iterable[EntityPatch | Relationship]]


@dataclass(frozen=True)
class EntityDecl:
    """An entity type a step produces, and the properties it carries.

    ``owned_by_account`` makes the runner add ``<root type> HAS <type>`` for each one,
    from the root entity of the run's target (AWS: its ``aws_account``). ``properties``
    are the type's own; those every entity of an integration carries (AWS's
    ``accountId``) are its registry's ``common_properties``.
    """

    type: str
    classes: tuple[str, ...]
    description: str
    owned_by_account: bool = True
    properties: tuple[Property, ...] = ()


@dataclass(frozen=True)
class RelationshipDecl:
    """A relationship type a step produces."""

    from_type: str
    verb: str
    to_type: str
    properties: tuple[Property, ...] = ()

    @property
    def type(self) -> str:
        """The derived relationship ``_type``."""
        return relationship_type(self.from_type, self.verb, self.to_type)


class Step(Protocol):
    """A collector step as the runner sees it, whatever integration declares it.

    ``group`` is what the configuration includes or excludes (an AWS service; a
    SentinelOne endpoint family). ``transform`` is a pure function from one raw item
    (and the context of the unit that fetched it) to entities and relationships.
    """

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def entities(self) -> tuple[EntityDecl, ...]: ...
    @property
    def depends_on(self) -> tuple[str, ...]: ...
    @property
    def all_relationships(self) -> tuple[RelationshipDecl, ...]: ...
    @property
    def transform(self) -> Transform: ...


@dataclass(frozen=True)
class MapperDecl:
    """A derivation over other steps' raw items (no calls of its own).

    It runs once all ``depends_on`` steps succeeded, and returns property patches for
    entities those steps produced (``enriches``) and relationships of its own.
    """

    id: str
    name: str
    depends_on: tuple[str, ...]
    enriches: tuple[str, ...]
    map: Mapper
    relationships: tuple[RelationshipDecl, ...] = ()

    @property
    def all_relationships(self) -> tuple[RelationshipDecl, ...]:
        """The relationships the mapper produces."""
        return self.relationships

    @property
    def entities(self) -> tuple[EntityDecl, ...]:
        """Mappers produce no entities of their own."""
        return ()

    @property
    def iam_actions(self) -> tuple[str, ...]:
        """Mappers make no API calls."""
        return ()


AnyStep = Step | MapperDecl
