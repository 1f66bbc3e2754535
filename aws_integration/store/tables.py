"""The two graph tables: their columns, and how entities and relationships become their rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store.database import Dialect
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
    collected but not yet committed (see :mod:`aws_integration.store.staging`). Both
    databases look for an unqualified name among the connection's TEMP tables first.
    """

    name: str
    columns: tuple[str, ...]
    kind: RecordKind
    to_record: Callable[[str, Any], dict[str, Any]]
    to_row: Callable[[Any], tuple[str, ...]]
    record_fields: Callable[[str, Dialect], str]  # SQL for ``to_record``'s JSON up to its properties, of a row alias

    @property
    def column_list(self) -> str:
        """The columns after (source, key), comma-separated."""
        return ", ".join(self.columns)

    @property
    def staged(self) -> str:
        """The staging table's name."""
        return f"staged_{self.name}"

    def prefixed(self, alias: str) -> str:
        """The columns after (source, key), each prefixed with ``alias.``."""
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def record_sql(self, alias: str, dialect: Dialect) -> str:
        """SQL for the JSON text of ``to_record`` over the row aliased ``alias`` (the change log is written with it).

        The reserved fields come first, then the stored properties' own JSON text, as in
        ``to_record``: nothing is decoded or re-encoded.
        """
        properties = f"{alias}.properties"
        return (f"{self.record_fields(alias, dialect)} || "
                f"CASE {properties} WHEN '{{}}' THEN '}}' ELSE ',' || substr({properties}, 2) END")


def _entity_fields(a: str, d: Dialect) -> str:
    classes = f"{a}.classes"
    return (f"""'{{"_key":' || {d.quote(f"{a}.key")} || ',"_type":' || {d.quote(f"{a}.type")} || ',"_class":' || """
            f"CASE {d.json_length.format(classes)} WHEN 1 THEN {d.json_first.format(classes)} ELSE {classes} END || "
            f"""',"displayName":' || {d.quote(f"{a}.display_name")}""")


def _relationship_fields(a: str, d: Dialect) -> str:
    return (f"""'{{"_key":' || {d.quote(f"{a}.key")} || ',"_type":' || {d.quote(f"{a}.type")} || ',"_class":' || """
            f"""{d.quote(f"{a}.verb")} || ',"_fromEntityKey":' || {d.quote(f"{a}.from_key")} || """
            f"""',"_toEntityKey":' || {d.quote(f"{a}.to_key")} || ',"displayName":' || {d.quote(f"{a}.verb")}""")


ENTITIES = Table(
    "entities",
    ("type", "classes", "display_name", "properties"),
    RecordKind.ENTITY,
    entity_record,
    entity_row,
    _entity_fields,
)
RELATIONSHIPS = Table(
    "relationships",
    ("type", "verb", "from_key", "from_type", "to_key", "to_type", "properties"),
    RecordKind.RELATIONSHIP,
    relationship_record,
    relationship_row,
    _relationship_fields,
)
GRAPH_TABLES = (ENTITIES, RELATIONSHIPS)
