"""SQL functions the store adds to SQLite, for the query language.

``X REGEXP P`` is true where Python's regular expression ``P`` (flags inline, ``(?i)^web``)
is found in the text ``X``; a value that is not text never matches.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regexp(pattern: str, value: Any) -> bool:
    """SQLite's ``value REGEXP pattern`` (it calls ``regexp(pattern, value)``)."""
    return isinstance(value, str) and _compiled(pattern).search(value) is not None


def register_functions(db: sqlite3.Connection) -> None:
    """Add the query language's functions to a connection."""
    db.create_function("regexp", 2, regexp, deterministic=True)
