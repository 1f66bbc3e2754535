"""The store's connection to its database, SQLite or PostgreSQL, behind one small interface.

The store's statements are written once, with ``?`` and ``:name`` placeholders and
standard SQL; what the two databases spell differently (reading a JSON list, quoting a
value as JSON, a staging table's options, the commit's write lock) comes from the
connection's :class:`Dialect`. A PostgreSQL connection rewrites the placeholders into
psycopg's (``%s``, ``%(name)s``), once per statement.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import psycopg

COMMIT_LOCK = 0x6177_7369  # PostgreSQL advisory lock serialising commits, as SQLite's one writer does


@dataclass(frozen=True)
class Dialect:
    """How one database spells what the store needs beyond standard SQL.

    Each ``{}`` in a template takes an SQL expression (a column or a placeholder).
    """

    name: str
    json_values: str  # SELECT of the text values of a JSON list, as a column named ``value``
    json_pairs: str  # SELECT of the (first, second) text items of a JSON list of pairs
    json_quote: str  # the JSON text of a text value
    json_length: str  # the length of a JSON list given as text
    json_first: str  # the JSON text of a JSON list's first item
    staging_options: str  # after a staging table's definition
    replace_staged: str  # how a row staged again replaces the earlier one: {table}, {columns}, {values}, {updates}

    def values(self, expression: str) -> str:
        """SQL: the text values of the JSON list ``expression``."""
        return self.json_values.format(expression)

    def pairs(self, expression: str) -> str:
        """SQL: the (first, second) items of the JSON list of pairs ``expression``."""
        return self.json_pairs.format(expression)

    def quote(self, expression: str) -> str:
        """SQL: ``expression`` (text) as a JSON string."""
        return self.json_quote.format(expression)


SQLITE = Dialect(
    name="sqlite",
    json_values="SELECT value FROM json_each({})",
    json_pairs="SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each({})",
    json_quote="json_quote({})",
    json_length="json_array_length({})",
    json_first="json_quote(json_extract({}, '$[0]'))",
    staging_options=" WITHOUT ROWID",
    replace_staged="INSERT OR REPLACE INTO {table} ({columns}) VALUES ({values})",
)
POSTGRESQL = Dialect(
    name="postgresql",
    json_values="SELECT value FROM jsonb_array_elements_text(CAST({} AS jsonb)) AS value",
    json_pairs="SELECT pair ->> 0, pair ->> 1 FROM jsonb_array_elements(CAST({} AS jsonb)) AS pair",
    json_quote="CAST(to_json(CAST({} AS text)) AS text)",
    json_length="jsonb_array_length(CAST({} AS jsonb))",
    json_first="CAST(CAST({} AS jsonb) -> 0 AS text)",
    staging_options="",
    replace_staged=("INSERT INTO {table} ({columns}) VALUES ({values}) "
                    "ON CONFLICT (run_id, stage, key) DO UPDATE SET {updates}"),
)


class Cursor(Protocol):
    """What the store reads from a statement's cursor (sqlite3's and psycopg's alike)."""

    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...


class Database(Protocol):
    """One open connection of the store, in autocommit mode: transactions are explicit."""

    dialect: Dialect
    errors: tuple[type[Exception], ...]  # what the driver raises

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, params: Any = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Iterable[Any]) -> None: ...
    def begin(self, *, immediate: bool) -> None: ...
    def close(self) -> None: ...


class SqliteDatabase:
    """A sqlite3 connection (``isolation_level=None``)."""

    dialect = SQLITE
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @property
    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        self.connection.executemany(sql, rows)

    def begin(self, *, immediate: bool) -> None:
        """``BEGIN IMMEDIATE`` takes the one write lock at once (a commit, a migration)."""
        self.connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def close(self) -> None:
        self.connection.close()


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|(?<!:):([A-Za-z_]\w*)|\?|%")


@functools.lru_cache(maxsize=512)
def psycopg_sql(sql: str) -> str:
    """``sql`` with its ``?`` and ``:name`` placeholders in psycopg's spelling, and ``%`` escaped.

    String literals keep their text (a ``%`` in them is escaped too: psycopg reads the
    whole statement).
    """

    def spelled(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return text.replace("%", "%%")
        if match.group(1):
            return f"%({match.group(1)})s"
        return "%s" if text == "?" else "%%"

    return _PLACEHOLDER.sub(spelled, sql)


class PostgresDatabase:
    """A psycopg 3 connection in autocommit mode."""

    dialect = POSTGRESQL

    def __init__(self, connection: "psycopg.Connection[Any]") -> None:
        import psycopg

        self.connection = connection
        self.errors = (psycopg.Error,)
        self._idle = psycopg.pq.TransactionStatus.IDLE

    @property
    def in_transaction(self) -> bool:
        return self.connection.info.transaction_status != self._idle

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return self.connection.execute(psycopg_sql(sql), params)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(psycopg_sql(sql), rows)  # type: ignore[arg-type]

    def begin(self, *, immediate: bool) -> None:
        """``immediate``: also wait for the commit lock, so commits run one at a time as in SQLite."""
        self.connection.execute("BEGIN")
        if immediate:
            self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_LOCK,))

    def close(self) -> None:
        self.connection.close()
