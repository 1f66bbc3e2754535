"""Running a query on the store, and its results as table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from aws_integration.query.parser import parse_query
from aws_integration.query.sql import compile_query
from aws_integration.store import SqliteStore

_ENTITY_COLUMNS = ("_type", "_key", "displayName")


def _value(text: str | None) -> Any:
    value = json.loads(text) if text is not None else None
    if isinstance(value, dict) and isinstance(value.get("_class"), list) and len(value["_class"]) == 1:
        value["_class"] = value["_class"][0]
    return value


@dataclass(frozen=True)
class QueryResult:
    """What a query found: entity records (no RETURN), or one row per distinct RETURN tuple."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    entities: bool

    def records(self) -> list[Any]:
        """Entities as records, or rows as ``{column: value}`` objects."""
        if self.entities:
            return [row[0] for row in self.rows]
        return [dict(zip(self.columns, row)) for row in self.rows]

    def _table_rows(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        if self.entities:
            return _ENTITY_COLUMNS, [tuple(_cell(row[0].get(name)) for name in _ENTITY_COLUMNS) for row in self.rows]
        return self.columns, [tuple(_cell(value) for value in row) for row in self.rows]

    def to_table(self) -> str:
        """Aligned columns, with a count line."""
        header, rows = self._table_rows()
        widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
        noun = "entity" if self.entities else "row"
        lines.append(f"({len(rows)} {noun}{'' if len(rows) == 1 else ('ies' if self.entities else 's')})"
                     .replace("entityies", "entities"))
        return "\n".join(lines)

    def to_json(self) -> str:
        """A JSON array of records."""
        return json.dumps(self.records(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """CSV with a header; entities give ``_type,_key,displayName``, lists and objects as JSON."""
        header, rows = self._table_rows()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def run_query(store: SqliteStore, text: str) -> QueryResult:
    """Parse, compile and run ``text``; syntax errors raise :class:`QuerySyntaxError`."""
    compiled = compile_query(parse_query(text))
    rows = store.select(compiled.sql, compiled.params)
    width = 1 if compiled.entities else len(compiled.columns)
    return QueryResult(compiled.columns, [tuple(_value(cell) for cell in row[:width]) for row in rows], compiled.entities)
