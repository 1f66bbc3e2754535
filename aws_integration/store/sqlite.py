"""The embedded store: one SQLite file, readable and writable by its owner only.

Running runs hold their lease as a lock file beside the store
(:mod:`~aws_integration.store.locks`); readers never block the writer's commit, nor
the writer the readers (write-ahead log, docs/reliability.md).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from aws_integration.store.database import SqliteDatabase
from aws_integration.store.errors import StoreError
from aws_integration.store.functions import register_functions
from aws_integration.store.graph_store import Derivation, GraphStore
from aws_integration.store.locks import FileLock, locks_dir
from aws_integration.store.migrations import ANALYSIS_LIMIT, SCHEMA_VERSION, NewerSchema, NotAStore, migrate
from aws_integration.store.staging import create_staging_tables

log = logging.getLogger(__name__)

class SqliteStore(GraphStore):
    """A graph store in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], derivations: Iterable[Derivation] = ()) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.derivations = tuple(derivations)
        try:
            self._open()
        except BaseException:
            opened = getattr(self, "_db", None)
            if opened is not None:  # closed, so it leaves no -wal or -shm file behind
                opened.close()
            raise

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # Created empty with owner-only permissions before SQLite writes anything.
                self.path.touch(mode=0o600)
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db = SqliteDatabase(connection)
            connection.execute("PRAGMA foreign_keys = ON")
            register_functions(connection)
            migrate(self._db)  # first: a database that is not a store is refused before anything changes it
            connection.execute("PRAGMA journal_mode = WAL")
            create_staging_tables(self._db)
            self.interrupted_runs = self._mark_interrupted_runs()
        except NotAStore as other:
            raise StoreError(
                f"{self.path} is not an aws-integration store (it holds other tables: {', '.join(other.tables)}); "
                "it was left as it was: name another --store"
            ) from None
        except NewerSchema as newer:
            raise StoreError(
                f"store {self.path} has schema version {newer.version}, newer than this version understands "
                f"({SCHEMA_VERSION}); upgrade aws-integration"
            ) from None
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open store {self.path}: {error}") from None

    def _lease_lock(self, token: str | None) -> FileLock:
        """The lock file a running run's process holds."""
        return FileLock(locks_dir(self.path) / f"run-{token}.lease")

    def refresh_statistics(self) -> None:
        """Renew the query planner's sampled statistics of the tables (``ANALYZE``, at most
        :data:`ANALYSIS_LIMIT` rows per index). Without them SQLite may read every entity of a
        type at each step of a traversal instead of following the relationship's index. The
        commit is done before: a failure here is logged, and the graph stays as committed."""
        try:
            self._db.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            self._db.execute("ANALYZE")
        except sqlite3.Error as error:
            log.warning("could not refresh the query statistics of %s: %s", self.path, error)
