"""The derived sources every store of the command line keeps up to date."""

from __future__ import annotations

from pathlib import Path

from aws_integration.graph.persons import PERSON_CLASS, USER_CLASS, map_persons
from aws_integration.store.sqlite import Derivation, SqliteStore

PERSON_SOURCE = "mapper:person"
PERSON_MAPPING = Derivation(PERSON_SOURCE, frozenset({USER_CLASS, PERSON_CLASS}), map_persons)
DEFAULT_DERIVATIONS = (PERSON_MAPPING,)


def open_graph_store(path: Path) -> SqliteStore:
    """The store at ``path``, with the Person mapping recomputed after every commit."""
    return SqliteStore(path, derivations=DEFAULT_DERIVATIONS)
