"""Entities and relationships, and the naming rules users of asset graphs know.

An entity has a stable ``_key``, a ``_type`` (``aws_instance``), one or more
``_class`` values (``Host``), a ``displayName`` and flat properties. A relationship's
``_key`` is ``fromKey|verb|toKey`` and its ``_type`` is derived from the two entity
types and the verb (``aws_vpc_contains_subnet``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

Scalar = Union[str, int, float, bool]
PropertyValue = Union[Scalar, None, list[Scalar]]

_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_VERB_PATTERN = re.compile(r"^[A-Z][A-Z_]*$")
RESERVED_PROPERTIES = frozenset({"_key", "_type", "_class", "displayName"})


class GraphError(ValueError):
    """An entity or relationship breaks the data model's rules."""


@functools.cache  # a handful of (type, verb, type) triples, named for every relationship
def relationship_type(from_type: str, verb: str, to_type: str) -> str:
    """Name a relationship type as ``<fromType>_<verb>_<toType minus shared prefix>``.

    The prefix the two types share, token by token, is dropped from the target type,
    but the target's last token always stays: ``aws_vpc`` CONNECTS ``aws_vpc`` gives
    ``aws_vpc_connects_vpc``.
    """
    from_tokens = from_type.split("_")
    to_tokens = to_type.split("_")
    shared = 0
    while (
        shared < len(from_tokens)
        and shared < len(to_tokens) - 1
        and from_tokens[shared] == to_tokens[shared]
    ):
        shared += 1
    target = "_".join(to_tokens[shared:])
    return f"{from_type}_{verb.lower()}_{target}"


def classes_of(record: Mapping[str, Any]) -> set[str]:
    """The ``_class`` of a stored record (one class or a list) as a set."""
    classes = record.get("_class")
    return {classes} if isinstance(classes, str) else set(classes or ())


def relationship_key(from_key: str, verb: str, to_key: str) -> str:
    """Key a relationship as ``fromKey|verb-lower|toKey``."""
    return f"{from_key}|{verb.lower()}|{to_key}"


def _check_property(name: str, value: Any) -> None:
    if name in RESERVED_PROPERTIES:
        raise GraphError(f"property {name!r} is reserved")
    if value is None or isinstance(value, (str, int, float, bool)):
        return
    if isinstance(value, list) and all(isinstance(item, (str, int, float, bool)) for item in value):
        return
    raise GraphError(
        f"property {name!r} must be a string, number, boolean, null or a list of those, "
        f"not {type(value).__name__}"
    )


@dataclass
class Entity:
    """A node of the graph."""

    key: str
    type: str
    classes: tuple[str, ...]
    display_name: str
    properties: dict[str, PropertyValue] = field(default_factory=dict)
    # The unit of collection that produced it (a region, "" for what has none): a run
    # replaces only the (type, scope) units it collected. Not part of the record.
    scope: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.key:
            raise GraphError(f"{self.type} entity has an empty _key")
        if not _TYPE_PATTERN.match(self.type):
            raise GraphError(f"_type {self.type!r} must be lower_snake_case")
        if not self.classes:
            raise GraphError(f"{self.type} entity {self.key!r} has no _class")
        for name, value in self.properties.items():
            _check_property(name, value)

    def to_dict(self) -> dict[str, Any]:
        """The entity in the bulk-upload shape (``_key``, ``_type``, ``_class`` …)."""
        return {
            "_key": self.key,
            "_type": self.type,
            "_class": self.classes[0] if len(self.classes) == 1 else list(self.classes),
            "displayName": self.display_name,
            **self.properties,
        }


@dataclass(frozen=True)
class EntityPatch:
    """Properties a mapper sets on an entity another step produced."""

    key: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class Relationship:
    """A directed edge between two entities, named by an upper-case verb."""

    from_key: str
    from_type: str
    verb: str
    to_key: str
    to_type: str
    properties: dict[str, PropertyValue] = field(default_factory=dict, hash=False, compare=False)
    scope: str = field(default="", hash=False, compare=False, repr=False)  # as an entity's scope
    qualifier: str = ""  # tells apart several edges of one verb between two entities (one per firewall rule)

    def __post_init__(self) -> None:
        if not self.from_key or not self.to_key:
            raise GraphError(f"{self.type} relationship has an empty endpoint key")
        if not _VERB_PATTERN.match(self.verb):
            raise GraphError(f"relationship verb {self.verb!r} must be upper case")
        for name, value in self.properties.items():
            _check_property(name, value)

    @property
    def key(self) -> str:
        """``fromKey|verb|toKey``, and ``|qualifier`` when it has one."""
        key = relationship_key(self.from_key, self.verb, self.to_key)
        return f"{key}|{self.qualifier}" if self.qualifier else key

    @property
    def type(self) -> str:
        """The derived relationship type, e.g. ``aws_vpc_contains_subnet``."""
        return relationship_type(self.from_type, self.verb, self.to_type)

    def place(self, scope: str) -> None:
        """Set the unit of collection it came from (neither hashed nor compared, so safe to set late)."""
        object.__setattr__(self, "scope", scope)

    def to_dict(self) -> dict[str, Any]:
        """The relationship in the bulk-upload shape."""
        return {
            "_key": self.key,
            "_type": self.type,
            "_class": self.verb,
            "_fromEntityKey": self.from_key,
            "_toEntityKey": self.to_key,
            "displayName": self.verb,
            **self.properties,
        }
