"""Who writes a source, and whose record a ``_key`` is when two sources hold it.

A source names the writer that owns its records: an integration's (``aws:<account>``,
``sentinelone:<console>``), a derivation's (``mapper:person``), or an import's (any
other name, ``custom`` by default). Only its writer replaces a source's records, so an
import may not name an integration's or a derivation's source.

A ``_key`` is unique across the graph at every write. When a write brings a key that
another source holds, the higher rank wins: an integration's record over an import's
over a derivation's. Between two integration sources (two AWS accounts trusting the
same AWS service), the record already stored stays and the newcomer's copy is left
out; an import that brings a key an integration or another import holds is refused.
"""

from __future__ import annotations

import enum
import re

INTEGRATION_PREFIXES = ("aws:", "sentinelone:")
DERIVED_PREFIX = "mapper:"
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$")


class Rank(enum.IntEnum):
    """Whose record a key is when two sources hold it: the higher rank wins."""

    DERIVED = 0
    IMPORTED = 1
    INTEGRATION = 2


def rank_of(source: str) -> Rank:
    """The rank of the writer that owns ``source``."""
    lowered = source.lower()
    if lowered.startswith(INTEGRATION_PREFIXES):
        return Rank.INTEGRATION
    if lowered.startswith(DERIVED_PREFIX):
        return Rank.DERIVED
    return Rank.IMPORTED


def import_source_problem(source: str) -> str | None:
    """Why ``import`` may not write ``source``, or ``None`` when it may."""
    if not _SOURCE_NAME.match(source):
        return (f"--source {source!r}: a source name is 1 to 128 letters, digits and _.:@/- "
                "and starts with a letter or digit")
    rank = rank_of(source)
    if rank is Rank.INTEGRATION:
        prefix = next(prefix for prefix in INTEGRATION_PREFIXES if source.lower().startswith(prefix))
        return (f"--source {source!r}: sources named {prefix}* are written only by the {prefix.rstrip(':')} "
                "integration's runs; import into a source of your own (default: custom)")
    if rank is Rank.DERIVED:
        return f"--source {source!r}: sources named {DERIVED_PREFIX}* are derived by the store after every run"
    return None
