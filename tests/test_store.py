"""The SQLite store: replace per run, keep partial types, drop dangling edges, fail clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store import GraphBatch, SqliteStore, StoreError

SOURCE = "test:1"


def _vpc(key: str, cidr: str = "10.0.0.0/16") -> Entity:
    return Entity(key, "aws_vpc", ("Network",), key, {"CIDR": cidr, "public": False, "internal": True})


def _subnet(key: str) -> Entity:
    return Entity(key, "aws_subnet", ("Network",), key, {"CIDR": "10.0.1.0/24", "public": False, "internal": True})


def _contains(vpc: str, subnet: str) -> Relationship:
    return Relationship(vpc, "aws_vpc", "CONTAINS", subnet, "aws_subnet")


def _batch(entities: list[Entity], relationships: list[Relationship] = (), partial: set[str] = frozenset(),
           partial_relationships: set[str] = frozenset()) -> GraphBatch:
    return GraphBatch(SOURCE, list(entities), list(relationships), set(partial), set(partial_relationships),
                      "success", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00", {"note": "test"})


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SqliteStore(tmp_path / "graph.sqlite") as opened:
        yield opened


def test_first_run_creates_and_second_run_diffs(store: SqliteStore) -> None:
    first = store.commit_run(_batch([_vpc("v1"), _vpc("v2"), _subnet("s1")], [_contains("v1", "s1")]))
    assert (first.entities.created, first.relationships.created) == (3, 1)
    second = store.commit_run(_batch([_vpc("v1", "10.9.0.0/16"), _subnet("s1"), _vpc("v3")], [_contains("v1", "s1")]))
    assert (second.entities.created, second.entities.updated, second.entities.unchanged, second.entities.deleted) == (1, 1, 1, 1)
    assert second.relationships.unchanged == 1
    keys = {entity["_key"]: entity for entity in store.entities()}
    assert set(keys) == {"v1", "v3", "s1"} and keys["v1"]["CIDR"] == "10.9.0.0/16"
    assert [run["id"] for run in store.runs()] == [second.run_id, first.run_id]
    assert store.runs()[0]["summary"]["entities"]["deleted"] == 1


def test_partial_types_keep_what_earlier_runs_stored(store: SqliteStore) -> None:
    store.commit_run(_batch([_vpc("v1"), _subnet("s1")], [_contains("v1", "s1")]))
    summary = store.commit_run(
        _batch([_vpc("v1")], partial={"aws_subnet"}, partial_relationships={"aws_vpc_contains_subnet"})
    )
    assert summary.entities.kept_from_earlier_runs == 1 and summary.entities.deleted == 0
    assert summary.relationships.kept_from_earlier_runs == 1
    assert {entity["_key"] for entity in store.entities()} == {"v1", "s1"}
    assert [rel["_key"] for rel in store.relationships()] == ["v1|contains|s1"]


def test_relationships_to_missing_entities_are_counted_not_stored(store: SqliteStore) -> None:
    summary = store.commit_run(_batch([_vpc("v1")], [_contains("v1", "s-missing")]))
    assert summary.dangling_relationships == {"aws_vpc_contains_subnet": 1}
    assert list(store.relationships()) == []


def test_kept_relationship_to_a_deleted_entity_is_removed(store: SqliteStore) -> None:
    store.commit_run(_batch([_vpc("v1"), _subnet("s1")], [_contains("v1", "s1")]))
    summary = store.commit_run(_batch([_subnet("s1")], partial_relationships={"aws_vpc_contains_subnet"}))
    assert summary.entities.deleted == 1 and summary.relationships.deleted == 1
    assert list(store.relationships()) == []


def test_sources_do_not_touch_each_other(store: SqliteStore) -> None:
    store.commit_run(_batch([_vpc("v1")]))
    other = _batch([_vpc("v9")])
    other.source = "imported"
    store.commit_run(other)
    store.commit_run(_batch([]))
    assert [entity["_key"] for entity in store.entities()] == ["v9"]


def test_a_failed_commit_writes_nothing(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.commit_run(_batch([_vpc("v1")]))

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_drop_orphaned", explode)
    with pytest.raises(StoreError, match="disk I/O error"):
        store.commit_run(_batch([_vpc("v2")]))
    assert [entity["_key"] for entity in store.entities()] == ["v1"]
    assert len(store.runs()) == 1


def test_unwritable_corrupt_and_newer_stores_are_clear_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open store"):
        SqliteStore(blocker / "graph.sqlite")
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        SqliteStore(corrupt)
    newer = tmp_path / "newer.sqlite"
    SqliteStore(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        SqliteStore(newer)
