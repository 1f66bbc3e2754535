"""Where a store lives: a SQLite file (the default) or a PostgreSQL database named by URL."""

from __future__ import annotations

import os
from collections.abc import Iterable

from aws_integration.store.graph_store import Derivation, GraphStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


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
