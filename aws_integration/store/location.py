"""Where a store lives: a SQLite file (the default) or a PostgreSQL database named by URL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from aws_integration.store.graph_store import Derivation, GraphStore

if TYPE_CHECKING:
    from aws_integration.jobs.lock import RunLock

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
STORE_ENV = "AWS_INTEGRATION_STORE"


def is_postgres_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``--store`` names a PostgreSQL database rather than a SQLite file."""
    return str(location).startswith(POSTGRES_SCHEMES)


def open_store(location: str | os.PathLike[str], derivations: Iterable[Derivation] = ()) -> GraphStore:
    """The store at ``location``: a ``postgresql://`` URL, else the path of a SQLite file."""
    if is_postgres_url(location):
        from aws_integration.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(str(location), derivations)
    from aws_integration.store.sqlite import SqliteStore

    return SqliteStore(location, derivations)


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/aws-integration/graph.sqlite``: the store when neither ``--store`` nor the environment names one."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "aws-integration" / "graph.sqlite"


@dataclass(frozen=True)
class StoreAddress:
    """A store as the command line names it: ``--store``, else ``$AWS_INTEGRATION_STORE``, else the default file."""

    location: str

    @classmethod
    def of(cls, given: str | None) -> "StoreAddress":
        """The store ``--store`` names (None: the environment's, else the default file)."""
        return cls(given or os.environ.get(STORE_ENV) or str(default_store_path()))

    @property
    def is_postgres(self) -> bool:
        return is_postgres_url(self.location)

    @property
    def path(self) -> Path:
        """The SQLite file (only for a SQLite store)."""
        return Path(self.location)

    def __str__(self) -> str:
        """How messages name it: the path, or the URL without its password and options."""
        if self.is_postgres:
            from aws_integration.store.postgres import shown_url

            return shown_url(self.location)
        return self.location

    def exists(self) -> bool:
        """Whether there is a store to read (a PostgreSQL database is one once it can be opened)."""
        return self.is_postgres or self.path.exists()

    def open(self, derivations: Iterable[Derivation] = ()) -> GraphStore:
        """Open it (creating a SQLite file, or the tables of an empty PostgreSQL database)."""
        return open_store(self.location, derivations)

    def instance_lock(self, instance: str) -> "RunLock":
        """The lock one run of ``instance`` holds, in every process that shares this store."""
        from aws_integration.jobs.lock import InstanceLock, PostgresInstanceLock

        return PostgresInstanceLock(self.location, instance) if self.is_postgres else InstanceLock(self.path, instance)

    def remove_unused(self) -> None:
        """Delete a (closed) SQLite store this command created and never wrote a run into, with its side files.

        A PostgreSQL database is the administrator's: its tables stay.
        """
        if self.is_postgres:
            return
        from aws_integration.store.locks import locks_dir

        for path in (self.path, *(self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            locks_dir(self.path).rmdir()  # only when empty: another run's lock keeps it
