"""Compile a parsed query to one SQL statement on the store's tables, for SQLite or PostgreSQL.

Entities are rows of ``entities`` with their properties as a JSON object; a property
is one key of it, so names with dots, colons or spaces are single keys (how each
database reads it is its :mod:`~aws_integration.query.dialects` dialect's business).
Comparison semantics:

* values compare only with values of the same JSON type: ``2`` never matches ``"2"``,
  ``true`` never matches ``1``;
* a list property matches when any of its items does;
* ``= undefined`` matches an absent or null property, ``!= undefined`` a present one;
* ``!=`` is the negation of ``=``: an entity without the property matches ``!= 'x'``;
* ``~=``, ``^=``, ``$=`` (contains, starts with, ends with) apply to strings, case-sensitively;
  ``~= /regex/flags`` is true where the expression is found in the value (on SQLite the store's
  ``regexp`` function, Python's syntax; on PostgreSQL its own regular expressions, which
  read the usual syntax the same way); ``!~=``, ``!^=``, ``!$=`` are their negations;
* a date (an ISO literal, ``date.now - 7 days``) compares as an instant with a number
  property (epoch milliseconds) and with a text property holding an ISO date.

Traversals ignore direction (``THAT HAS`` follows HAS edges either way), as users of
asset graphs expect, unless an arrow gives it (``THAT HAS >>``: from the previous node);
``THAT !VERB ...`` keeps the entities from which the rest of the chain finds no match
(``NOT EXISTS``); an optional group is a ``LEFT JOIN``, and when steps follow it they
start from its last node and from the node before it (a branch row for each).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aws_integration.query.dialects import SQLITE_QUERY, QueryDialect
from aws_integration.query.ast import (
    BooleanOp,
    Comparison,
    Condition,
    Literal,
    Direction,
    Node,
    Operator,
    OptionalTraversals,
    Pattern,
    PropertyRef,
    Query,
    RelativeDate,
    ReturnItem,
    Step,
    Traversal,
    Undefined,
    comparisons,
)

_SQL_OPERATORS = {Operator.EQ: "=", Operator.LT: "<", Operator.LE: "<=", Operator.GT: ">", Operator.GE: ">="}
_COLUMNS = {"_key": "key", "_type": "type", "displayName": "display_name", "_source": "source"}
_EDGE_COLUMNS = {"_key": "key", "_type": "type", "_class": "verb", "displayName": "verb", "_source": "source",
                 "_fromEntityKey": "from_key", "_toEntityKey": "to_key"}


class QueryError(ValueError):
    """A query that parses but cannot be answered (e.g. ``<`` on a boolean)."""


@dataclass(frozen=True)
class CompiledQuery:
    """SQL with its parameters; every selected column is JSON text."""

    sql: str
    params: dict[str, Any]
    columns: tuple[str, ...]
    entities: bool  # True: one column, the first node's entity records
    tree: bool = False  # True: each column a key of an entity or (where ``columns`` says so) a relationship


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


def _checked(name: str) -> str:
    if '"' in name:
        raise QueryError(f"property names cannot contain double quotes: {name!r}")
    return name


@dataclass
class _Compiler:
    now: datetime
    d: QueryDialect
    params: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # alias -> its SQL table name
    edge_tables: set[str] = field(default_factory=set)  # the SQL names of relationships
    unreachable: set[str] = field(default_factory=set)  # aliases inside a negation: no row holds them
    names: int = 0  # SQL table names given so far
    bound: dict[tuple[type, Any], str] = field(default_factory=dict)  # (type, value) -> its parameter's name
    matched: list[tuple[str, str]] = field(default_factory=list)  # (relationship, entity) of each hop a row holds

    def bind(self, *values: Any) -> str:
        """Named parameters for ``values`` (named, so fragments may be assembled in any order; one value
        bound twice is one parameter, so one expression written twice reads the same)."""
        names = []
        for value in values:
            name = self.bound.get((type(value), value))
            if name is None:
                name = self.bound[(type(value), value)] = f"p{len(self.params)}"
                self.params[name] = value
            names.append(f":{name}")
        return ", ".join(names)

    def key(self, name: str) -> str:
        """The bound parameter naming the property ``name``."""
        return self.bind(self.d.key(_checked(name)))

    def aggregate(self, table: str, item: ReturnItem) -> str:
        """SQL for ``COUNT(a)`` (distinct entities or relationships), ``MIN``/``MAX(a.p)`` (numbers and text;
        numbers come first) or ``SUM``/``AVG(a.p)`` (numbers, each entity counted once however many rows hold it)."""
        identity = self.d.identity(table)
        if item.aggregate == "COUNT":
            return self.d.aggregate_result(f"COUNT(DISTINCT {identity})")
        name = item.property_name or ""
        numeric = item.aggregate in ("SUM", "AVG")
        columns = _EDGE_COLUMNS if table in self.edge_tables else _COLUMNS
        if name in columns or name == "_class":
            if numeric:
                raise QueryError(f"{item.expression}: {name} is text, and {item.aggregate} adds numbers")
            value = f"{table}.{columns[name]}" if name in columns else f"{table}.classes"
            return self.d.aggregate_result(f"{item.aggregate}({value})")
        value = self.d.aggregate_value(table, self.key(name), numeric)
        if not numeric:
            return self.d.aggregate_result(self.d.extreme(item.aggregate, value))
        return self.d.aggregate_result(self.d.distinct_total(item.aggregate, identity, value))

    # -- values -------------------------------------------------------------------------
    def _value_test(self, expression: str, comparison: Comparison) -> str:
        """SQL true when ``expression`` (already of the literal's JSON type) satisfies the comparison."""
        operator, value = comparison.operator, comparison.value
        if isinstance(value, bool):
            if operator is not Operator.EQ:
                raise QueryError(f"{comparison.property_name} {operator.value} {str(value).lower()}: booleans compare "
                                 f"only with = and !=")
            return "TRUE"
        if operator in _SQL_OPERATORS:
            return f"{expression} {_SQL_OPERATORS[operator]} {self.bind(value)}"
        if isinstance(value, Pattern):
            return f"{expression} {self.d.regexp} {self.bind(value.inline)}"
        if not isinstance(value, str):
            raise QueryError(f"{comparison.property_name} {operator.value} {value}: ~=, ^= and $= need a quoted string")
        if operator is Operator.CONTAINS:
            return f"{self.d.find(expression, self.bind(value))} > 0"
        if operator is Operator.STARTS_WITH:
            return f"{self.d.find(expression, self.bind(value))} = 1"
        return (f"(length({expression}) >= length({self.bind(value)}) "
                f"AND substr({expression}, length({expression}) - length({self.bind(value)}) + 1) = {self.bind(value)})")

    def _positive(self, entity: str, comparison: Comparison, edge: bool = False) -> str:
        """SQL true when the entity's (or, with ``edge``, the relationship's) property satisfies the comparison
        read as ``=``/``<``/... (never NULL)."""
        name, value = comparison.property_name, comparison.value
        if isinstance(value, PropertyRef):
            return self._between(entity, comparison, value)
        if isinstance(value, RelativeDate):
            value = int(value.at(self.now).timestamp() * 1000)
            comparison = Comparison(name, comparison.operator, value, comparison.position)
            if comparison.operator not in _SQL_OPERATORS:
                raise QueryError(f"{name} {comparison.operator.value} date.now: dates compare with =, !=, <, <=, >, >=")
            return self._date_test(entity, comparison)
        columns = _EDGE_COLUMNS if edge else _COLUMNS
        if name in columns:
            if not isinstance(value, (str, Pattern)):  # these are always present, and always strings
                return "FALSE"
            return f"({self._value_test(f'{entity}.{columns[name]}', comparison)})"
        if name == "_class":
            if not isinstance(value, (str, Pattern)):
                return "FALSE"
            return self.d.class_test(entity, lambda item: self._value_test(item, comparison))
        if isinstance(value, Undefined):
            return self.d.absent(entity, self.key(name))
        millis = epoch_millis(value) if comparison.operator in _SQL_OPERATORS else None
        if millis is not None:  # a date: stored as epoch milliseconds (or, in imported data, as ISO text)
            return self._date_test(entity, Comparison(name, comparison.operator, millis, comparison.position))
        return self._property_test(entity, comparison)

    def _values(self, table: str, name: str) -> str:
        """A row source of ``(value, kind)`` for one property of a node or relationship: one row for a
        scalar, one per item for a list, none when it is absent (integers and reals are both ``number``)."""
        columns = _EDGE_COLUMNS if table in self.edge_tables else _COLUMNS
        if name in columns:
            return self.d.column_values(table, columns[name])
        if name == "_class":
            return self.d.class_values(table)
        return self.d.values(table, self.key(name))

    def _between(self, table: str, comparison: Comparison, other: PropertyRef) -> str:
        """``a.p <op> b.q``: true when a value of one and a value of the other, of one JSON type, compare so
        (a list compares by any of its items, as with a literal)."""
        operator = comparison.operator
        x, y = self.d.value_of("x", "text"), self.d.value_of("y", "text")
        if operator in _SQL_OPERATORS:
            test = self.d.compare(_SQL_OPERATORS[operator], "x", "y")
        elif operator is Operator.CONTAINS:
            test = f"x.kind = 'text' AND {self.d.find(x, y)} > 0"
        elif operator is Operator.STARTS_WITH:
            test = f"x.kind = 'text' AND {self.d.find(x, y)} = 1"
        else:
            test = (f"x.kind = 'text' AND length({x}) >= length({y}) "
                    f"AND substr({x}, length({x}) - length({y}) + 1) = {y}")
        left = self._values(table, comparison.property_name)
        right = self._values(self.tables[other.alias], other.property_name)
        return f"EXISTS (SELECT 1 FROM {left} x, {right} y WHERE x.kind = y.kind AND {test})"

    def _date_test(self, entity: str, comparison: Comparison) -> str:
        """A comparison with an instant (``comparison.value`` in epoch milliseconds): a number property
        holds epoch milliseconds, a text one an ISO date (imported data), compared as the instant it names."""
        as_text = self._property_test(entity, comparison, ("text",), self.d.instant)
        return f"({self._property_test(entity, comparison)} OR {as_text})"

    def _property_test(self, entity: str, comparison: Comparison, json_types: tuple[str, ...] | None = None,
                       read: Callable[[str], str] = str) -> str:
        """SQL true when the property, of the literal's JSON type (or a list holding one), satisfies the comparison;
        ``json_types`` overrides the types, and ``read`` turns the stored value into what is compared."""
        name, value = comparison.property_name, comparison.value
        return self.d.typed_test(entity, self.key(name), json_types or _json_types(value),
                                 lambda read_value: self._value_test(read_value, comparison), read)

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
            flipped = Comparison(condition.property_name, positive, condition.value, condition.position, condition.alias)
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
                classes = self.bind(*target.classes)
                matches.append(self.d.class_test(entity, lambda item: f"{item} IN ({classes})"))
            clauses.append("(" + " OR ".join(matches) + ")")
        if node.condition is not None:
            clauses.append(self.condition(entity, node.condition))
        return " AND ".join(clauses) or "TRUE"

    # -- traversals ------------------------------------------------------------------------
    def name(self, prefix: str, alias: str | None) -> str:
        """A fresh SQL table name, recorded as ``alias``'s."""
        self.names += 1
        table = f"{prefix}{self.names}"
        if alias is not None:
            self.tables[alias] = table
        return table

    def hop(self, traversal: Traversal) -> tuple[str, str]:
        """The SQL names of a traversal's relationship and entity."""
        edge = self.name("r", traversal.alias)
        self.edge_tables.add(edge)
        entity = self.name("e", traversal.node.alias)
        self.matched.append((edge, entity))
        return edge, entity

    @staticmethod
    def far(edge: str, near: str, direction: Direction) -> str:
        """The key at the other end of a relationship from ``near``."""
        if direction is Direction.OUT:
            return f"{edge}.to_key"
        if direction is Direction.IN:
            return f"{edge}.from_key"
        return f"(CASE WHEN {edge}.from_key = {near} THEN {edge}.to_key ELSE {edge}.from_key END)"

    def edge_on(self, edge: str, near: str, traversal: Traversal) -> str:
        """SQL joining a traversal's relationship to the key ``near`` it starts from (either end of it unless
        an arrow says which; the store indexes both)."""
        if traversal.direction is Direction.OUT:
            clause = f"{edge}.from_key = {near}"
        elif traversal.direction is Direction.IN:
            clause = f"{edge}.to_key = {near}"
        else:
            clause = f"({edge}.from_key = {near} OR {edge}.to_key = {near})"
        if traversal.verbs:
            clause += f" AND {edge}.verb IN ({self.bind(*traversal.verbs)})"
        return clause

    def chain(self, near: str, steps: Sequence[Step]) -> tuple[list[str], list[str]]:
        """The joins and conditions matching ``steps`` from the entity key ``near``."""
        joins: list[str] = []
        where: list[str] = []
        for index, step in enumerate(steps):
            rest = steps[index + 1:]
            if isinstance(step, OptionalTraversals):
                near = self.optional(step, near, bool(rest), joins, where)
            elif step.negated:
                where.append(self.negation(near, step, rest))
                break
            else:
                edge, entity = self.hop(step)
                joins.append(f"JOIN relationships {edge} ON {self.edge_on(edge, near, step)}")
                joins.append(f"JOIN entities {entity} ON {entity}.key = {self.far(edge, near, step.direction)} "
                             f"AND {self.node(entity, step.node)}")
                near = f"{entity}.key"
        return joins, where

    def negation(self, near: str, traversal: Traversal, rest: Sequence[Step]) -> str:
        """``THAT !VERB x ...``: no relationship from ``near`` starts a match of the rest of the chain."""
        if traversal.alias:
            raise QueryError(f"alias {traversal.alias!r} names a relationship of a negated traversal: there is none")
        reached, hops = len(self.tables), len(self.matched)
        edge, entity = self.hop(traversal)
        joins, where = self.chain(f"{entity}.key", rest)
        self.unreachable |= set(list(self.tables)[reached:])
        del self.matched[hops:]  # no row holds what the negation hides
        conditions = " AND ".join([self.edge_on(edge, near, traversal), *where])
        return (f"NOT EXISTS (SELECT 1 FROM relationships {edge} JOIN entities {entity} "
                f"ON {entity}.key = {self.far(edge, near, traversal.direction)} AND {self.node(entity, traversal.node)} "
                f"{' '.join(joins)} "
                f"WHERE {conditions})")

    def optional(self, group: OptionalTraversals, near: str, continued: bool, joins: list[str], where: list[str]) -> str:
        """``(THAT ...)?`` as a LEFT JOIN of its traversals; returns the key the next step starts from.

        When steps follow it, or it is named, a branch row starts them from the node before
        the group (the group's entities are NULL there) and another from its last node.
        """
        first, *others = group.traversals
        edge, entity = self.hop(first)
        # Inside the parentheses only the group's own tables may be named: the first entity is one end
        # of its relationship there, and the far one from ``near`` in the ON outside.
        ends = {Direction.OUT: f"{edge}.to_key", Direction.IN: f"{edge}.from_key"}.get(first.direction)
        inner = [f"relationships {edge}", f"JOIN entities {entity} ON "
                 + (f"{entity}.key = {ends}" if ends else f"{entity}.key IN ({edge}.from_key, {edge}.to_key)")
                 + f" AND {self.node(entity, first.node)}"]
        more, _ = self.chain(f"{entity}.key", others)
        end = self.tables[group.traversals[-1].node.alias]
        matched = f"{self.edge_on(edge, near, first)} AND {entity}.key = {self.far(edge, near, first.direction)}"
        if not continued and group.alias is None:
            joins.append(f"LEFT JOIN ({' '.join([*inner, *more])}) ON {matched}")
            return f"{end}.key"
        branch = self.name("o", None)
        joins.append(f"CROSS JOIN (SELECT 0 AS taken UNION ALL SELECT 1) {branch}")
        joins.append(f"LEFT JOIN ({' '.join([*inner, *more])}) ON {branch}.taken = 1 AND {matched}")
        where.append(f"({branch}.taken = 0 OR {end}.key IS NOT NULL)")
        exit_key = f"(CASE {branch}.taken WHEN 0 THEN {near} ELSE {end}.key END)"
        if group.alias is None:
            return exit_key
        either = self.name("g", group.alias)
        joins.append(f"JOIN entities {either} ON {either}.key = {exit_key}")
        return f"{either}.key"


def _return_column(compiler: _Compiler, entity: str, item: ReturnItem, edge: bool = False) -> str:
    """The JSON text of one RETURN column."""
    d = compiler.d
    if item.aggregate:
        return d.quote(compiler.aggregate(entity, item))
    if item.property_name is None:
        return d.relationship_record(entity) if edge else d.entity_record(entity)
    columns = _EDGE_COLUMNS if edge else _COLUMNS
    if item.property_name in columns:
        return d.quote(f"{entity}.{columns[item.property_name]}")
    if item.property_name == "_class":
        return f"{entity}.classes"
    return d.property_json(entity, compiler.key(item.property_name))


def _sort_keys(compiler: _Compiler, entity: str, item: ReturnItem, edge: bool = False) -> list[str]:
    """What a column sorts by: the stored values themselves (numbers as numbers, so 9 comes before 10;
    numbers before text), an entity by its type and key, an aggregate by its value."""
    if item.aggregate:
        return compiler.d.aggregate_sort_keys(compiler.aggregate(entity, item))
    if item.property_name is None:
        return [f"{entity}.key"] if edge else [f"{entity}.type", f"{entity}.key"]
    columns = _EDGE_COLUMNS if edge else _COLUMNS
    if item.property_name in columns:
        return [f"{entity}.{columns[item.property_name]}"]
    if item.property_name == "_class":
        return [f"{entity}.classes"]
    return compiler.d.sort_keys(entity, compiler.key(item.property_name))


def _aliases_of(comparison: Comparison) -> tuple[str | None, ...]:
    """The aliases a WHERE comparison reads: its own, and the other one's when it compares two."""
    other = comparison.value.alias if isinstance(comparison.value, PropertyRef) else None
    return (comparison.alias, other)


def compile_query(query: Query, now: datetime | None = None, dialect: QueryDialect = SQLITE_QUERY) -> CompiledQuery:
    """One SELECT answering ``query`` in ``dialect`` (``date.now`` is ``now``, by default the current time);
    raises :class:`QueryError` for what cannot be asked."""
    compiler = _Compiler(now or datetime.now(timezone.utc), dialect)
    compiler.tables[query.first.alias] = "e0"
    joins, where = compiler.chain("e0.key", query.steps)
    where.insert(0, compiler.node("e0", query.first))
    edges = frozenset(compiler.edge_tables)
    aliases = compiler.tables
    negated_aliases = compiler.unreachable
    if query.where is not None:
        named = {alias for comparison in comparisons(query.where) for alias in _aliases_of(comparison)} & negated_aliases
        if named:
            raise QueryError(f"alias {sorted(named)[0]!r} belongs to a negated traversal: WHERE has nothing to compare")
        where.append(compiler.condition(aliases, query.where, edges))
    for item in (*query.returns, *(ordering.item for ordering in query.order)):
        if item.alias in negated_aliases:
            raise QueryError(f"alias {item.alias!r} belongs to a negated traversal: it has no entity to return")
    if query.tree:
        keys = ["e0.key", *(f"{table}.key" for hop in compiler.matched for table in hop)]
        select, order = f"SELECT DISTINCT {', '.join(keys)}", " ORDER BY " + ", ".join(map(str, range(1, len(keys) + 1)))
        labels = ("entity", *(kind for _ in compiler.matched for kind in ("relationship", "entity")))
    else:
        select, order, labels = _projection(compiler, query)
    sql = f"{select} FROM entities e0 {' '.join(joins)} WHERE {' AND '.join(where)}{order}"
    if query.limit is not None or query.skip is not None:
        sql += f" LIMIT {int(query.limit) if query.limit is not None else dialect.no_limit}"
        sql += f" OFFSET {int(query.skip)}" if query.skip else ""
    return CompiledQuery(sql, compiler.params, labels, not query.returns and not query.tree, query.tree)


def _projection(compiler: _Compiler, query: Query) -> tuple[str, str, tuple[str, ...]]:
    """The SELECT list (the columns, then the keys they sort by), ORDER BY (and GROUP BY), and the column labels.

    Rows are distinct; with an aggregate, they are grouped by the other columns. ORDER BY
    comes first, then every column in turn, so an answer's order is always the same.
    """
    tables, edges = compiler.tables, compiler.edge_tables

    def keys(item: ReturnItem) -> list[str]:
        return _sort_keys(compiler, tables[item.alias], item, tables[item.alias] in edges)

    if not query.returns:
        for ordering in query.order:
            if ordering.item.alias != query.first.alias or ordering.item.aggregate:
                raise QueryError(f"ORDER BY {ordering.item.expression}: without RETURN, the found "
                                 f"{query.first.alias.lstrip('_') or 'entities'} are sorted by their own properties")
        ordered = [(key, ordering.descending) for ordering in query.order for key in keys(ordering.item)]
        ordered += [("e0.type", False), ("e0.key", False)]
        return (*_ordered([compiler.d.entity_record("e0")], ordered, "", True), ("entity",))
    returns = query.returns
    aggregated = any(item.aggregate for item in returns)
    plain = [item.unnamed() for item in returns]
    ordered = []
    for ordering in query.order:
        if (aggregated or ordering.item.aggregate) and ordering.item not in plain:
            raise QueryError(f"ORDER BY {ordering.item.expression}: "
                             + ("with aggregates, rows are sorted by what RETURN returns"
                                if aggregated else "an aggregate sorts only when RETURN returns it"))
        ordered += [(key, ordering.descending) for key in keys(ordering.item)]
    ordered += [(key, False) for item in returns for key in keys(item)]
    columns = [_return_column(compiler, tables[item.alias], item, tables[item.alias] in edges) for item in returns]
    labels = tuple(item.label for item in returns)
    if not aggregated:
        return (*_ordered(columns, ordered, "", True), labels)
    groups = [key for item in returns if not item.aggregate for key in keys(item)]
    if compiler.d.groups_returned:
        groups = [*(column for item, column in zip(returns, columns) if not item.aggregate), *groups]
    group_by = f" GROUP BY {', '.join(groups)}" if groups else ""
    return (*_ordered(columns, ordered, group_by, False), labels)


def _ordered(columns: list[str], ordered: list[tuple[str, bool]], group_by: str, distinct: bool) -> tuple[str, str]:
    """The SELECT of ``columns`` followed by the sort keys, and ``group_by`` with an ORDER BY naming the keys
    by position (NULLs last either way)."""
    keys = list(dict.fromkeys(key for key, _ in ordered))
    terms = [f"{len(columns) + keys.index(key) + 1}{' DESC' if descending else ''} NULLS LAST" for key, descending in ordered]
    select = f"SELECT {'DISTINCT ' if distinct else ''}{', '.join([*columns, *keys])}"
    return select, f"{group_by} ORDER BY {', '.join(dict.fromkeys(terms))}"
