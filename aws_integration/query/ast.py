"""The parsed form of a query."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union


class Undefined(enum.Enum):
    """The literal ``undefined``: the property is absent (or null)."""

    UNDEFINED = "undefined"


Literal = Union[str, int, float, bool, Undefined]


class Operator(str, enum.Enum):
    """Comparison operators."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    CONTAINS = "~="
    STARTS_WITH = "^="
    ENDS_WITH = "$="


@dataclass(frozen=True)
class Comparison:
    """``<property> <op> <value>``; in ``WHERE``, ``alias.property``."""

    property_name: str
    operator: Operator
    value: Literal
    position: int
    alias: str | None = None


@dataclass(frozen=True)
class BooleanOp:
    """``left AND right`` / ``left OR right``."""

    operator: str  # "AND" or "OR"
    left: "Condition"
    right: "Condition"


Condition = Union[Comparison, BooleanOp]


def comparisons(condition: Condition | None) -> Iterator[Comparison]:
    """Every comparison of a condition, left to right."""
    stack = [condition] if condition is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, BooleanOp):
            stack += [item.right, item.left]
        else:
            yield item


@dataclass(frozen=True)
class Target:
    """What a node matches: entity types (lower case), classes (capitalised), or any entity (``*``)."""

    types: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        """``*``: every entity."""
        return not self.types and not self.classes


@dataclass(frozen=True)
class Node:
    """One entity position of the query, with its alias and filter."""

    target: Target
    alias: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Traversal:
    """``THAT [!]VERB [AS alias] <node>``; ``verb`` None is ``RELATES TO`` (any verb).

    ``alias`` names the relationship, whose properties ``WHERE`` and ``RETURN`` may read.
    """

    verb: str | None
    negated: bool
    node: Node
    alias: str | None = None


@dataclass(frozen=True)
class ReturnItem:
    """``alias.property``, ``alias`` (the whole entity) or ``COUNT(alias)``."""

    alias: str
    property_name: str | None = None
    count: bool = False

    @property
    def label(self) -> str:
        """The column name in results."""
        if self.count:
            return f"COUNT({self.alias})"
        return f"{self.alias}.{self.property_name}" if self.property_name else self.alias


@dataclass(frozen=True)
class Query:
    """A whole query."""

    first: Node
    traversals: tuple[Traversal, ...] = ()
    returns: tuple[ReturnItem, ...] = ()
    limit: int | None = None
    where: Condition | None = None

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, in order."""
        return (self.first, *(traversal.node for traversal in self.traversals))
