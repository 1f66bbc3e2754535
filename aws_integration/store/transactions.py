"""The one way the store opens, commits and rolls back a transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aws_integration.store.database import Database


@contextlib.contextmanager
def transaction(db: Database, *, immediate: bool = False) -> Iterator[None]:
    """One transaction around the block: committed when it ends, rolled back when it raises.

    ``immediate`` takes the write lock at once (a commit or a migration: SQLite's
    ``BEGIN IMMEDIATE``, PostgreSQL's commit lock); otherwise a block run inside a
    transaction already open joins it. After a full disk SQLite has already rolled back
    by itself, so ROLLBACK is only sent while a transaction is still open (else its own
    error would hide the real one).
    """
    if db.in_transaction and not immediate:
        yield
        return
    db.begin(immediate=immediate)
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
