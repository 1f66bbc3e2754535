"""Inter-process locks beside a store: ``flock`` on files in ``<store>.locks/``.

The kernel releases an ``flock`` when its holder exits, however it exits (SIGKILL
included), so a lock that can be taken proves its last holder is gone.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def locks_dir(store_path: Path) -> Path:
    """The directory holding the lock files of the store at ``store_path``."""
    return store_path.with_name(f"{store_path.name}.locks")


class FileLock:
    """A non-blocking, exclusive lock on one file; it records the holder's PID."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if it is free; False when another process holds it."""
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

    def release(self, *, remove: bool = False) -> None:
        """Let the next holder take the lock; ``remove`` deletes the file first (while still held)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
