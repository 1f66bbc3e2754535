"""The SQLite store: the latest graph of each source, and the history of runs.

One run is one transaction. A run replaces its source's graph, except for the types it
marks partial (their step did not succeed): entities and relationships of those types
that the run did not see are kept from earlier runs. Relationships whose endpoints
are not in the stored graph are not written, and are counted by type.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aws_integration.graph.model import Entity, Relationship

SCHEMA_VERSION = 1
STORE_ENV = "AWS_INTEGRATION_STORE"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    classes TEXT NOT NULL,
    display_name TEXT NOT NULL,
    properties TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS entities_type ON entities (type);
CREATE INDEX IF NOT EXISTS entities_key ON entities (key);
CREATE TABLE IF NOT EXISTS relationships (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    verb TEXT NOT NULL,
    from_key TEXT NOT NULL,
    from_type TEXT NOT NULL,
    to_key TEXT NOT NULL,
    to_type TEXT NOT NULL,
    properties TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS relationships_type ON relationships (type);
"""


class StoreError(Exception):
    """The store cannot be opened, read or written; the message says why."""


def default_store_path() -> Path:
    """``$AWS_INTEGRATION_STORE``, else ``$XDG_DATA_HOME/aws-integration/graph.sqlite``."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured)
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "aws-integration" / "graph.sqlite"


@dataclass
class GraphBatch:
    """What one run hands to the store."""

    source: str
    entities: list[Entity]
    relationships: list[Relationship]
    partial_entity_types: set[str]
    partial_relationship_types: set[str]
    status: str
    started_at: str
    finished_at: str
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class Changes:
    """What a run changed for one kind of record."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept_from_earlier_runs: int = 0


@dataclass
class CommitSummary:
    """The outcome of storing one run."""

    run_id: int
    entities: Changes
    relationships: Changes
    dangling_relationships: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _entity_row(entity: Entity) -> tuple[str, str, str, str]:
    return entity.type, _canonical(list(entity.classes)), entity.display_name, _canonical(entity.properties)


def _relationship_row(rel: Relationship) -> tuple[str, str, str, str, str, str, str]:
    return rel.type, rel.verb, rel.from_key, rel.from_type, rel.to_key, rel.to_type, _canonical(rel.properties)


class SqliteStore:
    """A graph store in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
            self._check_version()
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open store {self.path}: {error}") from None

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {row[0]}, newer than this version understands ({SCHEMA_VERSION})"
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> "SqliteStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def commit_run(self, batch: GraphBatch) -> CommitSummary:
        """Store a run's graph in one transaction and record the run."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                summary = self._merge(batch)
                self._db.execute(
                    "UPDATE runs SET summary = ? WHERE id = ?", (_canonical(summary.to_dict()), summary.run_id)
                )
                self._db.execute("COMMIT")
                return summary
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise StoreError(f"cannot write store {self.path}: {error}") from None

    def _merge(self, batch: GraphBatch) -> CommitSummary:
        cursor = self._db.execute(
            "INSERT INTO runs (source, started_at, finished_at, status, summary, report) VALUES (?, ?, ?, ?, '{}', ?)",
            (batch.source, batch.started_at, batch.finished_at, batch.status, _canonical(batch.report)),
        )
        run_id = int(cursor.lastrowid or 0)
        entity_changes = self._merge_table(
            "entities",
            ("type", "classes", "display_name", "properties"),
            batch.source,
            run_id,
            {entity.key: _entity_row(entity) for entity in batch.entities},
            batch.partial_entity_types,
        )
        known = {key for (key,) in self._db.execute("SELECT key FROM entities")}
        dangling: Counter[str] = Counter()
        valid: dict[str, tuple[str, ...]] = {}
        for rel in batch.relationships:
            if rel.from_key in known and rel.to_key in known:
                valid[rel.key] = _relationship_row(rel)
            else:
                dangling[rel.type] += 1
        relationship_changes = self._merge_table(
            "relationships",
            ("type", "verb", "from_key", "from_type", "to_key", "to_type", "properties"),
            batch.source,
            run_id,
            valid,
            batch.partial_relationship_types,
        )
        relationship_changes.deleted += self._drop_orphaned(batch.source)
        return CommitSummary(run_id, entity_changes, relationship_changes, dict(dangling))

    def _merge_table(
        self,
        table: str,
        columns: tuple[str, ...],
        source: str,
        run_id: int,
        rows: dict[str, tuple[str, ...]],
        partial_types: set[str],
    ) -> Changes:
        changes = Changes()
        # Rows carry every column in order; columns[0] is always the type.
        existing = {
            key: tuple(values)
            for key, *values in self._db.execute(
                f"SELECT key, {', '.join(columns)} FROM {table} WHERE source = ?", (source,)
            )
        }
        placeholders = ", ".join("?" for _ in columns)
        assignments = ", ".join(f"{column} = ?" for column in columns)
        for key, values in rows.items():
            previous = existing.get(key)
            if previous is None:
                self._db.execute(
                    f"INSERT INTO {table} (source, key, {', '.join(columns)}, first_run, last_run) "
                    f"VALUES (?, ?, {placeholders}, ?, ?)",
                    (source, key, *values, run_id, run_id),
                )
                changes.created += 1
            elif previous != values:
                self._db.execute(
                    f"UPDATE {table} SET {assignments}, last_run = ? WHERE source = ? AND key = ?",
                    (*values, run_id, source, key),
                )
                changes.updated += 1
            else:
                self._db.execute(f"UPDATE {table} SET last_run = ? WHERE source = ? AND key = ?", (run_id, source, key))
                changes.unchanged += 1
        for key, (type_name, *_) in existing.items():
            if key in rows:
                continue
            if type_name in partial_types:
                changes.kept_from_earlier_runs += 1
            else:
                self._db.execute(f"DELETE FROM {table} WHERE source = ? AND key = ?", (source, key))
                changes.deleted += 1
        return changes

    def _drop_orphaned(self, source: str) -> int:
        """Delete kept relationships whose endpoint this run deleted."""
        cursor = self._db.execute(
            """
            DELETE FROM relationships
            WHERE source = ?
              AND (NOT EXISTS (SELECT 1 FROM entities e WHERE e.key = relationships.from_key)
                   OR NOT EXISTS (SELECT 1 FROM entities e WHERE e.key = relationships.to_key))
            """,
            (source,),
        )
        return cursor.rowcount

    def entities(self, source: str | None = None, types: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Stored entities in the bulk-upload shape, optionally of one source or some types."""
        sql, params = "SELECT key, type, classes, display_name, properties FROM entities", []
        clauses = []
        if source:
            clauses.append("source = ?")
            params.append(source)
        type_list = list(types or [])
        if type_list:
            clauses.append(f"type IN ({', '.join('?' for _ in type_list)})")
            params.extend(type_list)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        try:
            for key, type_name, classes, display_name, properties in self._db.execute(sql + " ORDER BY type, key", params):
                class_list = json.loads(classes)
                yield {
                    "_key": key,
                    "_type": type_name,
                    "_class": class_list[0] if len(class_list) == 1 else class_list,
                    "displayName": display_name,
                    **json.loads(properties),
                }
        except sqlite3.Error as error:
            raise StoreError(f"cannot read store {self.path}: {error}") from None

    def relationships(self, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored relationships in the bulk-upload shape."""
        sql = "SELECT key, type, verb, from_key, to_key, properties FROM relationships"
        params: list[str] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        try:
            for key, type_name, verb, from_key, to_key, properties in self._db.execute(sql + " ORDER BY type, key", params):
                yield {
                    "_key": key,
                    "_type": type_name,
                    "_class": verb,
                    "_fromEntityKey": from_key,
                    "_toEntityKey": to_key,
                    "displayName": verb,
                    **json.loads(properties),
                }
        except sqlite3.Error as error:
            raise StoreError(f"cannot read store {self.path}: {error}") from None

    def runs(self, source: str | None = None) -> list[dict[str, Any]]:
        """Run history, newest first."""
        sql = "SELECT id, source, started_at, finished_at, status, summary FROM runs"
        params: list[str] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        try:
            rows = self._db.execute(sql + " ORDER BY id DESC", params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"cannot read store {self.path}: {error}") from None
        return [
            {"id": run_id, "source": src, "startedAt": started, "finishedAt": finished, "status": status,
             "summary": json.loads(summary)}
            for run_id, src, started, finished, status, summary in rows
        ]
