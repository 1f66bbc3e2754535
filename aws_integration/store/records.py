"""Stored rows as the flat records users see, and what changed between two of them.

A record is the bulk-upload shape: ``_key``, ``_type``, ``_class``, ``displayName``
and the properties, side by side (relationships add ``_fromEntityKey`` and
``_toEntityKey``). A change set compares records field by field, so an update names
each property that changed with its old and new value.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

EntityRow = tuple[str, str, str, str]  # type, classes (JSON), display name, properties (JSON)
RelationshipRow = tuple[str, str, str, str, str, str, str]  # type, verb, from/to key and type, properties


class RecordKind(str, enum.Enum):
    """Which part of the graph a change is about."""

    ENTITY = "entity"
    RELATIONSHIP = "relationship"


class ChangeKind(str, enum.Enum):
    """What happened to a record in a run."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    """The one JSON spelling of a value, so that equal values compare equal as text."""
    if not value and isinstance(value, dict):
        return "{}"  # most relationships' properties: spelled without the encoder
    return _CANONICAL.encode(value)


def entity_record(key: str, row: EntityRow) -> dict[str, Any]:
    """A stored entity row as a flat record."""
    type_name, classes, display_name, properties = row
    class_list = json.loads(classes)
    return {
        "_key": key,
        "_type": type_name,
        "_class": class_list[0] if len(class_list) == 1 else class_list,
        "displayName": display_name,
        **json.loads(properties),
    }


def relationship_record(key: str, row: RelationshipRow) -> dict[str, Any]:
    """A stored relationship row as a flat record."""
    type_name, verb, from_key, _from_type, to_key, _to_type, properties = row
    return {
        "_key": key,
        "_type": type_name,
        "_class": verb,
        "_fromEntityKey": from_key,
        "_toEntityKey": to_key,
        "displayName": verb,
        **json.loads(properties),
    }


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every field whose value differs, as ``{name: {"old": ..., "new": ...}}`` (absent is None)."""
    return {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    }


@dataclass(frozen=True)
class Change:
    """One entity or relationship a run created, updated or deleted.

    ``record`` is the record as it is after the run (as it was, for a deletion);
    ``changed`` names, for an update, each field with its old and new value.
    """

    kind: RecordKind
    change: ChangeKind
    key: str
    type: str
    record: dict[str, Any]
    changed: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind.value,
            "change": self.change.value,
            "key": self.key,
            "type": self.type,
            "record": self.record,
            "changed": self.changed,
        }
