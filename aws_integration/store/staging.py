"""A run's records, staged in the store page by page as they are collected, merged at commit.

Staged rows live in TEMP tables of the store's connection: private to the process,
never seen by readers of the graph, spilled to a temporary file once they outgrow a
small page cache (SQLite) or the temporary buffers (PostgreSQL), never written to
the write-ahead log, and gone with the connection if the process ends, so a run that
is killed leaves nothing behind. Rows are keyed by run, stage and record key: the
stage is :data:`COLLECTED` for what a run collected, or the name of a derived source
for what the store derives at commit. Each row remembers the unit that added it, so
a unit that fails is taken back whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.sink import SinkError
from aws_integration.store.database import Database
from aws_integration.store.errors import StoreError
from aws_integration.store.tables import ENTITIES, GRAPH_TABLES, RELATIONSHIPS, Table
from aws_integration.store.transactions import transaction

COLLECTED = ""


class StagingError(StoreError, SinkError):
    """Records could not be staged in the store: the run cannot go on."""


def create_staging_tables(db: Database) -> None:
    """Create the connection's staging tables (TEMP tables exist per connection)."""
    text = db.dialect.text
    for table in GRAPH_TABLES:
        db.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {table.staged} (run_id INTEGER NOT NULL, stage {text} NOT NULL, "
            f"key {text} NOT NULL, unit INTEGER NOT NULL, scope {text} NOT NULL, "
            f"{', '.join(f'{column} {text} NOT NULL' for column in table.columns)}, "
            f"PRIMARY KEY (run_id, stage, key)){db.dialect.staging_options}"
        )


def stage_records(
    db: Database, table: Table, run_id: int, stage: str, records: Iterable[Any], unit: int = 0
) -> None:
    """Stage entities or relationships, each with its scope; a key staged again replaces the earlier row."""
    db.replace_rows(
        table.staged, ("run_id", "stage", "key", "unit", "scope", *table.columns), ("run_id", "stage", "key"),
        ((run_id, stage, record.key, unit, record.scope, *table.to_row(record)) for record in records),
    )


def drop_staged(db: Database, run_id: int, stage: str | None = None) -> None:
    """Forget what a run staged (in one stage, or in all)."""
    for table in GRAPH_TABLES:
        if stage is None:
            db.execute(f"DELETE FROM {table.staged} WHERE run_id = ?", (run_id,))
        else:
            db.execute(f"DELETE FROM {table.staged} WHERE run_id = ? AND stage = ?", (run_id, stage))


class StagedGraph:
    """The sink a run's graph goes to when it is stored: each page is staged as it comes.

    A unit's records are visible to the commit as soon as they are added; ``discard``
    deletes them again. Nothing is merged into the graph before the run's commit.
    """

    def __init__(self, db: Database, path: str, run_id: int) -> None:
        self._db = db
        self._path = path
        self.run_id = run_id

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            with transaction(self._db):
                yield
        except self._db.errors as error:
            raise StagingError(f"cannot write store {self._path}: {error}") from None

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        """Stage a page of one unit's records."""
        with self._writing():
            stage_records(self._db, ENTITIES, self.run_id, COLLECTED, entities, unit)
            stage_records(self._db, RELATIONSHIPS, self.run_id, COLLECTED, relationships, unit)

    def keep(self, unit: int) -> None:
        """Nothing to do: a unit's rows are staged as they come."""

    def discard(self, unit: int) -> None:
        """Delete every row the unit staged."""
        with self._writing():
            for table in GRAPH_TABLES:
                self._db.execute(f"DELETE FROM {table.staged} WHERE run_id = ? AND unit = ?", (self.run_id, unit))

    def _counts(self, table: Table) -> dict[str, int]:
        try:
            return dict(self._db.execute(
                f"SELECT type, COUNT(*) FROM {table.staged} WHERE run_id = ? AND stage = ? GROUP BY type",
                (self.run_id, COLLECTED),
            ).fetchall())
        except self._db.errors as error:
            raise StagingError(f"cannot read store {self._path}: {error}") from None

    def entity_counts(self) -> dict[str, int]:
        """Staged entities, by type."""
        return self._counts(ENTITIES)

    def relationship_counts(self) -> dict[str, int]:
        """Staged relationships, by type."""
        return self._counts(RELATIONSHIPS)
