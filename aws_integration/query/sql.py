"""Compile a parsed query to one SQL statement on the store's tables.

Entities are rows of ``entities`` with their properties as a JSON object; a property
is read with ``json_extract`` at the path ``$."<name>"``, so names with dots, colons
or spaces are single keys. Comparison semantics:

* values compare only with values of the same JSON type: ``2`` never matches ``"2"``,
  ``true`` never matches ``1``;
* a list property matches when any of its items does;
* ``= undefined`` matches an absent or null property, ``!= undefined`` a present one;
* ``!=`` is the negation of ``=``: an entity without the property matches ``!= 'x'``;
* ``~=``, ``^=``, ``$=`` (contains, starts with, ends with) apply to strings, case-sensitively;
  ``~= /regex/flags`` is true where the expression is found in the value (the store's
  ``regexp`` function, Python's syntax); ``!~=``, ``!^=``, ``!$=`` are their negations;
* a date (an ISO literal, ``date.now - 7 days``) compares as an instant with a number
  property (epoch milliseconds) and with a text property holding an ISO date.

Traversals ignore direction (``THAT HAS`` follows HAS edges either way), as users of
asset graphs expect; ``THAT !VERB`` keeps the entities with no such neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aws_integration.query.ast import (
    BooleanOp,
    Comparison,
    Condition,
    Literal,
    Node,
    Operator,
    Pattern,
    Query,
    RelativeDate,
    ReturnItem,
    Undefined,
    comparisons,
)

_SQL_OPERATORS = {Operator.EQ: "=", Operator.LT: "<", Operator.LE: "<=", Operator.GT: ">", Operator.GE: ">="}
_COLUMNS = {"_key": "key", "_type": "type", "displayName": "display_name", "_source": "source"}
_EDGE_COLUMNS = {"_key": "key", "_type": "type", "_class": "verb", "displayName": "verb", "_source": "source",
                 "_fromEntityKey": "from_key", "_toEntityKey": "to_key"}
_EDGES = (
    "edges(near, far, verb, key, type, source, from_key, to_key, properties) AS ("
    "SELECT from_key, to_key, verb, key, type, source, from_key, to_key, properties FROM relationships "
    "UNION ALL SELECT to_key, from_key, verb, key, type, source, from_key, to_key, properties FROM relationships "
    "WHERE from_key != to_key)"
)


class QueryError(ValueError):
    """A query that parses but cannot be answered (e.g. ``<`` on a boolean)."""


@dataclass(frozen=True)
class CompiledQuery:
    """SQL with its parameters; every selected column is JSON text."""

    sql: str
    params: dict[str, Any]
    columns: tuple[str, ...]
    entities: bool  # True: one column, the first node's entity records


def _json_types(value: Literal) -> tuple[str, ...]:
    if isinstance(value, bool):
        return ("true",) if value else ("false",)
    if isinstance(value, (int, float)):
        return ("integer", "real")
    return ("text",)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")


def epoch_millis(value: Literal) -> int | None:
    """An ISO 8601 date or time as epoch milliseconds (UTC when it names no zone); None for other literals."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def _instant(text: str) -> str:
    """SQL for the epoch milliseconds of an ISO date text (NULL when it is none)."""
    return f"CAST(round((julianday({text}) - 2440587.5) * 86400000.0) AS INTEGER)"


def _path(name: str) -> str:
    if '"' in name:
        raise QueryError(f"property names cannot contain double quotes: {name!r}")
    return f'$."{name}"'


@dataclass
class _Compiler:
    now: datetime
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, *values: Any) -> str:
        """Named parameters for ``values`` (named, so fragments may be assembled in any order)."""
        names = []
        for value in values:
            name = f"p{len(self.params)}"
            self.params[name] = value
            names.append(f":{name}")
        return ", ".join(names)

    # -- values -------------------------------------------------------------------------
    def _value_test(self, expression: str, comparison: Comparison) -> str:
        """SQL true when ``expression`` (already of the literal's JSON type) satisfies the comparison."""
        operator, value = comparison.operator, comparison.value
        if isinstance(value, bool):
            if operator is not Operator.EQ:
                raise QueryError(f"{comparison.property_name} {operator.value} {str(value).lower()}: booleans compare "
                                 f"only with = and !=")
            return "1"
        if operator in _SQL_OPERATORS:
            return f"{expression} {_SQL_OPERATORS[operator]} {self.bind(value)}"
        if isinstance(value, Pattern):
            return f"{expression} REGEXP {self.bind(value.inline)}"
        if not isinstance(value, str):
            raise QueryError(f"{comparison.property_name} {operator.value} {value}: ~=, ^= and $= need a quoted string")
        if operator is Operator.CONTAINS:
            return f"instr({expression}, {self.bind(value)}) > 0"
        if operator is Operator.STARTS_WITH:
            return f"instr({expression}, {self.bind(value)}) = 1"
        return (f"(length({expression}) >= length({self.bind(value)}) "
                f"AND substr({expression}, length({expression}) - length({self.bind(value)}) + 1) = {self.bind(value)})")

    def _positive(self, entity: str, comparison: Comparison, edge: bool = False) -> str:
        """SQL true when the entity's (or, with ``edge``, the relationship's) property satisfies the comparison
        read as ``=``/``<``/... (never NULL)."""
        name, value = comparison.property_name, comparison.value
        if isinstance(value, RelativeDate):
            value = int(value.at(self.now).timestamp() * 1000)
            comparison = Comparison(name, comparison.operator, value, comparison.position)
            if comparison.operator not in _SQL_OPERATORS:
                raise QueryError(f"{name} {comparison.operator.value} date.now: dates compare with =, !=, <, <=, >, >=")
            return self._date_test(entity, comparison)
        columns = _EDGE_COLUMNS if edge else _COLUMNS
        if name in columns:
            if not isinstance(value, (str, Pattern)):  # these are always present, and always strings
                return "0"
            return f"({self._value_test(f'{entity}.{columns[name]}', comparison)})"
        if name == "_class":
            if not isinstance(value, (str, Pattern)):
                return "0"
            test = self._value_test("c.value", comparison)
            return f"EXISTS (SELECT 1 FROM json_each({entity}.classes) c WHERE {test})"
        if isinstance(value, Undefined):
            column, path = f"{entity}.properties", self.bind(_path(name))
            return f"COALESCE(json_type({column}, {path}), 'null') = 'null'"
        millis = epoch_millis(value) if comparison.operator in _SQL_OPERATORS else None
        if millis is not None:  # a date: stored as epoch milliseconds (or, in imported data, as ISO text)
            return self._date_test(entity, Comparison(name, comparison.operator, millis, comparison.position))
        return self._property_test(entity, comparison)

    def _date_test(self, entity: str, comparison: Comparison) -> str:
        """A comparison with an instant (``comparison.value`` in epoch milliseconds): a number property
        holds epoch milliseconds, a text one an ISO date (imported data), compared as the instant it names."""
        as_text = self._property_test(entity, comparison, ("text",), _instant)
        return f"({self._property_test(entity, comparison)} OR {as_text})"

    def _property_test(self, entity: str, comparison: Comparison, json_types: tuple[str, ...] | None = None,
                       read: Callable[[str], str] = str) -> str:
        """SQL true when the property, of the literal's JSON type (or a list holding one), satisfies the comparison;
        ``json_types`` overrides the types, and ``read`` turns the stored value into what is compared."""
        name, value = comparison.property_name, comparison.value
        column, path = f"{entity}.properties", self.bind(_path(name))
        types = self.bind(*(json_types or _json_types(value)))
        scalar = (f"json_type({column}, {path}) IN ({types}) "
                  f"AND {self._value_test(read(f'json_extract({column}, {path})'), comparison)}")
        array = (f"json_type({column}, {path}) = 'array' AND EXISTS (SELECT 1 FROM json_each({column}, {path}) j "
                 f"WHERE j.type IN ({types}) AND {self._value_test(read('j.value'), comparison)})")
        return f"COALESCE(({scalar}) OR ({array}), 0)"

    def condition(self, entity: str | Mapping[str, str], condition: Condition, edges: frozenset[str] = frozenset()) -> str:
        """SQL for a WITH condition on the entity alias ``entity``, or for a WHERE condition, whose
        comparisons name their alias (``entity`` maps each to its SQL table; ``edges`` are relationships)."""
        if isinstance(condition, BooleanOp):
            left = self.condition(entity, condition.left, edges)
            right = self.condition(entity, condition.right, edges)
            return f"({left} {condition.operator} {right})"
        table = entity if isinstance(entity, str) else entity[condition.alias or ""]
        edge = table in edges
        positive = condition.operator.negates
        if positive is not None:
            flipped = Comparison(condition.property_name, positive, condition.value, condition.position)
            return f"NOT ({self._positive(table, flipped, edge)})"
        return self._positive(table, condition, edge)

    def node(self, entity: str, node: Node) -> str:
        """SQL for a node's target and condition."""
        clauses = []
        target = node.target
        if not target.any:
            matches = []
            if target.types:
                matches.append(f"{entity}.type IN ({self.bind(*target.types)})")
            if target.classes:
                matches.append(f"EXISTS (SELECT 1 FROM json_each({entity}.classes) c "
                               f"WHERE c.value IN ({self.bind(*target.classes)}))")
            clauses.append("(" + " OR ".join(matches) + ")")
        if node.condition is not None:
            clauses.append(self.condition(entity, node.condition))
        return " AND ".join(clauses) or "1"

    def edge(self, edge: str, near: str, verb: str | None) -> str:
        """SQL joining an edge to the entity it starts from."""
        clause = f"{edge}.near = {near}.key"
        if verb is not None:
            clause += f" AND {edge}.verb = {self.bind(verb)}"
        return clause


def _record(entity: str) -> str:
    return (f"json_patch(json_object('_key', {entity}.key, '_type', {entity}.type, '_class', json({entity}.classes), "
            f"'displayName', {entity}.display_name), {entity}.properties)")


def _edge_record(edge: str) -> str:
    return (f"json_patch(json_object('_key', {edge}.key, '_type', {edge}.type, '_class', {edge}.verb, "
            f"'_fromEntityKey', {edge}.from_key, '_toEntityKey', {edge}.to_key, 'displayName', {edge}.verb), "
            f"{edge}.properties)")


def _return_column(compiler: _Compiler, entity: str, item: ReturnItem, edge: bool = False) -> str:
    if item.count:
        return f"json_quote(COUNT(DISTINCT {entity}.source || char(0) || {entity}.key))"
    if item.property_name is None:
        return _edge_record(entity) if edge else _record(entity)
    columns = _EDGE_COLUMNS if edge else _COLUMNS
    if item.property_name in columns:
        return f"json_quote({entity}.{columns[item.property_name]})"
    if item.property_name == "_class":
        return f"{entity}.classes"
    # ``->`` gives the value's own JSON text: true stays true (json_extract would give 1).
    return f"({entity}.properties -> {compiler.bind(_path(item.property_name))})"


def compile_query(query: Query, now: datetime | None = None) -> CompiledQuery:
    """One SELECT answering ``query`` (``date.now`` is ``now``, by default the current time);
    raises :class:`QueryError` for what cannot be asked."""
    compiler = _Compiler(now or datetime.now(timezone.utc))
    aliases = {node.alias: f"e{index}" for index, node in enumerate(query.nodes)}
    aliases |= {traversal.alias: f"r{index}" for index, traversal in enumerate(query.traversals, start=1)
                if traversal.alias}
    edges = frozenset(aliases[traversal.alias] for traversal in query.traversals if traversal.alias)
    joins: list[str] = []
    where: list[str] = []
    negated_aliases: set[str] = set()
    previous = "e0"
    for index, traversal in enumerate(query.traversals, start=1):
        if negated_aliases:
            raise QueryError("a negated traversal (THAT !VERB) must be the last one")
        entity, edge = f"e{index}", f"r{index}"
        if traversal.negated:
            if traversal.alias:
                raise QueryError(f"alias {traversal.alias!r} names a relationship of a negated traversal: there is none")
            negated_aliases.add(traversal.node.alias)
            inner = compiler.edge(edge, previous, traversal.verb)
            target = compiler.node(entity, traversal.node)
            where.append(f"NOT EXISTS (SELECT 1 FROM edges {edge} JOIN entities {entity} ON {entity}.key = {edge}.far "
                         f"WHERE {inner} AND {target})")
            continue
        joins.append(f"JOIN edges {edge} ON {compiler.edge(edge, previous, traversal.verb)}")
        joins.append(f"JOIN entities {entity} ON {entity}.key = {edge}.far AND {compiler.node(entity, traversal.node)}")
        previous = entity
    where.insert(0, compiler.node("e0", query.first))
    if query.where is not None:
        named = {comparison.alias for comparison in comparisons(query.where)} & negated_aliases
        if named:
            raise QueryError(f"alias {sorted(named)[0]!r} belongs to a negated traversal: WHERE has nothing to compare")
        where.append(compiler.condition(aliases, query.where, edges))
    returns = query.returns
    counting = [item for item in returns if item.count]
    if counting and len(counting) != len(returns):
        raise QueryError("RETURN COUNT(...) cannot be mixed with properties (no grouping)")
    for item in returns:
        if item.alias in negated_aliases:
            raise QueryError(f"alias {item.alias!r} belongs to a negated traversal: it has no entity to return")
    if returns:
        columns = [_return_column(compiler, aliases[item.alias], item, aliases[item.alias] in edges) for item in returns]
        labels = tuple(item.label for item in returns)
        distinct = "" if counting else "DISTINCT "
        select = f"SELECT {distinct}{', '.join(columns)}"
        order = "" if counting else " ORDER BY " + ", ".join(str(position) for position in range(1, len(columns) + 1))
    else:
        select = f"SELECT DISTINCT {_record('e0')}, e0.type, e0.key"
        labels = ("entity",)
        order = " ORDER BY 2, 3"
    sql = f"WITH {_EDGES} {select} FROM entities e0 {' '.join(joins)} WHERE {' AND '.join(where)}{order}"
    if query.limit is not None:
        sql += f" LIMIT {int(query.limit)}"
    return CompiledQuery(sql, compiler.params, labels, not returns)
