"""The J1QL conformance table of docs/query.md, one test per row: what it says is supported answers as
shown, what differs answers as the row says, what is refused is a one-line error at its place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aws_integration.query import QueryError, QuerySyntaxError, compile_query, parse_query
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.location import open_store
from tests.test_query_traversals import EDGES, GRAPH

QUERY_DOC = Path(__file__).resolve().parents[1] / "docs" / "query.md"
SUPPORTED, DIFFERS, REFUSED = "supported", "differs", "refused"


@dataclass(frozen=True)
class Row:
    """A row of the table: its status, a query, and what it gives (entity keys, rows, or an error's words)."""

    status: str
    query: str
    keys: list[str] | None = None
    rows: list[tuple[Any, ...]] | None = None
    error: str | None = None


ROWS: dict[str, Row] = {
    "find-type": Row(SUPPORTED, "FIND user", keys=["u1", "u2", "u3"]),
    "find-class": Row(SUPPORTED, "FIND Person", keys=["p1", "p2"]),
    "find-any": Row(SUPPORTED, "FIND * WITH displayName = 'admins'", keys=["g1"]),
    "find-several": Row(SUPPORTED, "FIND (person|UserGroup)", keys=["g1", "g2", "p1", "p2"]),
    "keyword-case": Row(SUPPORTED, "find user with displayName = 'bob'", keys=["u2"]),
    "quotes": Row(SUPPORTED, "FIND user WITH email = \"alice@example.com\" OR email = 'bob@example.com'",
                  keys=["u1", "u2"]),
    "and-or-parentheses": Row(SUPPORTED, "FIND user WITH (score = 2 OR score = 3) AND createdOn = 1000", keys=["u1", "u2"]),
    "comparison-operators": Row(SUPPORTED, "FIND user WITH score > 2 AND score <= 3 AND score != 4", keys=["u2"]),
    "text-operators": Row(SUPPORTED, "FIND device WITH displayName ~= 'top' AND displayName ^= 'lap' "
                                     "AND displayName !$= '-1'", keys=["d2"]),
    "negated-text-operators": Row(SUPPORTED, "FIND device WITH displayName !~= 'top' AND displayName !^= 'x'",
                                  keys=["d3"]),
    "regular-expressions": Row(SUPPORTED, "FIND device WITH displayName ~= /^LAPTOP-\\d$/i", keys=["d1", "d2"]),
    "undefined": Row(SUPPORTED, "FIND user WITH prefix = undefined", keys=["u2", "u3"]),
    "value-types": Row(SUPPORTED, "FIND * WITH code = 2", keys=["p1"]),  # u1's code is the text "2"
    "booleans": Row(SUPPORTED, "FIND access_key WITH active = true", keys=["k1"]),
    "value-lists": Row(SUPPORTED, "FIND user WITH displayName = ('alice' OR 'bob')", keys=["u1", "u2"]),
    "negated-value-lists": Row(SUPPORTED, "FIND user WITH displayName != ('alice' OR 'bob')", keys=["u3"]),
    "relative-dates": Row(SUPPORTED, "FIND user WITH createdOn < date.now - 1 day", keys=["u1", "u2", "u3"]),
    "date-literals": Row(SUPPORTED, "FIND user WITH createdOn < '2000-01-01T00:00:00Z'", keys=["u1", "u2", "u3"]),
    "meta-properties": Row(SUPPORTED, "FIND * WITH _type = 'group' AND _class = 'UserGroup'", keys=["g1", "g2"]),
    "that-verb": Row(SUPPORTED, "FIND person THAT OWNS device", keys=["p1"]),
    "either-direction": Row(SUPPORTED, "FIND device THAT OWNS person", keys=["d1"]),
    "relates-to": Row(SUPPORTED, "FIND access_key THAT RELATES TO user", keys=["k1", "k2"]),
    "direction-arrows": Row(SUPPORTED, "FIND user THAT HAS >> access_key", keys=["u1", "u2"]),
    "verb-alternatives": Row(SUPPORTED, "FIND device THAT (OWNS|USES) person", keys=["d1", "d3"]),
    "negation": Row(SUPPORTED, "FIND user THAT !IS person", keys=["u3"]),
    "negation-at-any-hop": Row(SUPPORTED, "FIND user THAT !IS person THAT OWNS device", keys=["u2", "u3"]),
    "many-hops": Row(SUPPORTED, "FIND group THAT HAS user THAT IS person THAT OWNS device", keys=["g1"]),
    "optional-traversals": Row(SUPPORTED, "FIND user (THAT IS person)? THAT OWNS device", keys=["u1", "u3"]),
    "optional-alias": Row(SUPPORTED, "FIND user (THAT IS person)? AS who THAT OWNS device RETURN who.displayName",
                          rows=[("Alice",), ("alice",), ("carol",)]),
    "optional-without-return": Row(DIFFERS, "FIND user (THAT IS person)?", keys=["u1", "u2", "u3"]),
    "aliases": Row(SUPPORTED, "FIND user AS u THAT IS person AS p RETURN u.displayName, p.displayName",
                   rows=[("alice", "Alice"), ("bob", "Bob")]),
    "type-as-alias": Row(SUPPORTED, "FIND user THAT IS person RETURN user.displayName", rows=[("alice",), ("bob",)]),
    "relationship-alias": Row(SUPPORTED, "FIND user AS u THAT OWNS AS o device WHERE o.since > 2500 "
                                         "RETURN u.displayName, o.since", rows=[("carol", 3000)]),
    "where": Row(SUPPORTED, "FIND user AS u THAT IS person AS p WHERE p.score > 3 RETURN u.displayName", rows=[("bob",)]),
    "where-across-aliases": Row(SUPPORTED, "FIND user AS u THAT IS person AS p WHERE u.email = p.email "
                                           "RETURN u.displayName", rows=[("alice",)]),
    "return-properties": Row(SUPPORTED, "FIND user AS u WITH score > 0 RETURN u.displayName AS name, u.score",
                             rows=[("alice", 2), ("bob", 3)]),
    "return-all-properties": Row(DIFFERS, "FIND group AS g WITH displayName = 'admins' RETURN g.*",
                                 rows=[({"_key": "g1", "_type": "group", "_class": "UserGroup", "displayName": "admins"},)]),
    "return-tree": Row(SUPPORTED, "FIND user WITH displayName = 'carol' THAT OWNS device RETURN TREE",
                       keys=["d3", "u3", "u3|owns|d3"]),
    "count": Row(SUPPORTED, "FIND user AS u THAT OWNS device AS d RETURN COUNT(u), COUNT(d)", rows=[(2, 2)]),
    "aggregates": Row(SUPPORTED, "FIND user AS u RETURN MIN(u.score), MAX(u.score), AVG(u.score), SUM(u.score)",
                      rows=[(2, 3, 2.5, 5)]),
    "grouping": Row(SUPPORTED, "FIND * AS x RETURN x._type, COUNT(x)",
                    rows=[("access_key", 2), ("device", 3), ("group", 2), ("person", 2), ("user", 3)]),
    "order-by": Row(SUPPORTED, "FIND user AS u RETURN u.displayName ORDER BY u.displayName DESC",
                    rows=[("carol",), ("bob",), ("alice",)]),
    "skip-limit": Row(SUPPORTED, "FIND user AS u ORDER BY u.displayName DESC SKIP 1 LIMIT 1", keys=["u2"]),
    "skip-limit-of-rows": Row(DIFFERS, "FIND user AS u THAT OWNS device AS d RETURN u.displayName, d.displayName "
                                       "SKIP 1 LIMIT 1", rows=[("carol", "phone-3")]),
    "full-text-search": Row(REFUSED, "FIND 'alice'", error="full-text search (FIND 'text') is not supported: "
                                                           "name an entity type, a class or * at position 6"),
    "parameters": Row(REFUSED, "FIND user WITH email = {{email}}",
                      error="parameters ({{name}}) are not supported: write the value at position 24"),
    "smart-classes": Row(REFUSED, "FIND #CriticalAsset", error="smart classes (#name) are not supported at position 6"),
    "scalar-functions": Row(REFUSED, "FIND user AS u RETURN CONCAT(u.displayName, u.email)",
                            error="CONCAT(...): RETURN has no functions but COUNT, MIN, MAX, AVG and SUM at position 23"),
    "arithmetic": Row(REFUSED, "FIND user AS u RETURN u.score + 1",
                      error="arithmetic in RETURN (+) is not supported at position 31"),
}


@pytest.fixture(scope="module")
def store(module_store_location: str) -> Iterator[GraphStore]:
    with open_store(module_store_location) as opened:
        opened.commit_run(GraphBatch("test", GRAPH, EDGES, set(), set(), "success", "t0", "t1"))
        yield opened


@pytest.mark.parametrize("row_id", sorted(ROWS))
def test_each_row_holds(store: GraphStore, row_id: str) -> None:
    row = ROWS[row_id]
    if row.status == REFUSED:
        with pytest.raises((QuerySyntaxError, QueryError)) as raised:
            compile_query(parse_query(row.query))
        assert str(raised.value) == row.error
        return
    result = run_query(store, row.query)
    if result.graph is not None:
        found = [record["_key"] for record in [*result.graph.entities, *result.graph.relationships]]
        assert sorted(found) == row.keys
    elif row.keys is not None:
        assert sorted(entity["_key"] for entity in result.records()) == row.keys
    else:
        assert result.rows == row.rows


def test_the_docs_table_is_this_one() -> None:
    text = QUERY_DOC.read_text(encoding="utf-8")
    table = re.findall(r"^\| `([a-z-]+)` \| .+ \| (supported|differs|refused)\b.* \|$", text, flags=re.M)
    assert dict(table) == {row_id: row.status for row_id, row in ROWS.items()}
    assert len(table) == len(ROWS)
