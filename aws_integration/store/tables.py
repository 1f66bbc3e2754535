"""The two graph tables: their columns, and how entities and relationships become their rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store.records import (
    EntityRow,
    RecordKind,
    RelationshipRow,
    canonical,
    entity_record,
    relationship_record,
)


def entity_row(entity: Entity) -> EntityRow:
    """An entity's columns after its key."""
    return entity.type, canonical(list(entity.classes)), entity.display_name, canonical(entity.properties)


def relationship_row(rel: Relationship) -> RelationshipRow:
    """A relationship's columns after its key."""
    return rel.type, rel.verb, rel.from_key, rel.from_type, rel.to_key, rel.to_type, canonical(rel.properties)


@dataclass(frozen=True)
class Table:
    """A graph table: its columns after (source, key), in row order, the type first.

    Each has a staging twin, ``staged_<name>``, a TEMP table holding the rows runs have
    collected but not yet committed (see :mod:`aws_integration.store.staging`).
    """

    name: str
    columns: tuple[str, ...]
    kind: RecordKind
    to_record: Callable[[str, Any], dict[str, Any]]
    to_row: Callable[[Any], tuple[str, ...]]
    record_fields: str  # SQL for ``to_record``'s JSON up to its properties; the row's alias is ``{a}``

    @property
    def column_list(self) -> str:
        """The columns after (source, key), comma-separated."""
        return ", ".join(self.columns)

    @property
    def staged(self) -> str:
        """The staging table's name."""
        return f"temp.staged_{self.name}"

    def prefixed(self, alias: str) -> str:
        """The columns after (source, key), each prefixed with ``alias.``."""
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def record_sql(self, alias: str) -> str:
        """SQL for the JSON text of ``to_record`` over the row aliased ``alias`` (the change log is written with it).

        The reserved fields come first, then the stored properties' own JSON text, as in
        ``to_record``: nothing is decoded or re-encoded.
        """
        properties = f"{alias}.properties"
        return (f"{self.record_fields.format(a=alias)} || "
                f"CASE {properties} WHEN '{{}}' THEN '}}' ELSE ',' || substr({properties}, 2) END")


ENTITIES = Table(
    "entities",
    ("type", "classes", "display_name", "properties"),
    RecordKind.ENTITY,
    entity_record,
    entity_row,
    """'{{"_key":' || json_quote({a}.key) || ',"_type":' || json_quote({a}.type) || ',"_class":' || """
    """CASE json_array_length({a}.classes) WHEN 1 THEN json_quote(json_extract({a}.classes, '$[0]')) """
    """ELSE {a}.classes END || ',"displayName":' || json_quote({a}.display_name)""",
)
RELATIONSHIPS = Table(
    "relationships",
    ("type", "verb", "from_key", "from_type", "to_key", "to_type", "properties"),
    RecordKind.RELATIONSHIP,
    relationship_record,
    relationship_row,
    """'{{"_key":' || json_quote({a}.key) || ',"_type":' || json_quote({a}.type) || ',"_class":' || """
    """json_quote({a}.verb) || ',"_fromEntityKey":' || json_quote({a}.from_key) || """
    """',"_toEntityKey":' || json_quote({a}.to_key) || ',"displayName":' || json_quote({a}.verb)""",
)
GRAPH_TABLES = (ENTITIES, RELATIONSHIPS)
