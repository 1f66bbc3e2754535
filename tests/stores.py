"""What the tests read of a store beside its own interface, on either backend."""

from __future__ import annotations

from pathlib import Path

from aws_integration.store.location import is_postgres_url
from aws_integration.store.locks import locks_dir


def leases_held(location: str) -> int:
    """How many run leases are held: lock files beside a SQLite store, advisory locks in PostgreSQL."""
    if is_postgres_url(location):
        import psycopg

        with psycopg.connect(location) as db:
            return int(db.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0])
    folder = locks_dir(Path(location))
    return len(list(folder.iterdir())) if folder.exists() else 0
