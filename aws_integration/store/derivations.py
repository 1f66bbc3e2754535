"""The derived sources every store of the command line keeps up to date."""

from __future__ import annotations

from pathlib import Path

from aws_integration.graph.devices import AGENT_CLASS, DEVICE_CLASS, DEVICE_ENTITY, map_devices
from aws_integration.graph.persons import PERSON_CLASS, PERSON_ENTITY, USER_CLASS, map_persons
from aws_integration.steps.declarations import EntityDecl
from aws_integration.store.sqlite import Derivation, SqliteStore

PERSON_SOURCE = "mapper:person"
PERSON_MAPPING = Derivation(PERSON_SOURCE, frozenset({USER_CLASS, PERSON_CLASS}), map_persons)
DEVICE_SOURCE = "mapper:device"
# After the persons: the devices' owners are the Persons just derived, in the same transaction.
DEVICE_MAPPING = Derivation(DEVICE_SOURCE, frozenset({AGENT_CLASS, DEVICE_CLASS, PERSON_CLASS, USER_CLASS, "Host"}),
                            map_devices)
DEFAULT_DERIVATIONS = (PERSON_MAPPING, DEVICE_MAPPING)
DERIVED_ENTITIES: dict[str, EntityDecl] = {PERSON_ENTITY.type: PERSON_ENTITY, DEVICE_ENTITY.type: DEVICE_ENTITY}
"""The entity types the derivations make, with their declared properties."""
DERIVATIONS_OF = {PERSON_ENTITY.type: PERSON_SOURCE, DEVICE_ENTITY.type: DEVICE_SOURCE}


def open_graph_store(path: Path) -> SqliteStore:
    """The store at ``path``, with the Person and Device mappings recomputed after every commit."""
    return SqliteStore(path, derivations=DEFAULT_DERIVATIONS)
