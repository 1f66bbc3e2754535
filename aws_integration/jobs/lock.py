"""One run of an instance at a time, across every process (and machine) that shares a store.

Beside a SQLite store the lock is an ``flock`` on a file, one per instance; the kernel
releases it when its holder exits, however it exits. On a PostgreSQL store it is a
session advisory lock on a connection of its own; the server releases it when that
connection ends, however its process ended. Either way a crashed run never leaves a
stale lock behind.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from aws_integration.errors import IntegrationError
from aws_integration.store.locks import FileLock, locks_dir


class InstanceBusy(IntegrationError):
    """Another run of the same instance holds the lock."""


class RunLock(Protocol):
    """The lock of one instance: taken before its run, released after."""

    instance: str

    def acquire(self) -> bool: ...
    def release(self) -> None: ...


def lock_path(store_path: Path, instance: str) -> Path:
    """The lock file of ``instance`` for the store at ``store_path``."""
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", instance)[:40]
    digest = hashlib.sha256(instance.encode("utf-8")).hexdigest()[:12]
    return locks_dir(store_path) / f"{readable}-{digest}.lock"


class _Held:
    """``with lock:`` takes an instance's lock or raises :class:`InstanceBusy`, and releases it after."""

    instance: str
    if TYPE_CHECKING:  # each lock below has its own
        def acquire(self) -> bool: ...
        def release(self) -> None: ...

    def held_elsewhere(self) -> str:
        """Where the lock is, for the message saying the instance is busy."""
        return "another process holds its lock"

    def __enter__(self) -> Self:
        if not self.acquire():
            raise InstanceBusy(f"instance {self.instance!r} is already running ({self.held_elsewhere()})")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()


class InstanceLock(_Held, FileLock):
    """A non-blocking, inter-process lock on one instance of one store."""

    def __init__(self, store_path: Path, instance: str) -> None:
        FileLock.__init__(self, lock_path(store_path, instance))
        self.instance = instance

    def held_elsewhere(self) -> str:
        return f"lock {self.path}"


INSTANCE_LOCKS = 0x6177_7370  # the advisory locks' namespace (first key) for instances; the second is the name's hash


class PostgresInstanceLock(_Held):
    """A non-blocking lock on one instance of a PostgreSQL store: an advisory lock on a connection of its own."""

    def __init__(self, url: str, instance: str) -> None:
        self.url = url
        self.instance = instance
        digest = hashlib.sha256(instance.encode("utf-8")).digest()
        self.key = int.from_bytes(digest[:4], "big", signed=True)
        self._connection: Any = None

    def acquire(self) -> bool:
        """Take the lock if no other session holds it (a store that cannot be reached raises StoreError)."""
        if self._connection is not None:
            return True
        import psycopg

        from aws_integration.store.errors import StoreError
        from aws_integration.store.postgres import one_line, shown_url

        try:
            connection = psycopg.connect(self.url, autocommit=True, application_name="aws-integration lock")
            taken = connection.execute("SELECT pg_try_advisory_lock(%s, %s)", (INSTANCE_LOCKS, self.key)).fetchone()
        except psycopg.Error as error:
            raise StoreError(f"cannot lock instance {self.instance!r} in {shown_url(self.url)}: "
                             f"{one_line(error, self.url)}") from None
        if not taken or not taken[0]:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        """Let the next run take it: closing the connection releases its locks."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
