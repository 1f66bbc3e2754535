"""Declared properties: a name, a JSON type and a one-line description, and the check that a record keeps to them.

Every entity and relationship type declares its properties next to its transform; the
tests check every record a transform makes against them, and the data-model docs,
alert-rule validation and query warnings read them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Kind(str, enum.Enum):
    """The JSON type of a property's value, as the data-model docs name it."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # epoch milliseconds
    STRINGS = "string[]"
    INTEGERS = "integer[]"

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of this kind (``None``, an unknown value, is of every kind)."""
        if value is None:
            return True
        if self in (Kind.STRINGS, Kind.INTEGERS):
            item = Kind.STRING if self is Kind.STRINGS else Kind.INTEGER
            return isinstance(value, list) and all(item.accepts(element) and element is not None for element in value)
        if isinstance(value, bool):
            return self is Kind.BOOLEAN
        if self is Kind.STRING:
            return isinstance(value, str)
        if self in (Kind.INTEGER, Kind.TIMESTAMP):
            return isinstance(value, int)
        return self is Kind.NUMBER and isinstance(value, (int, float))


@dataclass(frozen=True)
class Property:
    """One declared property: its name, JSON type and what it says."""

    name: str
    kind: Kind
    description: str


def described(**properties: str) -> tuple[Property, ...]:
    """Properties written as ``name="<kind>: <one-line description>"``.

    ``described(keyId="string: The key ID.", enabled="boolean: Whether the key can be used.")``
    """
    declared = []
    for name, text in properties.items():
        kind, _, description = text.partition(": ")
        if not description:
            raise ValueError(f"property {name}: write it as '<kind>: <description>'")
        declared.append(Property(name, Kind(kind), description))
    return tuple(declared)


TAG_PREFIX = "tag."


def property_problems(
    properties: Mapping[str, Any], declared: Mapping[str, Property], what: str
) -> list[str]:
    """Each property of a record that is undeclared or not of its declared kind (``tag.*`` is free)."""
    problems = []
    for name, value in properties.items():
        if name.startswith(TAG_PREFIX):
            continue
        found = declared.get(name)
        if found is None:
            problems.append(f"{what} has undeclared property {name!r}")
        elif not found.kind.accepts(value):
            problems.append(f"{what}.{name} is declared {found.kind.value} but is {value!r}")
    return problems
