"""Traversals of the query language on a small graph of users, people, groups, keys and devices:
directions, verb alternatives, negation at any hop, optional traversals, comparisons across aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aws_integration.graph.model import Entity, Relationship
from aws_integration.query import QueryError, QuerySyntaxError, compile_query, parse_query
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.location import open_store


def _entity(key: str, type_name: str, class_name: str, name: str, **properties: object) -> Entity:
    return Entity(key, type_name, (class_name,), name, dict(properties))


def _edge(from_key: str, verb: str, to_key: str, **properties: Any) -> Relationship:
    types = {entity.key: entity.type for entity in GRAPH}
    return Relationship(from_key, types[from_key], verb, to_key, types[to_key], properties=properties)


GRAPH = [
    _entity("u1", "user", "User", "alice", email="alice@example.com", tags=["a", "b"], score=2, code="2",
            prefix="laptop", createdOn=1000),
    _entity("u2", "user", "User", "bob", email="bob@example.com", score=3, code="3", createdOn=1000),
    _entity("u3", "user", "User", "carol", email="carol@example.com", createdOn=1000),
    _entity("p1", "person", "Person", "Alice", email="alice@example.com", labels=["b", "c"], score=2.0, code=2),
    _entity("p2", "person", "Person", "Bob", email="bob@example.org", nickname="bob", score=4),
    _entity("g1", "group", "UserGroup", "admins"),
    _entity("g2", "group", "UserGroup", "guests"),
    _entity("k1", "access_key", "AccessKey", "key-1", active=True),
    _entity("k2", "access_key", "AccessKey", "key-2", active=False),
    _entity("d1", "device", "Device", "laptop-1"),
    _entity("d2", "device", "Device", "laptop-2"),
    _entity("d3", "device", "Device", "phone-3"),
]
EDGES = [
    _edge("u1", "IS", "p1"),
    _edge("u2", "IS", "p2"),
    _edge("p1", "OWNS", "d1", since=500),
    _edge("u1", "OWNS", "d2", since=2000),
    _edge("u3", "OWNS", "d3", since=3000),
    _edge("p2", "USES", "d3"),
    _edge("g1", "HAS", "u1"),
    _edge("g2", "HAS", "u3"),
    _edge("u1", "HAS", "k2"),
    _edge("u2", "HAS", "k1"),
]


@pytest.fixture(scope="module")
def store(module_store_location: str) -> Iterator[GraphStore]:
    with open_store(module_store_location) as opened:
        opened.commit_run(GraphBatch("test", GRAPH, EDGES, set(), set(), "success", "t0", "t1"))
        yield opened


def _keys(store: GraphStore, query: str) -> list[str]:
    return sorted(entity["_key"] for entity in run_query(store, query).records())


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        # direction: either way unless an arrow says which
        ("FIND user THAT HAS *", ["u1", "u2", "u3"]),
        ("FIND user THAT HAS >> access_key", ["u1", "u2"]),
        ("FIND user THAT HAS << *", ["u1", "u3"]),
        ("FIND access_key THAT HAS >> user", []),
        ("FIND access_key THAT HAS << user", ["k1", "k2"]),
        ("FIND device THAT RELATES TO << user", ["d2", "d3"]),
        ("FIND device THAT RELATES TO >> *", []),
        # verb alternatives
        ("FIND device THAT (OWNS|USES) person", ["d1", "d3"]),
        ("FIND person THAT (IS|USES) >> *", ["p2"]),
        ("FIND person THAT (IS|USES) << *", ["p1", "p2"]),
        ("FIND user THAT !(OWNS|HAS) >> *", []),
        ("FIND user THAT !(IS|OWNS) device", ["u2"]),
        # a negation at any hop: no match of the rest of the chain from there
        ("FIND user THAT !IS person THAT OWNS device", ["u2", "u3"]),
        ("FIND group THAT HAS user THAT !IS person", ["g2"]),
        ("FIND user THAT !IS person THAT !OWNS device", ["u1", "u3"]),
        ("FIND group THAT HAS user THAT !HAS access_key WITH active = true", ["g1", "g2"]),
        ("FIND group THAT HAS user THAT !HAS access_key WITH active = false", ["g2"]),
        # an optional traversal keeps entities without the match
        ("FIND user (THAT IS person)?", ["u1", "u2", "u3"]),
        ("FIND user (THAT IS person)? THAT OWNS device", ["u1", "u3"]),
        ("FIND user (THAT IS person)? THAT USES device", ["u2"]),
    ],
)
def test_traversal_cases(store: GraphStore, query: str, keys: list[str]) -> None:
    assert _keys(store, query) == keys


def _rows(store: GraphStore, query: str) -> list[tuple[Any, ...]]:
    return run_query(store, query).rows


def test_an_optional_traversal_is_a_left_join(store: GraphStore) -> None:
    assert _rows(store, "FIND user AS u (THAT IS person AS p)? RETURN u.displayName, p.displayName") == [
        ("alice", "Alice"), ("bob", "Bob"), ("carol", None)]
    assert _rows(store, "FIND user AS u (THAT IS person THAT OWNS device AS d)? RETURN u.displayName, d.displayName") == [
        ("alice", "laptop-1"), ("bob", None), ("carol", None)]


def test_steps_after_an_optional_traversal_start_from_both_ends(store: GraphStore) -> None:
    # J1's combined results: a device owned by the user, or by the person the user is
    assert _rows(store, "FIND user AS u (THAT IS person AS p)? THAT OWNS device AS d "
                        "RETURN u.displayName, p.displayName, d.displayName") == [
        ("alice", "Alice", "laptop-1"), ("alice", None, "laptop-2"), ("carol", None, "phone-3")]
    # the group's alias names that union
    assert _rows(store, "FIND user (THAT IS person)? AS who THAT OWNS device RETURN who.displayName") == [
        ("Alice",), ("alice",), ("carol",)]
    # chained optional traversals: one row per path
    assert _rows(store, "FIND user AS u (THAT IS person AS p)? (THAT OWNS device AS d)? "
                        "RETURN u.displayName, p.displayName, d.displayName") == [
        ("alice", "Alice", "laptop-1"), ("alice", None, "laptop-2"), ("bob", "Bob", None), ("bob", None, None),
        ("carol", None, "phone-3")]
    # a whole entity that is not there is null
    [(none,)] = _rows(store, "FIND user AS u WITH displayName = 'carol' (THAT IS person AS p)? RETURN p")
    assert none is None
    assert _rows(store, "FIND user AS u (THAT IS person AS p)? RETURN COUNT(u), COUNT(p)") == [(3, 2)]


def test_negated_chains_keep_the_aliases_before_them(store: GraphStore) -> None:
    assert _rows(store, "FIND group AS g THAT HAS user AS u THAT !IS person RETURN g.displayName, u.displayName") == [
        ("guests", "carol")]


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("FIND user AS u THAT IS person AS p WHERE u.email = p.email RETURN u.displayName", [("alice",)]),
        ("FIND user AS u THAT IS person AS p WHERE u.email != p.email RETURN u.displayName", [("bob",)]),
        ("FIND user AS u (THAT IS person AS p)? WHERE p.email = u.email RETURN u.displayName", [("alice",)]),
        # a list compares by any of its items; numbers compare as numbers, never with text
        ("FIND user AS u THAT IS person AS p WHERE u.tags = p.labels RETURN u.displayName", [("alice",)]),
        ("FIND user AS u THAT IS person AS p WHERE u.score = p.score RETURN u.displayName", [("alice",)]),
        ("FIND user AS u THAT IS person AS p WHERE u.score < p.score RETURN u.displayName", [("bob",)]),
        ("FIND user AS u THAT IS person AS p WHERE u.code = p.code RETURN u.displayName", []),
        # an absent property compares with nothing, and its negation holds
        ("FIND user AS u THAT IS person AS p WHERE u.nickname = p.nickname RETURN u.displayName", []),
        ("FIND user AS u THAT IS person AS p WHERE u.nickname != p.nickname RETURN u.displayName", [("alice",), ("bob",)]),
        # the entity's own fields, text operators, and a relationship's properties
        ("FIND user AS u THAT IS person AS p WHERE u.displayName = p.nickname RETURN u.displayName", [("bob",)]),
        ("FIND user AS u THAT OWNS device AS d WHERE d.displayName ^= u.prefix RETURN d.displayName", [("laptop-2",)]),
        ("FIND user AS u THAT OWNS AS o device AS d WHERE o.since > u.createdOn RETURN d.displayName",
         [("laptop-2",), ("phone-3",)]),
        ("FIND user AS u THAT IS person AS p WHERE u._type = p._type RETURN u.displayName", []),
    ],
)
def test_where_compares_properties_across_aliases(store: GraphStore, query: str, rows: list[tuple[Any, ...]]) -> None:
    assert _rows(store, query) == rows


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("FIND user (THAT !IS person)?", "a negated traversal cannot be optional (it adds no entity to the results) "
                                         "at position 17"),
        ("FIND user (THAT IS person (THAT OWNS device)?)?", "optional traversals do not nest at position 27"),
        ("FIND user (THAT IS person", "expected THAT or ) in the optional traversal, found the end of the query "
                                      "at position 26"),
        ("FIND user (THAT IS person)", "expected ? after the optional traversal's ), found the end of the query "
                                       "at position 27"),
        ("FIND user THAT (IS OWNS) *", "expected | or ) after the verb, found 'OWNS' at position 20"),
        ("FIND user THAT (IS|'x') *", "expected a relationship verb after |, found \"'x'\" at position 20"),
        ("FIND user AS u THAT IS person WHERE u.email = q.email", "unknown alias 'q' (aliases: u, person) at position 47"),
        ("FIND user AS u (THAT IS person)? AS u", "alias 'u' is used twice at position 37"),
    ],
)
def test_traversal_syntax_errors_point_at_the_place(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("FIND user THAT !IS person AS p THAT OWNS device WHERE p.email = 'x'", "belongs to a negated traversal"),
        ("FIND user AS u THAT !IS person THAT OWNS device AS d WHERE u.email = d.email", "belongs to a negated traversal"),
        ("FIND user THAT !IS person THAT OWNS device AS d RETURN d.displayName", "belongs to a negated traversal"),
        ("FIND user THAT !IS person THAT OWNS AS o device RETURN o.since", "belongs to a negated traversal"),
    ],
)
def test_what_a_negation_hides_cannot_be_read(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_query(parse_query(query))
