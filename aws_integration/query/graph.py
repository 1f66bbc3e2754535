"""The subgraph a query matched: its entities and relationships, read from the store by key."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aws_integration.query.dialects import QUERY_DIALECTS
from aws_integration.store import GraphStore


@dataclass(frozen=True)
class Subgraph:
    """Entity and relationship records (flat, as ``export`` writes them), each once, ordered by type and key."""

    entities: list[dict[str, Any]]
    relationships: list[dict[str, Any]]

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The bulk-upload shape, ``{"entities": [...], "relationships": [...]}``."""
        return {"entities": self.entities, "relationships": self.relationships}


def decoded(text: str | None) -> Any:
    """A JSON column of a query's answer; a record's one class as a name, as ``export`` writes it."""
    value = json.loads(text) if text is not None else None
    if isinstance(value, dict) and isinstance(value.get("_class"), list) and len(value["_class"]) == 1:
        value["_class"] = value["_class"][0]
    return value


def read_subgraph(store: GraphStore, entity_keys: Iterable[str], relationship_keys: Iterable[str]) -> Subgraph:
    """The records of these keys (one statement each for entities and relationships, however many keys)."""
    dialect = QUERY_DIALECTS[store.dialect]
    entities = store.select(
        f"SELECT {dialect.entity_record('e')} FROM entities e WHERE e.key IN ({dialect.keys_in(':keys')}) "
        "ORDER BY e.type, e.key", {"keys": json.dumps(sorted(set(entity_keys)))})
    relationships = store.select(
        f"SELECT {dialect.relationship_record('r')} FROM relationships r WHERE r.key IN ({dialect.keys_in(':keys')}) "
        "ORDER BY r.type, r.key", {"keys": json.dumps(sorted(set(relationship_keys)))})
    return Subgraph([decoded(text) for (text,) in entities], [decoded(text) for (text,) in relationships])
