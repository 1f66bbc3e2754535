"""Custom data in the bulk-upload shape: ``{"entities": [...], "relationships": [...]}``, JSON or YAML.

Every record is validated before anything is written: an entity needs ``_key``,
``_type`` (lower_snake_case) and ``_class`` (one known class or a list of them), and
property values must be strings, numbers, booleans, null or lists of those; the
classes' required properties apply (a ``DataStore`` needs ``classification`` and
``encrypted``). A relationship needs ``_fromEntityKey``, ``_toEntityKey`` and an
upper-case ``_class`` verb, and both ends must exist, in the files or already in the
store. Any problem rejects the whole import, with every problem listed by file and place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aws_integration.graph.model import (
    RESERVED_PROPERTIES,
    Entity,
    GraphError,
    Relationship,
    relationship_key,
    relationship_type,
)
from aws_integration.graph.schema import KNOWN_CLASSES, REQUIRED_PROPERTIES
from aws_integration.safe_load import UnsafeDocument, load_json, load_yaml
from aws_integration.store.sources import import_source_problem
from aws_integration.store.errors import StoreError
from aws_integration.store.graph_store import GraphBatch, GraphStore

DEFAULT_IMPORT_SOURCE = "custom"
_RELATIONSHIP_FIELDS = frozenset({"_key", "_type", "_class", "_fromEntityKey", "_toEntityKey", "displayName"})


class BulkDataError(StoreError):
    """Files that cannot be imported; ``problems`` lists every one as ``file: place: problem``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the import: " + "; ".join(problems[:3]))


INT64 = range(-(2**63), 2**63)


def _read(path: Path) -> Any:
    if path.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise UnsafeDocument("name the file .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnsafeDocument("not UTF-8 text") from None
    return load_json(text) if path.suffix.lower() == ".json" else load_yaml(text)


def _scalar_problem(name: str, value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name}: {value} is not a number JSON can carry (NaN and infinities are refused)"
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
        return f"{name}: {value} does not fit in 64 bits (store it as a string)"
    return None


def _property_problem(name: str, value: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "property names must be non-empty strings"
    if name.startswith("_"):
        return f"{name}: names starting with _ are reserved"
    scalar = (str, int, float, bool)
    if value is None or isinstance(value, scalar):
        return _scalar_problem(name, value)
    if isinstance(value, list) and all(isinstance(item, scalar) for item in value):
        return next((problem for item in value if (problem := _scalar_problem(name, item))), None)
    return f"{name}: must be a string, number, boolean, null or a list of those, not {type(value).__name__}"


class _Validator:
    def __init__(self, store: GraphStore | None, source: str, merge: bool) -> None:
        self.store = store
        self.source = source
        self.merge = merge
        self.problems: list[str] = []
        self.entities: dict[str, Entity] = {}
        self.relationships: dict[str, Relationship] = {}
        # Relationships are checked after every file's entities are known: ends may be in a later file.
        self.pending_relationships: list[tuple[Path, str, Any]] = []

    def problem(self, path: Path, place: str, message: str) -> None:
        self.problems.append(f"{path}: {place}: {message}")

    def file(self, path: Path) -> None:
        try:
            content = _read(path)
        except OSError as error:
            self.problem(path, "(file)", f"cannot read it: {error.strerror}")
            return
        except UnsafeDocument as error:
            self.problem(path, "(file)", str(error))
            return
        if not isinstance(content, Mapping) or set(content) - {"entities", "relationships"}:
            self.problem(path, "(file)", 'must be a mapping with only "entities" and "relationships" lists')
            return
        for name in ("entities", "relationships"):
            if not isinstance(content.get(name, []), list):
                self.problem(path, name, "must be a list")
                return
        for index, record in enumerate(content.get("entities", [])):
            self.entity(path, f"entities[{index}]", record)
        self.pending_relationships.extend(
            (path, f"relationships[{index}]", record) for index, record in enumerate(content.get("relationships", []))
        )

    def entity(self, path: Path, place: str, record: Any) -> None:
        if not isinstance(record, Mapping):
            self.problem(path, place, "must be a mapping")
            return
        key, type_name, classes = record.get("_key"), record.get("_type"), record.get("_class")
        problems: list[str] = []
        if not isinstance(key, str) or not key:
            problems.append("_key: required, a non-empty string")
        elif key in self.entities:
            problems.append(f"_key: {key!r} appears twice")
        elif (owner := self._owner_elsewhere(key)) is not None:
            problems.append(f"_key: {key!r} is already stored by source {owner!r} (keys are unique across sources)")
        if not isinstance(type_name, str):
            problems.append("_type: required, a string such as on_prem_server")
        class_list = [classes] if isinstance(classes, str) else classes
        if not isinstance(class_list, list) or not class_list or not all(isinstance(c, str) for c in class_list):
            problems.append("_class: required, a class name or a list of them")
        else:
            unknown = [name for name in class_list if name not in KNOWN_CLASSES]
            if unknown:
                problems.append(f"_class: unknown class(es) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_CLASSES))})")
            for class_name in class_list:
                for required in REQUIRED_PROPERTIES.get(class_name, ()):
                    if required not in record:
                        problems.append(f"{required}: required for class {class_name}")
        display_name = record.get("displayName", record.get("name", key))
        if ("displayName" in record or "name" in record) and not isinstance(display_name, str):
            problems.append("displayName: must be a string")
        properties = {name: value for name, value in record.items() if name not in RESERVED_PROPERTIES}
        problems += [problem for name, value in properties.items() if (problem := _property_problem(name, value))]
        if not problems:
            try:
                self.entities[str(key)] = Entity(str(key), str(type_name), tuple(class_list), str(display_name), properties)
            except GraphError as error:
                problems.append(str(error))
        for message in problems:
            self.problem(path, place, message)

    def relationship(self, path: Path, place: str, record: Any) -> None:
        if not isinstance(record, Mapping):
            self.problem(path, place, "must be a mapping")
            return
        problems: list[str] = []
        ends: list[tuple[str, str] | None] = []
        for field in ("_fromEntityKey", "_toEntityKey"):
            key = record.get(field)
            if not isinstance(key, str) or not key:
                problems.append(f"{field}: required, the _key of an entity")
                ends.append(None)
                continue
            end_type = self._entity_type(key)
            if end_type is None:
                problems.append(f"{field}: no entity {key!r} in the files or the store")
            ends.append((key, end_type) if end_type else None)
        verb = record.get("_class")
        if not isinstance(verb, str) or not verb.isupper() or not verb.replace("_", "").isalpha():
            problems.append("_class: required, an upper-case verb such as HAS, USES, CONNECTS")
        properties = {name: value for name, value in record.items() if name not in _RELATIONSHIP_FIELDS}
        problems += [problem for name, value in properties.items() if (problem := _property_problem(name, value))]
        if not problems and ends[0] and ends[1] and isinstance(verb, str):
            (from_key, from_type), (to_key, to_type) = ends[0], ends[1]
            plain_key = relationship_key(from_key, verb, to_key)
            given_key = record.get("_key", plain_key)
            qualifier = given_key[len(plain_key) + 1:] if isinstance(given_key, str) and \
                given_key.startswith(plain_key + "|") else ""
            expected_key = f"{plain_key}|{qualifier}" if qualifier else plain_key
            expected_type = relationship_type(from_type, verb, to_type)
            if given_key != expected_key:
                problems.append(f"_key: must be {plain_key!r} (fromKey|verb|toKey, then |qualifier for one of "
                                "several such edges) or left out")
            if record.get("_type", expected_type) != expected_type:
                problems.append(f"_type: must be {expected_type!r} for {from_type} {verb} {to_type}, or left out")
            if expected_key in self.relationships:
                problems.append(f"_key: {expected_key!r} appears twice")
            if not problems:
                self.relationships[expected_key] = Relationship(from_key, from_type, verb, to_key, to_type, properties,
                                                                qualifier=qualifier)
        for message in problems:
            self.problem(path, place, message)

    def _owner_elsewhere(self, key: str) -> str | None:
        """The other source that holds an entity with this key (derived sources yield to imports)."""
        if self.store is None:
            return None
        derived = [derivation.source for derivation in self.store.derivations]
        rows = self.store.select(
            f"SELECT source FROM entities WHERE key = ? AND source NOT IN ({', '.join('?' for _ in [self.source, *derived])}) "
            "LIMIT 1",
            (key, self.source, *derived),
        )
        return str(rows[0][0]) if rows else None

    def _entity_type(self, key: str) -> str | None:
        if key in self.entities:
            return self.entities[key].type
        if self.store is None:
            return None
        # A replace drops the source's stored entities; a merge keeps them, so they count as ends.
        own = "" if self.merge else " AND source != ?"
        rows = self.store.select(f"SELECT type FROM entities WHERE key = ?{own} LIMIT 1",
                                 (key,) if self.merge else (key, self.source))
        return str(rows[0][0]) if rows else None


def load_bulk_files(
    paths: Sequence[Path], source: str, store: GraphStore | None, started_at: str | None = None, *, merge: bool = False
) -> GraphBatch:
    """Validate ``paths`` as one import into ``source``; raises :class:`BulkDataError` listing every problem.

    The files replace what ``source`` holds, or, with ``merge``, are added to it (a
    record of the same key is updated; nothing is deleted). Relationship ends are
    looked up in the files and in the store's other sources (and, for a merge, in the
    source itself); without a store (none exists yet), in the files only. Sources an
    integration or a derivation writes are refused.
    """
    refused = import_source_problem(source)
    if refused:
        raise BulkDataError([refused])
    validator = _Validator(store, source, merge)
    for path in paths:
        validator.file(path)
    for path, place, record in validator.pending_relationships:
        validator.relationship(path, place, record)
    if validator.problems:
        raise BulkDataError(validator.problems)
    now = started_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    return GraphBatch(
        source=source,
        entities=list(validator.entities.values()),
        relationships=list(validator.relationships.values()),
        partial_entity_types=set(),
        partial_relationship_types=set(),
        status="success",
        started_at=now,
        finished_at=now,
        report={"import": [str(path) for path in paths], "mode": "merge" if merge else "replace"},
        units=frozenset() if merge else None,  # a merge's scope is empty: it deletes nothing
    )
