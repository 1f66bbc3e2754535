"""One run of an instance at a time, across every process that shares a store.

The lock is an ``flock`` on a file beside the store, one per instance. The kernel
releases it when its holder exits, however it exits, so a crashed run never leaves a
stale lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from pathlib import Path
from types import TracebackType

from aws_integration.engine.errors import IntegrationError


class InstanceBusy(IntegrationError):
    """Another run of the same instance holds the lock."""


def lock_path(store_path: Path, instance: str) -> Path:
    """The lock file of ``instance`` for the store at ``store_path``."""
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", instance)[:40]
    digest = hashlib.sha256(instance.encode("utf-8")).hexdigest()[:12]
    return store_path.with_name(f"{store_path.name}.locks") / f"{readable}-{digest}.lock"


class InstanceLock:
    """A non-blocking, inter-process lock on one instance of one store."""

    def __init__(self, store_path: Path, instance: str) -> None:
        self.instance = instance
        self.path = lock_path(store_path, instance)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if it is free; False when another run holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        """Let the next run take the lock."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InstanceLock":
        if not self.acquire():
            raise InstanceBusy(f"instance {self.instance!r} is already running (lock {self.path})")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
