"""The one way the store opens, commits and rolls back a SQLite transaction."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, *, immediate: bool = False) -> Iterator[None]:
    """One transaction around the block: committed when it ends, rolled back when it raises.

    ``immediate`` takes the write lock at once (``BEGIN IMMEDIATE``: a commit or a
    migration); otherwise a block run inside a transaction already open joins it. After
    a full disk SQLite has already rolled back by itself, so ROLLBACK is only sent while
    a transaction is still open (else its own error would hide the real one).
    """
    if db.in_transaction and not immediate:
        yield
        return
    db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
