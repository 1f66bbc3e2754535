"""The query benchmark on a tiny graph, and the plan of its one-hop question (``make bench`` runs on demand, so nothing else would notice it break):
its queries find what the hand-written SQL finds, and something."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aws_integration.query import compile_query, parse_query
from aws_integration.store import GraphBatch, SqliteStore
from bench.query_speed import CASES, run, synthetic_graph


def test_the_query_benchmark_compares_like_with_like() -> None:
    entities, relationships = synthetic_graph(1_000)
    assert (len(entities), len(relationships)) == (1_000, 3_000)
    figures = run(1_000, repeat=1)  # raises when a query and its SQL disagree
    assert [case["rows"] > 0 for case in figures["cases"]] == [True, True]


def test_a_traversal_follows_the_relationship_indexes(tmp_path: Path) -> None:
    # With the relationships indexed by one end and the verb (and a plan that used neither, SQLite read
    # every volume for each instance here).
    entities, relationships = synthetic_graph(5_000)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        store.commit_run(GraphBatch("aws:000000000000", entities, relationships, set(), set(), "success", "t0", "t1"))
    compiled = compile_query(parse_query(CASES[0].query))
    db = sqlite3.connect(tmp_path / "graph.sqlite")
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", compiled.params)]
    db.close()
    # The first node is read however SQLite likes; each relationship is found by its end and verb,
    # and the entity at its other end by its key.
    assert any("relationships_from (from_key=? AND verb=?)" in step for step in plan)
    assert any("relationships_to (to_key=? AND verb=?)" in step for step in plan)
    far = [step for step in plan if step.startswith(("SEARCH e", "SCAN e")) and not step.startswith(("SEARCH e0", "SCAN e0"))]
    assert far and all("entities_key (key=?)" in step for step in far), plan
    assert not [step for step in plan if step.startswith("SCAN r")], plan
