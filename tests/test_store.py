"""The store, on SQLite and on PostgreSQL: replace per run, keep partial types, drop dangling edges, fail clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store import Change, ChangeKind, GraphBatch, GraphStore, RecordKind, SqliteStore, StoreError
from aws_integration.store.location import open_store
from aws_integration.store.migrations import BASE_SCHEMA, SCHEMA_VERSION
from aws_integration.store import graph_store
from aws_integration.store import postgres as postgres_schema
from tests.servers import PostgresServer, free_port

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
def store(store_location: str):  # type: ignore[no-untyped-def]
    with open_store(store_location) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SqliteStore(tmp_path / "graph.sqlite") as opened:
        yield opened


def test_first_run_creates_and_second_run_diffs(store: GraphStore) -> None:
    first = store.commit_run(_batch([_vpc("v1"), _vpc("v2"), _subnet("s1")], [_contains("v1", "s1")]))
    assert (first.entities.created, first.relationships.created) == (3, 1)
    second = store.commit_run(_batch([_vpc("v1", "10.9.0.0/16"), _subnet("s1"), _vpc("v3")], [_contains("v1", "s1")]))
    assert (second.entities.created, second.entities.updated, second.entities.unchanged, second.entities.deleted) == (1, 1, 1, 1)
    assert second.relationships.unchanged == 1
    keys = {entity["_key"]: entity for entity in store.entities()}
    assert set(keys) == {"v1", "v3", "s1"} and keys["v1"]["CIDR"] == "10.9.0.0/16"
    assert [run.id for run in store.runs()] == [second.run_id, first.run_id]
    assert store.runs()[0].summary["entities"]["deleted"] == 1


def test_partial_types_keep_what_earlier_runs_stored(store: GraphStore) -> None:
    store.commit_run(_batch([_vpc("v1"), _subnet("s1")], [_contains("v1", "s1")]))
    summary = store.commit_run(
        _batch([_vpc("v1")], partial={"aws_subnet"}, partial_relationships={"aws_vpc_contains_subnet"})
    )
    assert summary.entities.kept_from_earlier_runs == 1 and summary.entities.deleted == 0
    assert summary.relationships.kept_from_earlier_runs == 1
    assert {entity["_key"] for entity in store.entities()} == {"v1", "s1"}
    assert [rel["_key"] for rel in store.relationships()] == ["v1|contains|s1"]


def test_relationships_to_missing_entities_are_counted_not_stored(store: GraphStore) -> None:
    summary = store.commit_run(_batch([_vpc("v1")], [_contains("v1", "s-missing")]))
    assert summary.dangling_relationships == {"aws_vpc_contains_subnet": 1}
    assert list(store.relationships()) == []


def test_kept_relationship_to_a_deleted_entity_is_removed(store: GraphStore) -> None:
    store.commit_run(_batch([_vpc("v1"), _subnet("s1")], [_contains("v1", "s1")]))
    summary = store.commit_run(_batch([_subnet("s1")], partial_relationships={"aws_vpc_contains_subnet"}))
    assert summary.entities.deleted == 1 and summary.relationships.deleted == 1
    assert list(store.relationships()) == []


def test_sources_do_not_touch_each_other(store: GraphStore) -> None:
    store.commit_run(_batch([_vpc("v1")]))
    other = _batch([_vpc("v9")])
    other.source = "imported"
    store.commit_run(other)
    store.commit_run(_batch([]))
    assert [entity["_key"] for entity in store.entities()] == ["v9"]


def test_a_failed_commit_writes_nothing(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.commit_run(_batch([_vpc("v1")]))

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise store._db.errors[0]("disk I/O error")

    monkeypatch.setattr(graph_store, "drop_orphaned", explode)  # fails after the entities were merged
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
    with pytest.raises(StoreError, match="schema version 99, newer than this version understands"):
        SqliteStore(newer)


def _changes(store: GraphStore, run_id: int) -> dict[tuple[str, str], Change]:
    return {(change.change.value, change.key): change for change in store.changes(run_id)}


def test_a_run_records_what_it_created_updated_and_deleted(store: GraphStore) -> None:
    first = store.commit_run(_batch([_vpc("v1"), _vpc("v2"), _subnet("s1")], [_contains("v1", "s1")]))
    assert first.baseline
    assert {key for (change, key) in _changes(store, first.run_id)} == {"v1", "v2", "s1", "v1|contains|s1"}
    second = store.commit_run(_batch([_vpc("v1", "10.9.0.0/16"), _subnet("s1"), _vpc("v3")]))
    assert not second.baseline
    changes = _changes(store, second.run_id)
    assert set(changes) == {("updated", "v1"), ("created", "v3"), ("deleted", "v2"), ("deleted", "v1|contains|s1")}
    assert changes[("updated", "v1")].changed == {"CIDR": {"old": "10.0.0.0/16", "new": "10.9.0.0/16"}}
    assert changes[("updated", "v1")].record["CIDR"] == "10.9.0.0/16"
    assert changes[("deleted", "v2")].record["_type"] == "aws_vpc"
    assert changes[("deleted", "v1|contains|s1")].kind is RecordKind.RELATIONSHIP


def test_types_of_a_step_that_did_not_succeed_are_not_reported_deleted(store: GraphStore) -> None:
    store.commit_run(_batch([_vpc("v1"), _subnet("s1")], [_contains("v1", "s1")]))
    second = store.commit_run(
        _batch([_vpc("v1")], partial={"aws_subnet"}, partial_relationships={"aws_vpc_contains_subnet"})
    )
    assert store.changes(second.run_id) == []


def test_added_and_removed_properties_are_changes_with_a_missing_side(store: GraphStore) -> None:
    tagged = Entity("v1", "aws_vpc", ("Network",), "v1", {"tag.Environment": "staging"})
    store.commit_run(_batch([tagged]))
    retagged = Entity("v1", "aws_vpc", ("Network",), "v1", {"tag.Owner": "sec"})
    second = store.commit_run(_batch([retagged]))
    [change] = store.changes(second.run_id)
    assert change.changed == {
        "tag.Environment": {"old": "staging", "new": None},
        "tag.Owner": {"old": None, "new": "sec"},
    }


def test_failed_runs_are_recorded_with_their_error_and_store_nothing(store: GraphStore) -> None:
    store.commit_run(_batch([_vpc("v1")]))
    run_id = store.record_failed_run(
        source="", instance="prod", started_at="2026-01-02T00:00:00+00:00",
        finished_at="2026-01-02T00:00:01+00:00", error="cannot assume arn:aws:iam::1:role/x: AccessDenied",
    )
    run = store.run(run_id)
    assert (run.status, run.instance, run.error) == ("failure", "prod", "cannot assume arn:aws:iam::1:role/x: AccessDenied")
    assert store.changes(run_id) == [] and [e["_key"] for e in store.entities()] == ["v1"]
    assert store.last_start("prod") == "2026-01-02T00:00:00+00:00" and store.last_start("other") is None
    assert [run.id for run in store.runs(instance="prod")] == [run_id]


def test_an_unknown_run_is_a_clear_error(store: GraphStore) -> None:
    with pytest.raises(StoreError, match="no run 42 in .*'aws-integration runs' lists them"):
        store.changes(42)


def test_a_version_1_store_is_migrated_and_keeps_its_graph(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(BASE_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute(
            "INSERT INTO runs (source, started_at, finished_at, status, summary, report) "
            "VALUES ('test:1', 't0', 't1', 'success', '{}', '{}')"
        )
        db.execute(
            "INSERT INTO entities VALUES ('test:1', 'v1', 'aws_vpc', '[\"Network\"]', 'v1', '{}', 1, 1)"
        )
    db.close()
    with SqliteStore(path) as store:
        assert [run.instance for run in store.runs()] == [None]
        second = store.commit_run(_batch([_vpc("v1")]))
        assert [change.change for change in store.changes(second.run_id)] == [ChangeKind.UPDATED]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    db.close()


def test_the_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "private.sqlite").close()
    assert (tmp_path / "private.sqlite").stat().st_mode & 0o777 == 0o600


ODD_VALUES = {
    "nothing": None,
    "huge": 2**70,
    "negative": -(2**63),
    "ratio": 1.5,
    "tiny": 1e-7,
    "text": 'Zürich ☃ "quoted" \\ back\nslash\ttab \x01',
    "list": ["a", 1, 2.5, True],
    "flag": False,
    "tag.Code": "007",
}


def test_change_records_built_in_sql_equal_the_stored_records(store: GraphStore) -> None:
    """Created and deleted changes are written by SQL; they must read back as the records themselves."""
    odd = Entity("odd", "aws_vpc", ("Network", "Resource"), "odd ☃", dict(ODD_VALUES))
    plain = _vpc("v1")
    edge = Relationship("odd", "aws_vpc", "CONNECTS", "v1", "aws_vpc", dict(ODD_VALUES))
    created = store.commit_run(_batch([odd, plain], [edge]))
    records = {change.key: change.record for change in store.changes(created.run_id)}
    assert records == {"odd": odd.to_dict(), "v1": plain.to_dict(), edge.key: edge.to_dict()}
    assert records["odd"]["huge"] == 2**70 and records["odd"]["nothing"] is None
    stored = {record["_key"]: record for record in [*store.entities(), *store.relationships()]}
    assert all(list(records[key]) == list(stored[key]) for key in records)  # fields in the order records have

    deleted = store.commit_run(_batch([plain]))
    changes = store.changes(deleted.run_id)
    assert {(change.change, change.key) for change in changes} == {
        (ChangeKind.DELETED, "odd"), (ChangeKind.DELETED, edge.key)
    }
    assert {change.key: change.record for change in changes} == {"odd": odd.to_dict(), edge.key: edge.to_dict()}

    updated = store.commit_run(_batch([_vpc("v1", "10.9.0.0/16")]))
    [change] = store.changes(updated.run_id)
    assert change.change is ChangeKind.UPDATED and list(change.record) == list(next(store.entities()))


def test_a_reader_holding_the_store_open_does_not_block_a_commit(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    store.commit_run(_batch([_vpc("v1")]))
    assert store.select("SELECT * FROM pragma_journal_mode") == [("wal",)]
    reader = sqlite3.connect(store.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT COUNT(*) FROM entities").fetchone() == (1,)  # a read transaction, held open
        summary = store.commit_run(_batch([_vpc("v1"), _vpc("v2")]))
        assert summary.entities.created == 1
        assert reader.execute("SELECT COUNT(*) FROM entities").fetchone() == (1,)  # it still sees its snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT COUNT(*) FROM entities").fetchone() == (2,)
    finally:
        reader.close()


def test_a_full_disk_says_so_and_keeps_the_graph(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    store.commit_run(_batch([_vpc("v1")]))
    (pages,) = store.select("SELECT * FROM pragma_page_count")[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the file cannot grow: what a full disk does
    many = [_vpc(f"v-{index}", "10.0.0.0/16" + "x" * 200) for index in range(2000)]
    with pytest.raises(StoreError, match="full") as raised:
        store.commit_run(_batch(many))
    assert "cannot rollback" not in str(raised.value)
    assert [entity["_key"] for entity in store.entities()] == ["v1"]


# --- PostgreSQL's own ways to fail ------------------------------------------------------------


def test_a_postgresql_database_that_is_not_a_store_or_is_newer_is_refused_untouched(postgres: PostgresServer) -> None:
    import psycopg

    other = postgres.database()
    with psycopg.connect(other, autocommit=True) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="is not an aws-integration store .*invoices.*name another --store"):
        open_store(other)
    with psycopg.connect(other) as db:
        assert db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall() \
            == [("invoices",)]
    newer = postgres.database()
    open_store(newer).close()
    with psycopg.connect(newer, autocommit=True) as db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99, newer than this version understands"):
        open_store(newer)


def test_an_unreachable_postgresql_is_one_line_without_the_password() -> None:
    url = f"postgresql://scanner:s3cret-Pa55@127.0.0.1:{free_port()}/graph?connect_timeout=2"
    with pytest.raises(StoreError) as raised:
        open_store(url)
    message = str(raised.value)
    assert message.startswith("cannot open store postgresql://scanner@127.0.0.1:") and "/graph: " in message
    assert "\n" not in message and "s3cret" not in message


def test_every_schema_version_after_the_first_postgresql_one_has_its_postgresql_migration() -> None:
    assert set(range(postgres_schema.FIRST_VERSION + 1, SCHEMA_VERSION + 1)) <= set(postgres_schema.MIGRATIONS)
