"""What a query returns: aggregates grouped by the other columns, ORDER BY, SKIP and LIMIT."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aws_integration.graph.model import Entity, Relationship
from aws_integration.query import QueryError, QuerySyntaxError, compile_query, parse_query
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.location import open_store


def _item(key: str, name: str, **properties: object) -> Entity:
    return Entity(key, "item", ("Resource",), name, dict(properties))


GRAPH = [
    _item("n1", "a", size=9, kind="x", price=1.5),
    _item("n2", "b", size=10, kind="x"),
    _item("n3", "c", size=2, kind="y", price=3),
    _item("n4", "d", kind="y", price="free"),
    Entity("b1", "box", ("Resource",), "box-1", {}),
    Entity("b2", "box", ("Resource",), "box-2", {}),
]
EDGES = [
    Relationship("b1", "box", "HAS", "n1", "item"),
    Relationship("b1", "box", "HAS", "n2", "item"),
    Relationship("b1", "box", "HAS", "n3", "item"),
    Relationship("b2", "box", "HAS", "n1", "item"),
]


@pytest.fixture(scope="module")
def store(module_store_location: str) -> Iterator[GraphStore]:
    with open_store(module_store_location) as opened:
        opened.commit_run(GraphBatch("test", GRAPH, EDGES, set(), set(), "success", "t0", "t1"))
        yield opened


def _rows(store: GraphStore, query: str) -> list[tuple[Any, ...]]:
    return run_query(store, query).rows


def _keys(store: GraphStore, query: str) -> list[str]:
    return [entity["_key"] for entity in run_query(store, query).records()]


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        # numbers sort as numbers (9 before 10), absent values last in either direction
        ("FIND item AS i RETURN i.displayName, i.size ORDER BY i.size", [("c", 2), ("a", 9), ("b", 10), ("d", None)]),
        ("FIND item AS i RETURN i.displayName, i.size ORDER BY i.size DESC", [("b", 10), ("a", 9), ("c", 2), ("d", None)]),
        ("FIND item AS i RETURN i.displayName ORDER BY i.kind DESC, i.displayName ASC", [("c",), ("d",), ("a",), ("b",)]),
        # without ORDER BY, rows come in the order of their columns' values
        ("FIND item AS i RETURN i.size", [(2,), (9,), (10,), (None,)]),
        ("FIND item AS i RETURN i.displayName ORDER BY i.size SKIP 1 LIMIT 2", [("a",), ("b",)]),
        # a RETURN column by its name
        ("FIND item AS i RETURN i.displayName AS name ORDER BY name DESC LIMIT 1", [("d",)]),
        # aggregates group by the other columns
        ("FIND * AS x RETURN x._type, COUNT(x)", [("box", 2), ("item", 4)]),
        ("FIND item AS i RETURN i.kind, COUNT(i) AS n, SUM(i.size), AVG(i.price), MIN(i.displayName), MAX(i.size)",
         [("x", 2, 19, 1.5, "a", 10), ("y", 2, 2, 3.0, "c", 2)]),
        ("FIND item AS i RETURN i.kind, SUM(i.size) AS total ORDER BY total DESC", [("x", 19), ("y", 2)]),
        ("FIND item AS i RETURN i.kind, SUM(i.size) ORDER BY SUM(i.size)", [("y", 2), ("x", 19)]),
        ("FIND box AS b THAT HAS item AS i RETURN b.displayName, COUNT(i), MAX(i.size)", [("box-1", 3, 10), ("box-2", 1, 9)]),
        # each entity counts once in SUM and AVG, however many rows hold it (n1 is in two boxes)
        ("FIND box AS b THAT HAS item AS i RETURN COUNT(b), COUNT(i), SUM(i.size), AVG(i.size)", [(2, 3, 21, 7.0)]),
        # over nothing: a count of 0, a sum of nothing
        ("FIND item AS i WITH kind = 'z' RETURN COUNT(i), SUM(i.size)", [(0, None)]),
        ("FIND item AS i WITH kind = 'y' RETURN MIN(i.price), MAX(i.price)", [(3, "free")]),
        # a relationship counts too
        ("FIND box AS b THAT HAS AS r item RETURN b.displayName, COUNT(r)", [("box-1", 3), ("box-2", 1)]),
        # words of ORDER BY and SKIP still name properties elsewhere
        ("FIND item AS i WITH order = undefined AND skip = undefined RETURN COUNT(i)", [(4,)]),
    ],
)
def test_result_cases(store: GraphStore, query: str, rows: list[tuple[Any, ...]]) -> None:
    assert _rows(store, query) == rows


def test_found_entities_are_sorted_and_paged(store: GraphStore) -> None:
    assert _keys(store, "FIND item AS i ORDER BY i.size DESC") == ["n2", "n1", "n3", "n4"]
    assert _keys(store, "FIND item ORDER BY item.size SKIP 1 LIMIT 2") == ["n1", "n2"]
    assert _keys(store, "FIND item AS i ORDER BY i.size SKIP 3") == ["n4"]
    assert _keys(store, "FIND item AS i ORDER BY i.size SKIP 4") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("FIND item AS i RETURN COUNT(i.size)", "COUNT counts entities: COUNT(alias) at position 29"),
        ("FIND item AS i RETURN SUM(i)", "SUM takes a property: SUM(alias.property) at position 27"),
        ("FIND item AS i RETURN MAX(i.size", "expected ) after MAX's operand, found the end of the query at position 33"),
        ("FIND item AS i RETURN i.size ORDER i.size", "expected BY after ORDER, found 'i.size' at position 36"),
        ("FIND item AS i ORDER BY i.size RETURN i.kind", "RETURN comes before ORDER BY at position 32"),
        ("FIND item AS i RETURN i.size ORDER BY j.size", "unknown alias 'j' (aliases: i) at position 39"),
        ("FIND item AS i RETURN i.size SKIP -1", "expected a whole number of at least 0 after SKIP, found '-1' at position 35"),
        ("FIND item AS i RETURN i.size LIMIT 2 SKIP 1", "expected THAT, WHERE, RETURN, ORDER BY, SKIP, LIMIT or the end "
                                                      "of the query, found 'SKIP' at position 38"),
    ],
)
def test_result_syntax_errors_point_at_the_place(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("FIND item AS i RETURN i.kind, COUNT(i) ORDER BY i.size", "with aggregates, rows are sorted by what RETURN returns"),
        ("FIND item AS i RETURN i.kind ORDER BY COUNT(i)", "an aggregate sorts only when RETURN returns it"),
        ("FIND box AS b THAT HAS item AS i ORDER BY i.size", "without RETURN, the found b are sorted by their own"),
        ("FIND item AS i RETURN SUM(i.displayName)", "displayName is text, and SUM adds numbers"),
    ],
)
def test_results_that_cannot_be_given(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_query(parse_query(query))
