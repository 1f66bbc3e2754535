"""The derived sources every store of the command line keeps up to date."""

from __future__ import annotations

import os

from aws_integration.graph.devices import AGENT_CLASS, DEVICE_CLASS, DEVICE_ENTITY, map_devices
from aws_integration.graph.persons import PERSON_CLASS, PERSON_ENTITY, USER_CLASS, map_persons
from aws_integration.graph.placeholders import INTERNET_ENTITY, IP_RANGE_ENTITY, map_placeholders
from aws_integration.steps.declarations import EntityDecl
from aws_integration.store.graph_store import Derivation, GraphStore
from aws_integration.store.location import open_store

PERSON_SOURCE = "mapper:person"
PERSON_MAPPING = Derivation(PERSON_SOURCE, frozenset({USER_CLASS, PERSON_CLASS}), map_persons)
DEVICE_SOURCE = "mapper:device"
# After the persons: the devices' owners are the Persons just derived, in the same transaction.
DEVICE_MAPPING = Derivation(DEVICE_SOURCE, frozenset({AGENT_CLASS, DEVICE_CLASS, PERSON_CLASS, USER_CLASS, "Host"}),
                            map_devices)
PLACEHOLDER_SOURCE = "mapper:placeholder"
PLACEHOLDER_MAPPING = Derivation(PLACEHOLDER_SOURCE, frozenset({"Firewall", "AccessRole", "Account"}), map_placeholders)
DEFAULT_DERIVATIONS = (PERSON_MAPPING, DEVICE_MAPPING, PLACEHOLDER_MAPPING)
# The entity types the derivations make, with the source that makes each (an external ``aws_account`` is
# AWS's type, declared with it).
_MADE_BY = ((PERSON_ENTITY, PERSON_SOURCE), (DEVICE_ENTITY, DEVICE_SOURCE), (INTERNET_ENTITY, PLACEHOLDER_SOURCE),
            (IP_RANGE_ENTITY, PLACEHOLDER_SOURCE))
DERIVED_ENTITIES: dict[str, EntityDecl] = {entity.type: entity for entity, _ in _MADE_BY}
DERIVATIONS_OF: dict[str, str] = {entity.type: source for entity, source in _MADE_BY}


def open_graph_store(location: str | os.PathLike[str]) -> GraphStore:
    """The store at ``location`` (a path or a PostgreSQL URL), with the derived sources recomputed after every commit."""
    return open_store(location, derivations=DEFAULT_DERIVATIONS)
