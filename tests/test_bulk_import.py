"""Export and import: the bulk-upload shape round-trips; a bad file is rejected whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aws_integration.cli import main
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from aws_integration.sample.seed import SampleAccount
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.bulk import BulkDataError, load_bulk_files
from aws_integration.store.derivations import open_graph_store
from tests.conftest import collect


def _commit(store: GraphStore, graph: CollectedGraph) -> None:
    report = graph.report
    store.commit_run(GraphBatch(f"aws:{report.target_id}", graph.entities, graph.relationships,
                                graph.partial_entity_types, graph.partial_relationship_types, report.status,
                                report.started_at, report.finished_at, report.to_dict()))


def _export(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    return {"entities": list(store.entities()), "relationships": list(store.relationships())}


def _graph(path: Path, content: dict[str, Any]) -> Path:
    path.write_text(json.dumps(content) if path.suffix == ".json" else yaml.safe_dump(content), encoding="utf-8")
    return path


def test_export_then_import_into_a_fresh_store_gives_the_same_graph(sample: SampleAccount, tmp_path: Path,
                                                                    store_location: str) -> None:
    """Exported from either backend, imported into a fresh SQLite file: the same graph."""
    with open_graph_store(store_location) as original:
        _commit(original, collect())
        exported = _export(original)
    assert any(entity["_type"] == "person" for entity in exported["entities"])
    dump = _graph(tmp_path / "graph.json", exported)

    with open_graph_store(tmp_path / "copy.sqlite") as copy:
        copy.commit_run(load_bulk_files([dump], "custom", copy))
        assert _export(copy) == exported


def test_the_cli_round_trip_and_jsonl(sample: SampleAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = tmp_path / "original.sqlite"
    with open_graph_store(original) as store:
        _commit(store, collect())
    assert main(["export", "--store", str(original)]) == 0
    exported = capsys.readouterr().out
    (tmp_path / "graph.json").write_text(exported, encoding="utf-8")
    assert main(["import", str(tmp_path / "graph.json"), "--store", str(tmp_path / "copy.sqlite")]) == 0
    assert "Imported" in capsys.readouterr().out
    assert main(["export", "--store", str(tmp_path / "copy.sqlite")]) == 0
    assert capsys.readouterr().out == exported
    assert main(["export", "--store", str(original), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    graph = json.loads(exported)
    assert lines == graph["entities"] + graph["relationships"]


CUSTOM = {
    "entities": [
        {"_key": "onprem:db-01", "_type": "onprem_server", "_class": "Host", "displayName": "db-01",
         "tag.Environment": "production", "ipAddresses": ["10.1.0.5"], "cpuCount": 8},
        {"_key": "onprem:ldap", "_type": "onprem_directory_user", "_class": "User", "displayName": "carol",
         "email": "Carol@Example.com"},
    ],
    "relationships": [
        {"_fromEntityKey": "onprem:db-01", "_toEntityKey": "onprem:ldap", "_class": "HAS"},
    ],
}


def test_custom_data_lives_in_its_own_source_and_relates_to_aws(sample: SampleAccount, tmp_path: Path, store_location: str) -> None:
    with open_graph_store(store_location) as store:
        _commit(store, collect())
        instance_key = next(e["_key"] for e in store.entities(types=["aws_instance"]))
        content = json.loads(json.dumps(CUSTOM))
        content["relationships"].append(
            {"_fromEntityKey": "onprem:db-01", "_toEntityKey": instance_key, "_class": "CONNECTS", "port": 5432})
        store.commit_run(load_bulk_files([_graph(tmp_path / "custom.yaml", content)], "custom", store))
        _commit(store, collect())  # a later AWS run

        custom = {e["_key"] for e in store.entities(source="custom")}
        assert custom == {"onprem:db-01", "onprem:ldap"}
        connects = [r for r in store.relationships(source="custom") if r["_class"] == "CONNECTS"]
        assert connects[0]["_type"] == "onprem_server_connects_aws_instance" and connects[0]["port"] == 5432
        persons = {e["email"] for e in store.entities(types=["person"])}
        assert "carol@example.com" in persons  # imported users map to persons too

        second = store.commit_run(load_bulk_files([_graph(tmp_path / "less.json", {"entities": CUSTOM["entities"][:1]})],
                                                  "custom", store))
        assert {e["_key"] for e in store.entities(source="custom")} == {"onprem:db-01"}
        deleted = {(c.type, c.key) for c in store.changes(second.run_id) if c.change.value == "deleted"}
        assert ("onprem_directory_user", "onprem:ldap") in deleted and ("person", "person:carol@example.com") in deleted
        assert any(e["_type"] == "aws_instance" for e in store.entities())


BAD = {
    "entities": [
        {"_key": "a", "_type": "onprem_server", "_class": "Host"},
        {"_key": "a", "_type": "onprem_server", "_class": "Host"},
        {"_type": "Bad Type", "_class": "Spaceship", "nested": {"not": "flat"}},
        {"_key": "bucket", "_type": "onprem_bucket", "_class": "DataStore", "_secret": 1},
        "not a mapping",
    ],
    "relationships": [
        {"_fromEntityKey": "a", "_toEntityKey": "nowhere", "_class": "HAS"},
        {"_fromEntityKey": "a", "_toEntityKey": "a", "_class": "has"},
        {"_fromEntityKey": "a", "_toEntityKey": "a", "_class": "HAS", "_key": "wrong"},
    ],
}


def test_an_invalid_file_is_rejected_whole_with_every_problem(tmp_path: Path) -> None:
    good = _graph(tmp_path / "good.json", CUSTOM)
    bad = _graph(tmp_path / "bad.json", BAD)
    with open_graph_store(tmp_path / "graph.sqlite") as store:
        store.commit_run(load_bulk_files([good], "custom", store))
        before, runs = _export(store), len(store.runs())
        with pytest.raises(BulkDataError) as raised:
            load_bulk_files([good, bad], "custom", store)
        assert _export(store) == before and len(store.runs()) == runs
    problems = [problem.removeprefix(f"{bad}: ") for problem in raised.value.problems]
    assert problems == [
        "entities[1]: _key: 'a' appears twice",
        "entities[2]: _key: required, a non-empty string",
        problems[2],  # the class list is long; checked below
        "entities[2]: nested: must be a string, number, boolean, null or a list of those, not dict",
        "entities[3]: classification: required for class DataStore",
        "entities[3]: encrypted: required for class DataStore",
        "entities[3]: _secret: names starting with _ are reserved",
        "entities[4]: must be a mapping",
        "relationships[0]: _toEntityKey: no entity 'nowhere' in the files or the store",
        "relationships[1]: _class: required, an upper-case verb such as HAS, USES, CONNECTS",
        "relationships[2]: _key: must be 'a|has|a' (fromKey|verb|toKey, then |qualifier for one of several such edges) "
        "or left out",
    ]
    assert problems[2].startswith("entities[2]: _class: unknown class(es) Spaceship (known: ")


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("broken.json", "{", "(file): not valid JSON"),
        ("broken.yaml", "entities: [", "(file): not valid YAML"),
        ("list.json", "[]", '(file): must be a mapping with only "entities" and "relationships" lists'),
        ("extra.json", '{"entities": [], "users": []}', '(file): must be a mapping with only'),
        ("graph.txt", "{}", "(file): name the file .json, .yaml or .yml"),
        ("latin1.yaml", "entities: []\n# caf\xe9", "(file): not UTF-8 text"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "(file): the JSON document is nested too deeply"),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000, "(file): the YAML document is nested too deeply"),
        ("nan.json", '{"entities": [{"_key": "k", "_type": "t", "_class": "Host", "load": NaN}]}',
         "(file): not valid JSON: NaN is not a JSON number"),
        ("twice.yaml", "entities: []\nentities: []", "(file): not valid YAML at line 2: found duplicate key 'entities'"),
        ("wrong.json", '{"entities": {}}', "entities: must be a list"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, text: str, problem: str) -> None:
    (tmp_path / name).write_bytes(text.encode("latin-1" if name.startswith("latin1") else "utf-8"))
    with pytest.raises(BulkDataError) as raised:
        load_bulk_files([tmp_path / name], "custom", None)
    assert raised.value.problems[0].startswith(f"{tmp_path / name}: {problem}")


def test_a_key_another_source_holds_is_refused(sample: SampleAccount, tmp_path: Path, store_location: str) -> None:
    with open_graph_store(store_location) as store:
        _commit(store, collect())
        vpc = next(store.entities(types=["aws_vpc"]))
        clash = _graph(tmp_path / "clash.json", {"entities": [{**vpc, "_type": "my_vpc"}]})
        with pytest.raises(BulkDataError, match=r"is already stored by source 'aws:123456789012'"):
            load_bulk_files([clash], "custom", store)


def test_the_import_command_lists_problems_and_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _graph(tmp_path / "bad.json", BAD)
    store = tmp_path / "graph.sqlite"
    assert main(["import", str(bad), "--store", str(store)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 12 and errors[-1] == "aws-integration: error: nothing was imported (11 problems)"
    assert all(line.startswith("aws-integration: error: ") for line in errors)
    assert not store.exists()
