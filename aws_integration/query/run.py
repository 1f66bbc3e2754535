"""Running a query on the store, and its results as table, JSON or CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_integration.graph.model import RESERVED_PROPERTIES, relationship_type
from aws_integration.graph.schema import KNOWN_CLASSES
from aws_integration.graph.properties import TAG_PREFIX, Kind, Property
from aws_integration.query.ast import (
    TEXT_OPERATORS,
    Comparison,
    Literal,
    Pattern,
    PropertyRef,
    Query,
    RelativeDate,
    Undefined,
    comparisons,
)
from aws_integration.query.parser import parse_query
from aws_integration.query.graph import Subgraph, decoded, read_subgraph
from aws_integration.query.dialects import QUERY_DIALECTS
from aws_integration.query.sql import QueryError, compile_query, epoch_millis
from aws_integration.store import GraphStore
from aws_integration.suggest import did_you_mean

_ENTITY_COLUMNS = ("_type", "_key", "displayName")
_OWN_FIELDS = RESERVED_PROPERTIES | {"_source"}  # an entity's own fields, not properties
_EDGE_FIELDS = _OWN_FIELDS | {"_fromEntityKey", "_toEntityKey"}  # a relationship's



@dataclass(frozen=True)
class QueryResult:
    """What a query found: entity records (no RETURN), one row per distinct RETURN tuple, or (RETURN TREE)
    the matched subgraph."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    entities: bool
    graph: Subgraph | None = None

    def records(self) -> list[Any]:
        """Entities as records, or rows as ``{column: value}`` objects (a graph's entities, then its relationships)."""
        if self.graph is not None:
            return [*self.graph.entities, *self.graph.relationships]
        if self.entities:
            return [row[0] for row in self.rows]
        return [dict(zip(self.columns, row)) for row in self.rows]

    def _cells(self, cell: Callable[[Any], str]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        if self.entities:
            return _ENTITY_COLUMNS, [tuple(cell(row[0].get(name)) for name in _ENTITY_COLUMNS) for row in self.rows]
        return self.columns, [tuple(cell(value) for value in row) for row in self.rows]

    def to_table(self) -> str:
        """Aligned columns, with a count line; control characters are shown escaped, so no value forges a line.
        A graph is two tables: its entities, then its relationships."""
        if self.graph is not None:
            relationships = [(record["_class"], record["_fromEntityKey"], record["_toEntityKey"])
                             for record in self.graph.relationships]
            return "\n\n".join((
                _aligned(_ENTITY_COLUMNS, [tuple(_table_cell(record.get(name)) for name in _ENTITY_COLUMNS)
                                           for record in self.graph.entities], "entity", "entities"),
                _aligned(("_class", "_fromEntityKey", "_toEntityKey"),
                         [tuple(map(_table_cell, row)) for row in relationships], "relationship", "relationships"),
            ))
        header, rows = self._cells(_table_cell)
        return _aligned(header, rows, *(("entity", "entities") if self.entities else ("row", "rows")))

    def to_json(self) -> str:
        """A JSON array of records; a graph as ``{"entities": [...], "relationships": [...]}``."""
        if self.graph is not None:
            return json.dumps(self.graph.to_dict(), indent=2, ensure_ascii=False)
        return json.dumps(self.records(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """CSV with a header; entities give ``_type,_key,displayName``, lists and objects as JSON.

        A text cell that a spreadsheet would run as a formula (it starts with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``.
        """
        if self.graph is not None:
            raise QueryError("RETURN TREE gives a graph, which is no table: use --format json, table, html or dot")
        header, rows = self._cells(_csv_cell)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()


def _aligned(header: tuple[str, ...], rows: list[tuple[str, ...]], noun: str, plural: str) -> str:
    """Columns padded to their widest cell, and a count line."""
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.append(f"({len(rows)} {noun if len(rows) == 1 else plural})")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def _table_cell(value: Any) -> str:
    return _CONTROL.sub(_escape_control, _cell(value))


def _csv_cell(value: Any) -> str:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return _cell(value)


def literal_mismatch(declared: Property, value: Literal) -> str | None:
    """Why comparing a property of its declared kind with ``value`` finds nothing, if it cannot match.

    J1's rule: values compare within their type, so a string never equals a number or a
    boolean, nor the other way round (a timestamp also compares with an ISO date text).
    """
    kind = declared.kind
    if isinstance(value, Pattern):
        return None if kind in (Kind.STRING, Kind.STRINGS) else (
            f"{declared.name} is {kind.value}: a regular expression matches only text")
    if isinstance(value, RelativeDate):
        return f"{declared.name} is boolean: a date never matches it" if kind is Kind.BOOLEAN else None
    if isinstance(value, Undefined) or kind in (Kind.STRINGS, Kind.INTEGERS):
        return None
    if kind is Kind.BOOLEAN and not isinstance(value, bool):
        return f"{declared.name} is boolean: {value!r} never matches it (write true or false)"
    if kind is Kind.STRING and not isinstance(value, str):
        return f"{declared.name} is a string: {value!r} never matches it (quote it)"
    if kind in (Kind.INTEGER, Kind.NUMBER) and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return f"{declared.name} is a number: {value!r} never matches it"
    if kind is Kind.TIMESTAMP and (isinstance(value, bool) or (isinstance(value, str) and epoch_millis(value) is None)):
        return f"{declared.name} is a timestamp: {value!r} never matches it (give epoch milliseconds or an ISO date)"
    return None


def query_warnings(
    store: GraphStore, query: Query, declarations: Mapping[str, Mapping[str, Property]] | None = None
) -> list[str]:
    """What in ``query`` names nothing or cannot match: types neither stored nor declared, classes
    no entity has, properties the node's types do not declare (or, for undeclared types, that no
    stored entity carries), and values of another kind than the property's. A query with such a
    name is still answered (it finds nothing there); the warning says why."""
    declarations = declarations or {}
    dialect = QUERY_DIALECTS[store.dialect]
    stored = {name for (name,) in store.select("SELECT DISTINCT type FROM entities")}  # read from its index
    types = stored | set(declarations)
    classes = set(KNOWN_CLASSES)
    if any(name not in classes for node in query.nodes for name in node.target.classes):
        # Only then every stored entity's classes are read (a scan of the whole graph).
        classes |= {name for (name,) in store.select(dialect.stored_classes())}
    warnings: list[str] = []
    for node in query.nodes:
        for name in node.target.types:
            if name not in types:
                warnings.append(f"no entity type {name!r} is stored or declared{did_you_mean(name, types)}")
        for name in node.target.classes:
            if name not in classes:
                warnings.append(f"no entity class {name!r} is known{did_you_mean(name, classes)}")
        if node.target.classes:
            continue
        with_properties = [name for name in node.target.types if declarations.get(name)]
        present = [name for name in node.target.types if name in stored and not declarations.get(name)]
        where = [comparison for comparison in _where_comparisons(query) if comparison.alias == node.alias]
        for comparison in [*comparisons(node.condition), *where]:
            name = comparison.property_name
            if name in _OWN_FIELDS or name.startswith(TAG_PREFIX):
                continue
            if with_properties:
                warnings += _declaration_warnings(with_properties, declarations, comparison)
            if present and not store.select(
                f"SELECT 1 FROM entities WHERE type IN ({', '.join('?' for _ in present)}) "
                f"AND {dialect.present('entities', '?')} LIMIT 1",
                (*present, dialect.key(name)),
            ):
                warnings.append(f"no stored {' or '.join(present)} has the property {name!r}")
    warnings += _relationship_warnings(query, declarations)
    return list(dict.fromkeys(warnings))


def _where_comparisons(query: Query) -> Iterator[Comparison]:
    """WHERE's comparisons, and for each that reads another alias's property, that property as one more
    (so a misspelt name on either side is warned about)."""
    for comparison in comparisons(query.where):
        yield comparison
        if isinstance(comparison.value, PropertyRef):
            other = comparison.value
            yield Comparison(other.property_name, comparison.operator, Undefined.UNDEFINED, comparison.position, other.alias)


def _relationship_warnings(query: Query, declarations: Mapping[str, Mapping[str, Property]]) -> list[str]:
    """WHERE comparisons on a named relationship whose possible types (by its verb and its ends' types,
    either way round) are all declared: the property must be one of theirs, of its kind."""
    warnings: list[str] = []
    for starts, traversal in query.hops():
        near = [name for node in starts for name in node.target.types]
        far = traversal.node.target.types
        if not traversal.alias or not traversal.verbs or not near or not far \
                or any(not node.target.types or node.target.classes for node in starts):
            continue
        possible = [name for one in near for other in far for verb in traversal.verbs
                    for name in (relationship_type(one, verb, other), relationship_type(other, verb, one))
                    if name in declarations]
        if not possible:
            continue
        for comparison in _where_comparisons(query):
            if comparison.alias == traversal.alias and comparison.property_name not in _EDGE_FIELDS:
                warnings += _declaration_warnings(possible, declarations, comparison)
    return warnings


def _declaration_warnings(
    types: list[str], declarations: Mapping[str, Mapping[str, Property]], comparison: Comparison
) -> list[str]:
    """A comparison's property that none of ``types`` declares, or a value that cannot match it."""
    name = comparison.property_name
    found = [declarations[type_name][name] for type_name in types if name in declarations[type_name]]
    if not found:
        known = {prop for type_name in types for prop in declarations[type_name]}
        return [f"{' or '.join(types)} declares no property {name!r}{did_you_mean(name, known)}"]
    if isinstance(comparison.value, PropertyRef) or (
            comparison.operator in TEXT_OPERATORS and not isinstance(comparison.value, Pattern)):
        return []
    reasons = [literal_mismatch(prop, comparison.value) for prop in found]
    return [f"{' or '.join(types)}.{reasons[0]}"] if all(reasons) else []


def matched_subgraph(store: GraphStore, query: str | Query, now: datetime | None = None) -> Subgraph:
    """The entities and relationships any query matched (what ``RETURN TREE`` gives), whatever it returns."""
    parsed = parse_query(query) if isinstance(query, str) else query
    result = run_query(store, dataclasses.replace(parsed, returns=(), order=(), tree=True), now)
    assert result.graph is not None  # a tree query always gives one
    return result.graph


def run_query(store: GraphStore, query: str | Query, now: datetime | None = None) -> QueryResult:
    """Compile and run ``query`` (parsed first when it is text; ``date.now`` is ``now``, by default the
    current time); syntax errors raise :class:`QuerySyntaxError`."""
    compiled = compile_query(parse_query(query) if isinstance(query, str) else query, now, QUERY_DIALECTS[store.dialect])
    rows = store.select(compiled.sql, compiled.params)
    if compiled.tree:
        keys: dict[str, set[str]] = {"entity": set(), "relationship": set()}
        for row in rows:
            for kind, key in zip(compiled.columns, row):
                if key is not None:  # an optional traversal that did not match
                    keys[kind].add(key)
        return QueryResult(compiled.columns, [], False, read_subgraph(store, keys["entity"], keys["relationship"]))
    width = 1 if compiled.entities else len(compiled.columns)
    return QueryResult(compiled.columns, [tuple(decoded(cell) for cell in row[:width]) for row in rows], compiled.entities)
