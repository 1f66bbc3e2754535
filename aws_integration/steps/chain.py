"""The call chain: how many calls, one after another, led to the current point of a task.

Each call is one link further than the call it had to wait for; tasks inherit the
chain when they are created. A run's longest chain is its critical path.
"""

from __future__ import annotations

import contextvars

CALL_CHAIN: contextvars.ContextVar[int] = contextvars.ContextVar("aws_integration_call_chain", default=0)


def link() -> int:
    """Count one more call in the current chain (after it answered); returns the new length."""
    length = CALL_CHAIN.get() + 1
    CALL_CHAIN.set(length)
    return length
