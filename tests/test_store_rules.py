"""The store's rules for every source: who may write it, unique keys, relationships that go with their ends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_integration.cli import REPLACE_DELETION_LIMIT, main
from aws_integration.graph.model import Entity, Relationship
from aws_integration.store import ChangeKind, GraphBatch, GraphStore, StoreError
from aws_integration.store.derivations import open_graph_store

NOW = "2026-12-01T00:00:00+00:00"


def _host(key: str, **properties: Any) -> Entity:
    return Entity(key, "aws_instance", ("Host",), key, dict(properties))


def _aws(store: GraphStore, entities: list[Entity], relationships: list[Relationship] = (), account: str = "1"):  # type: ignore[no-untyped-def]
    return store.commit_run(GraphBatch(f"aws:{account}", entities, list(relationships), set(), set(), "success", NOW, NOW))


def _file(path: Path, entities: list[dict[str, Any]], relationships: list[dict[str, Any]] = ()) -> Path:
    path.write_text(json.dumps({"entities": entities, "relationships": list(relationships)}), encoding="utf-8")
    return path


def _server(key: str, **properties: Any) -> dict[str, Any]:
    return {"_key": key, "_type": "on_prem_server", "_class": "Host", **properties}


def _export(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    return {"entities": list(store.entities()), "relationships": list(store.relationships())}


def _import(capsys: pytest.CaptureFixture[str], store: Path | str, *args: str) -> tuple[int, str, str]:
    code = main(["import", "--store", str(store), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("source", ["aws:123456789012", "AWS:123456789012", "sentinelone:console", "mapper:person",
                                    "", "bad source"])
def test_an_import_cannot_write_an_integration_s_or_a_derived_source(
    tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    path = store_location
    with open_graph_store(path) as store:
        _aws(store, [_host("i-1"), _host("i-2")], account="123456789012")
        before = _export(store)
    code, out, err = _import(capsys, path, str(_file(tmp_path / "x.json", [_server("s-1")])), "--source", source)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--source" in err and "Traceback" not in err
    with open_graph_store(path) as store:
        assert _export(store) == before


def test_a_dry_run_prints_the_change_set_and_writes_nothing(tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = store_location
    assert _import(capsys, path, str(_file(tmp_path / "a.json", [_server("s-1"), _server("s-2")])))[0] == 0
    with open_graph_store(path) as store:
        before, runs = _export(store), len(store.runs())
    code, out, _ = _import(capsys, path, str(_file(tmp_path / "b.json", [_server("s-2", rack="r9"), _server("s-3")])),
                           "--dry-run")
    assert code == 0
    assert "entities 1 new, 1 changed, 1 deleted" in out and "nothing was written" in out
    assert "+ on_prem_server s-3" in out and "- on_prem_server s-1" in out and '    rack: (absent) -> "r9"' in out
    with open_graph_store(path) as store:
        assert _export(store) == before and len(store.runs()) == runs
    # A dry run into a store that does not exist yet creates none.
    assert _import(capsys, tmp_path / "new.sqlite", str(tmp_path / "b.json"), "--dry-run")[0] == 0
    assert not (tmp_path / "new.sqlite").exists()


def test_merge_adds_and_updates_and_deletes_nothing(tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = store_location
    _import(capsys, path, str(_file(tmp_path / "a.json", [_server("s-1"), _server("s-2")])))
    # The merged file relates to s-1, which only the store holds: a merge keeps it, so it is a valid end.
    merged = _file(tmp_path / "b.json", [_server("s-2", rack="r9"), _server("s-3")],
                   [{"_fromEntityKey": "s-3", "_toEntityKey": "s-1", "_class": "CONNECTS"}])
    code, out, _ = _import(capsys, path, str(merged), "--merge")
    assert code == 0 and "nothing deleted" in out, out
    with open_graph_store(path) as store:
        entities = {entity["_key"]: entity for entity in store.entities(source="custom")}
        assert set(entities) == {"s-1", "s-2", "s-3"} and entities["s-2"]["rack"] == "r9"
        assert [rel["_key"] for rel in store.relationships()] == ["s-3|connects|s-1"]


def test_a_replace_that_deletes_many_records_needs_yes(tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = store_location
    many = [_server(f"s-{index}") for index in range(REPLACE_DELETION_LIMIT + 5)]
    _import(capsys, path, str(_file(tmp_path / "a.json", many)))
    few = str(_file(tmp_path / "b.json", many[:2]))
    code, out, err = _import(capsys, path, few)
    assert code == 2 and out == "" and f"would delete {REPLACE_DELETION_LIMIT + 3} entities" in err and "--yes" in err
    with open_graph_store(path) as store:
        assert len(list(store.entities())) == len(many)
    assert _import(capsys, path, few, "--yes")[0] == 0
    with open_graph_store(path) as store:
        assert len(list(store.entities())) == 2


def test_an_integration_s_record_wins_over_an_imported_one_with_its_key(tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = store_location
    placeholder = _server("arn:aws:s3:::acme-new", owner="data-team")
    _import(capsys, path, str(_file(tmp_path / "a.json", [placeholder, _server("s-1")],
                                    [{"_fromEntityKey": "s-1", "_toEntityKey": "arn:aws:s3:::acme-new", "_class": "USES"}])))
    with open_graph_store(path) as store:
        summary = _aws(store, [_host("arn:aws:s3:::acme-new")])
        rows = store.select("SELECT source FROM entities WHERE key = 'arn:aws:s3:::acme-new'")
        assert rows == [("aws:1",)]
        assert summary.key_conflicts == [{"kind": "entity", "key": "arn:aws:s3:::acme-new", "heldBy": "custom",
                                          "kept": "aws:1"}]
        deleted = [(c.key, c.record.get("owner")) for c in store.changes(summary.run_id) if c.change is ChangeKind.DELETED]
        assert deleted == [("arn:aws:s3:::acme-new", "data-team")]  # logged in the run that took the key over
        # The imported relationship now points at the integration's record.
        assert [rel["_key"] for rel in store.relationships()] == ["s-1|uses|arn:aws:s3:::acme-new"]


def test_an_import_of_a_key_an_integration_holds_is_refused_even_past_validation(tmp_path: Path, store_location: str) -> None:
    with open_graph_store(store_location) as store:
        _aws(store, [_host("arn:aws:s3:::acme-new")])
        before = _export(store)
        imported = Entity("arn:aws:s3:::acme-new", "on_prem_server", ("Host",), "x", {})
        with pytest.raises(StoreError, match="already stored by source 'aws:1'.*nothing was imported"):
            store.commit_run(GraphBatch("custom", [imported], [], set(), set(), "success", NOW, NOW))
        assert _export(store) == before


def test_two_accounts_bringing_one_key_store_it_once(tmp_path: Path, store_location: str) -> None:
    service = Entity("aws_service:lambda.amazonaws.com", "aws_service", ("Service",), "lambda.amazonaws.com", {})
    with open_graph_store(store_location) as store:
        _aws(store, [service, _host("i-1")], [Relationship("i-1", "aws_instance", "USES", service.key, "aws_service")])
        second = _aws(store, [service, _host("i-2")], [Relationship("i-2", "aws_instance", "USES", service.key, "aws_service")],
                      account="2")
        assert store.select("SELECT source FROM entities WHERE key = ?", (service.key,)) == [("aws:1",)]
        assert second.key_conflicts == [{"kind": "entity", "key": service.key, "heldBy": "aws:1", "kept": "aws:1"}]
        # The second account's relationship to it is kept: its end is in the graph.
        assert {rel["_key"] for rel in store.relationships()} == {f"i-1|uses|{service.key}", f"i-2|uses|{service.key}"}


def test_relationships_of_any_source_go_with_their_end(tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = store_location
    with open_graph_store(path) as store:
        _aws(store, [_host("i-1"), _host("i-2")])
    _import(capsys, path, str(_file(tmp_path / "a.json", [_server("s-1")],
                                    [{"_fromEntityKey": "s-1", "_toEntityKey": "i-1", "_class": "CONNECTS"}])))
    with open_graph_store(path) as store:
        summary = _aws(store, [_host("i-2")])
        assert summary.relationships.deleted == 1
        gone = [(c.kind.value, c.key) for c in store.changes(summary.run_id) if c.change is ChangeKind.DELETED]
        assert gone == [("entity", "i-1"), ("relationship", "s-1|connects|i-1")]
        assert list(store.relationships()) == []
        exported = _export(store)
    # What is left exports and imports again cleanly.
    _file(tmp_path / "export.json", exported["entities"], exported["relationships"])
    assert _import(capsys, tmp_path / "fresh.sqlite", str(tmp_path / "export.json"))[0] == 0


def test_numbers_json_cannot_carry_are_refused_with_their_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nan = tmp_path / "nan.yaml"
    nan.write_text("entities:\n  - {_key: s-1, _type: on_prem_server, _class: Host, load: .nan}\n", encoding="utf-8")
    code, _, err = _import(capsys, tmp_path / "graph.sqlite", str(nan))
    assert code == 2 and "entities[0]: load: nan is not a number JSON can carry" in err
    big = _file(tmp_path / "big.json", [_server("s-1", serial=2**64), _server("s-2", serial=[1, -(2**63) - 1])])
    code, _, err = _import(capsys, tmp_path / "graph.sqlite", str(big))
    assert code == 2 and "entities[0]: serial: 18446744073709551616 does not fit in 64 bits" in err
    assert "entities[1]: serial: -9223372036854775809 does not fit" in err
    assert not (tmp_path / "graph.sqlite").exists()
    edge = _file(tmp_path / "edge.json", [_server("s-1", serial=2**63 - 1, low=-(2**63), ratio=0.1)])
    assert _import(capsys, tmp_path / "graph.sqlite", str(edge))[0] == 0
    with open_graph_store(tmp_path / "graph.sqlite") as store:
        (stored,) = store.entities()
        assert (stored["serial"], stored["low"], stored["ratio"]) == (2**63 - 1, -(2**63), 0.1)
        assert store.select("SELECT json_extract(properties, '$.serial') FROM entities") == [(2**63 - 1,)]


_KEYS = st.text("abcdefgh-:/", min_size=1, max_size=6)
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3)), max_size=3))
_PROPERTIES = st.dictionaries(st.text("abcxyz.", min_size=1, max_size=5), _VALUES, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=st.dictionaries(_KEYS, _PROPERTIES, min_size=1, max_size=8),
       edges=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["HAS", "USES", "IS"]), st.integers(0, 7)), max_size=10),
       users=st.lists(st.sampled_from(["bob@example.com", "Bob@Example.com", "eve@example.com"]), max_size=3))
def test_export_then_import_into_a_fresh_store_is_the_identical_graph(
    tmp_path_factory: pytest.TempPathFactory, graph: dict[str, dict[str, Any]], edges: list[tuple[int, str, int]],
    users: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("roundtrip")
    keys = sorted(graph)
    entities = [Entity(key, "aws_instance", ("Host",), key, properties) for key, properties in graph.items()]
    entities += [Entity(f"user-{index}", "aws_iam_user", ("User",), email, {"email": email})
                 for index, email in enumerate(users)]
    relationships = {Relationship(keys[a % len(keys)], "aws_instance", verb, keys[b % len(keys)], "aws_instance")
                     for a, verb, b in edges}
    with open_graph_store(folder / "original.sqlite") as original:
        _aws(original, entities, sorted(relationships, key=lambda rel: rel.key))
        exported = _export(original)
    (folder / "export.json").write_text(json.dumps(exported), encoding="utf-8")
    assert main(["import", "--store", str(folder / "fresh.sqlite"), str(folder / "export.json")]) == 0
    with open_graph_store(folder / "fresh.sqlite") as fresh:
        assert _export(fresh) == exported
