"""What every worker process of a run shares: how many cores there are, and how a worker follows its parent."""

from __future__ import annotations

import os
import signal
import threading
import time


def usable_cores() -> int:
    """The cores this process may run on (every core where the system has no affinity, as on macOS)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def follow_parent(parent: int) -> None:
    """Set up a worker of the main process ``parent``: Ctrl-C, which reaches the whole
    process group, is left to the main process, which stops the workers itself; and a
    worker ends when the main process is gone, even when it was killed without a chance
    to stop them (also while this worker was still starting)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def end_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=end_with_parent, name="end-with-parent", daemon=True).start()
