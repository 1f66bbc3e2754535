"""The store's connection to its database, SQLite or PostgreSQL, behind one small interface.

The store's statements are written once, with ``?`` and ``:name`` placeholders and
standard SQL; what the two databases spell differently (reading a JSON list, quoting a
value as JSON, a staging table's options, the commit's write lock) comes from the
connection's :class:`Dialect`. A PostgreSQL connection rewrites the placeholders into
psycopg's (``%s``, ``%(name)s``), once per statement.
"""

from __future__ import annotations

import functools
import operator
import re
import sqlite3
from collections.abc import Iterable, Sequence
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
    text: str  # the type of the text columns, in the graph tables and their staging twins alike
    staging_options: str  # after a staging table's definition

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
    text="TEXT",
    staging_options=" WITHOUT ROWID",
)
POSTGRESQL = Dialect(
    name="postgresql",
    json_values="SELECT value FROM jsonb_array_elements_text(CAST({} AS jsonb)) AS value",
    json_pairs="SELECT pair ->> 0, pair ->> 1 FROM jsonb_array_elements(CAST({} AS jsonb)) AS pair",
    json_quote="CAST(to_json(CAST({} AS text)) AS text)",
    json_length="jsonb_array_length(CAST({} AS jsonb))",
    json_first="CAST(CAST({} AS jsonb) -> 0 AS text)",
    # Keys and types sort byte by byte as in SQLite, whatever the database's locale; a join between columns of
    # two collations could not use the key's index.
    text='TEXT COLLATE "C"',
    staging_options="",
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
    def replace_rows(self, table: str, columns: Sequence[str], key: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Write ``rows`` into ``table``; a row whose ``key`` columns are already there replaces that row."""
    def analyze(self, tables: Sequence[str]) -> None:
        """Give the planner the statistics of tables just filled (the staging tables, before a merge)."""
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

    def replace_rows(self, table: str, columns: Sequence[str], key: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """``INSERT OR REPLACE``, row by row in one prepared statement."""
        self.connection.executemany(
            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows
        )

    def analyze(self, tables: Sequence[str]) -> None:
        """Nothing: without statistics SQLite already joins the staging tables through their keys."""

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

    def execute_unparameterised(self, sql: str) -> None:
        """A statement sent as written, placeholders and all (a function's body)."""
        self.connection.execute(sql.encode())  # bytes: psycopg leaves a statement without parameters alone

    def replace_rows(self, table: str, columns: Sequence[str], key: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """``COPY`` into a TEMP table of the same shape (several times faster than one INSERT per row), then one
        upsert from it; of rows repeating a key in one call, the last one is kept, as row-by-row replacing would."""
        key_of = operator.itemgetter(*(columns.index(name) for name in key))
        latest = {key_of(row): row for row in rows}
        if not latest:
            return
        incoming = f"incoming_{table}"
        self.connection.execute(f"CREATE TEMP TABLE IF NOT EXISTS {incoming} (LIKE {table} INCLUDING DEFAULTS)")
        listed = ", ".join(columns)
        with self.connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {incoming}")  # what a failed call may have left
            with cursor.copy(f"COPY {incoming} ({listed}) FROM STDIN") as copy:
                for row in latest.values():
                    copy.write_row(row)
            updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in key)
            cursor.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {incoming} "
                           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")

    def analyze(self, tables: Sequence[str]) -> None:
        """``ANALYZE``: autovacuum never visits TEMP tables, and without statistics the planner takes a staging
        table of 200,000 rows for a handful, and joins it row by row."""
        self.connection.execute(f"ANALYZE {', '.join(tables)}")

    def begin(self, *, immediate: bool) -> None:
        """``immediate``: also wait for the commit lock, so commits run one at a time as in SQLite."""
        self.connection.execute("BEGIN")
        if immediate:
            self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_LOCK,))

    def close(self) -> None:
        self.connection.close()
