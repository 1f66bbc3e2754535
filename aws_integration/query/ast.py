"""The parsed form of a query."""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Union


class Undefined(enum.Enum):
    """The literal ``undefined``: the property is absent (or null)."""

    UNDEFINED = "undefined"


@dataclass(frozen=True)
class Pattern:
    """A regular expression literal, ``/^web-\\d+$/i``: Python's syntax; flags ``i``, ``m``, ``s``."""

    source: str
    flags: str = ""

    @property
    def inline(self) -> str:
        """The expression with its flags inline (``(?i)^web``), as the store's ``regexp`` function takes it."""
        return f"(?{self.flags}){self.source}" if self.flags else self.source


_FIXED_UNITS = {"millisecond": timedelta(milliseconds=1), "second": timedelta(seconds=1),
                "minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
                "week": timedelta(weeks=1)}
DATE_UNITS = (*_FIXED_UNITS, "month", "year")


@dataclass(frozen=True)
class RelativeDate:
    """``date.now``, or ``date.now - 7 days`` / ``date.now + 1 hour``: an instant relative to when the query runs.

    Months and years are calendar ones (``date.now - 1 month`` on 31 March is the last day of
    February); the other units are fixed lengths.
    """

    amount: int = 0  # signed: date.now - 7 days is -7
    unit: str = "day"

    def at(self, now: datetime) -> datetime:
        """The instant this names when the query runs at ``now``."""
        if self.unit in _FIXED_UNITS:
            return now + self.amount * _FIXED_UNITS[self.unit]
        months = self.amount * (12 if self.unit == "year" else 1)
        year, month = divmod(now.month - 1 + months, 12)
        year += now.year
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


Literal = Union[str, int, float, bool, Undefined, Pattern, RelativeDate]


class Operator(str, enum.Enum):
    """Comparison operators."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    CONTAINS = "~="  # with a regular expression: the expression is found in the value
    STARTS_WITH = "^="
    ENDS_WITH = "$="
    NOT_CONTAINS = "!~="
    NOT_STARTS_WITH = "!^="
    NOT_ENDS_WITH = "!$="

    @property
    def negates(self) -> "Operator | None":
        """The operator this one is the negation of (``!=`` of ``=``), None for a positive one.

        A negation matches exactly where its positive fails, so an entity without the
        property matches ``!= 'x'`` and ``!~= 'x'``.
        """
        return _NEGATIONS.get(self)


_NEGATIONS = {Operator.NE: Operator.EQ, Operator.NOT_CONTAINS: Operator.CONTAINS,
              Operator.NOT_STARTS_WITH: Operator.STARTS_WITH, Operator.NOT_ENDS_WITH: Operator.ENDS_WITH}
TEXT_OPERATORS = frozenset({Operator.CONTAINS, Operator.STARTS_WITH, Operator.ENDS_WITH, Operator.NOT_CONTAINS,
                            Operator.NOT_STARTS_WITH, Operator.NOT_ENDS_WITH})


@dataclass(frozen=True)
class PropertyRef:
    """``alias.property`` on the right of a ``WHERE`` comparison: the value another node or relationship holds."""

    alias: str
    property_name: str


@dataclass(frozen=True)
class Comparison:
    """``<property> <op> <value>``; in ``WHERE``, ``alias.property``, compared with a value or another alias's property."""

    property_name: str
    operator: Operator
    value: Literal | PropertyRef
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


class Direction(str, enum.Enum):
    """Which way a traversal follows its relationships, as ``THAT HAS >>`` / ``THAT HAS <<`` write it."""

    EITHER = ""
    OUT = ">>"  # from the previous node to the next
    IN = "<<"  # from the next node to the previous


@dataclass(frozen=True)
class Traversal:
    """``THAT [!](VERB | (VERB|VERB...) | RELATES TO) [>>|<<] [AS alias] <node>``; no verbs is ``RELATES TO``.

    ``alias`` names the relationship, whose properties ``WHERE`` and ``RETURN`` may read. A
    negated traversal keeps the entities from which the rest of the chain cannot be matched.
    """

    verbs: tuple[str, ...]
    negated: bool
    node: Node
    alias: str | None = None
    direction: Direction = Direction.EITHER


@dataclass(frozen=True)
class OptionalTraversals:
    """``(THAT ... [THAT ...])?`` [AS alias]: traversals that may match or not.

    The steps after it start from its last node where it matched and from the node before
    it as well (J1's "combined results"); ``alias`` names that union of entities.
    """

    traversals: tuple[Traversal, ...]
    alias: str | None = None


Step = Union[Traversal, OptionalTraversals]


AGGREGATES = ("COUNT", "MIN", "MAX", "AVG", "SUM")


@dataclass(frozen=True)
class ReturnItem:
    """``alias.property``, ``alias`` or ``alias.*`` (the whole entity), or an aggregate: ``COUNT(alias)``,
    ``MIN|MAX|AVG|SUM(alias.property)``; ``AS name`` names the column."""

    alias: str
    property_name: str | None = None
    aggregate: str | None = None  # one of AGGREGATES
    name: str | None = None

    @property
    def expression(self) -> str:
        """The item as written, without its name."""
        operand = f"{self.alias}.{self.property_name}" if self.property_name else self.alias
        return f"{self.aggregate}({operand})" if self.aggregate else operand

    @property
    def label(self) -> str:
        """The column name in results."""
        return self.name if self.name is not None else self.expression

    def unnamed(self) -> "ReturnItem":
        """The same item without its column name (to compare what two items compute)."""
        return ReturnItem(self.alias, self.property_name, self.aggregate)


@dataclass(frozen=True)
class Ordering:
    """``ORDER BY <item> [ASC|DESC]``: a property, an entity, an aggregate, or a RETURN column by its name."""

    item: ReturnItem
    descending: bool = False
    position: int = 0


@dataclass(frozen=True)
class Query:
    """A whole query."""

    first: Node
    steps: tuple[Step, ...] = ()
    returns: tuple[ReturnItem, ...] = ()
    limit: int | None = None
    where: Condition | None = None
    order: tuple[Ordering, ...] = ()
    skip: int | None = None
    tree: bool = False  # RETURN TREE: the matched entities and relationships, as a graph

    @property
    def traversals(self) -> tuple[Traversal, ...]:
        """Every traversal, those inside optional groups too, in order."""
        return tuple(traversal for step in self.steps
                     for traversal in (step.traversals if isinstance(step, OptionalTraversals) else (step,)))

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, in order."""
        return (self.first, *(traversal.node for traversal in self.traversals))

    def hops(self) -> Iterator[tuple[tuple[Node, ...], Traversal]]:
        """Each traversal with the nodes it may start from (after an optional group: its last node, or the one before it)."""
        near: tuple[Node, ...] = (self.first,)
        for step in self.steps:
            if isinstance(step, Traversal):
                yield near, step
                near = (step.node,)
                continue
            before = near
            for traversal in step.traversals:
                yield near, traversal
                near = (traversal.node,)
            near = (*before, *near)
