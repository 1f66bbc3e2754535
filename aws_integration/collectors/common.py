"""Helpers every transform uses to build entities and relationships from declarations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from aws_integration.declarations import EntityDecl
from aws_integration.engine.context import TransformContext
from aws_integration.graph.model import Entity, PropertyValue, Relationship
from aws_integration.graph.schema import REQUIRED_PROPERTIES
from aws_integration.graph.tags import flatten_tags

Tags = Iterable[Mapping[str, Any]] | Mapping[str, Any] | None


def to_property(value: Any) -> PropertyValue:
    """Timestamps become epoch milliseconds; everything else passes through."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, (list, tuple)):
        return [to_property(item) for item in value]  # type: ignore[misc]
    return value  # type: ignore[no-any-return]


def build_entity(
    decl: EntityDecl,
    scope: TransformContext,
    *,
    key: str,
    name: str,
    properties: Mapping[str, Any],
    tags: Tags = None,
) -> Entity:
    """An entity of a declared type, with account/region, typed properties and tags.

    Properties that are ``None`` are left out, except those the entity's classes
    require (a DataStore's unknown ``classification`` stays ``null``). Tags come last,
    so a ``classification`` tag fills the property of that name.
    """
    required = {name for entity_class in decl.classes for name in REQUIRED_PROPERTIES.get(entity_class, ())}
    values: dict[str, PropertyValue] = {"accountId": scope.account_id}
    if scope.region:
        values["region"] = scope.region
    for prop, value in properties.items():
        if value is not None or prop in required:
            values[prop] = to_property(value)
    tag_set = flatten_tags(tags)
    values.update(tag_set.properties)
    return Entity(key=key, type=decl.type, classes=decl.classes, display_name=tag_set.name or name, properties=values)


def relate(
    from_decl: EntityDecl, from_key: str, verb: str, to_decl: EntityDecl, to_key: str, **properties: PropertyValue
) -> Relationship:
    """A relationship between two declared entity types."""
    return Relationship(from_key, from_decl.type, verb, to_key, to_decl.type, properties)
