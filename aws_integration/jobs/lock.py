"""One run of an instance at a time, across every process that shares a store.

The lock is an ``flock`` on a file beside the store, one per instance. The kernel
releases it when its holder exits, however it exits, so a crashed run never leaves a
stale lock behind.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import TracebackType

from aws_integration.errors import IntegrationError
from aws_integration.store.locks import FileLock, locks_dir


class InstanceBusy(IntegrationError):
    """Another run of the same instance holds the lock."""


def lock_path(store_path: Path, instance: str) -> Path:
    """The lock file of ``instance`` for the store at ``store_path``."""
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", instance)[:40]
    digest = hashlib.sha256(instance.encode("utf-8")).hexdigest()[:12]
    return locks_dir(store_path) / f"{readable}-{digest}.lock"


class InstanceLock(FileLock):
    """A non-blocking, inter-process lock on one instance of one store."""

    def __init__(self, store_path: Path, instance: str) -> None:
        super().__init__(lock_path(store_path, instance))
        self.instance = instance

    def __enter__(self) -> "InstanceLock":
        if not self.acquire():
            raise InstanceBusy(f"instance {self.instance!r} is already running (lock {self.path})")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
