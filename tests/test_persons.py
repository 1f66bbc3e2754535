"""Person mapping: one Person per real person, shared by sources, gone when no user maps to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aws_integration.graph.model import Entity
from aws_integration.graph.persons import PERSON_ENTITY, map_persons, user_email
from aws_integration.graph.properties import property_problems
from aws_integration.sample.seed import SampleAccount
from aws_integration.store import GraphBatch
from aws_integration.store.derivations import open_graph_store
from tests.conftest import collect


@pytest.mark.parametrize(
    ("user", "email"),
    [
        ({"tag.Email": "Alice@Example.com", "username": "alice"}, "alice@example.com"),
        ({"tag.email": "bob@example.com"}, "bob@example.com"),
        ({"email": "carol@example.org"}, "carol@example.org"),
        ({"username": "Dave@Example.COM"}, "dave@example.com"),
        ({"username": "ci-deployer"}, None),
        ({"tag.Email": "not-an-address", "username": "erin"}, None),
        ({"tag.Email": "frank@example.com", "tag.userType": "bot"}, None),
        ({"username": "svc@example.com", "tag.userType": "Service"}, None),
        ({"username": "gen@example.com", "tag.userType": "generic"}, None),
        ({"username": "root@example.com", "userType": "system"}, None),
        ({"username": "grace@example.com", "tag.userType": "employee"}, "grace@example.com"),
    ],
)
def test_which_users_are_people(user: dict[str, Any], email: str | None) -> None:
    assert user_email(user) == email


def test_two_accounts_of_one_person_make_one_person() -> None:
    users = [
        {"_key": "u1", "_type": "aws_iam_user", "tag.Email": "Alice@Example.com"},
        {"_key": "u2", "_type": "okta_user", "email": "alice@example.com"},
        {"_key": "u3", "_type": "aws_iam_user", "username": "deploy", "tag.userType": "bot"},
    ]
    persons, relationships = map_persons(users)
    assert [(p.key, p.display_name, p.properties) for p in persons] == [
        ("person:alice@example.com", "alice@example.com", {"email": "alice@example.com", "emailDomain": "example.com"})
    ]
    assert sorted((r.from_key, r.verb, r.to_key, r.type) for r in relationships) == [
        ("u1", "IS", "person:alice@example.com", "aws_iam_user_is_person"),
        ("u2", "IS", "person:alice@example.com", "okta_user_is_person"),
    ]


def _user(key: str, **properties: Any) -> Entity:
    return Entity(key, "directory_user", ("User",), key, properties)


def _batch(source: str, *users: Entity) -> GraphBatch:
    return GraphBatch(source, list(users), [], set(), set(), "success", "t0", "t1")


def test_a_person_stays_while_any_source_maps_to_it(store_location: str) -> None:
    with open_graph_store(store_location) as store:
        first = store.commit_run(_batch("hr", _user("hr:alice", email="alice@example.com")))
        store.commit_run(_batch("okta", _user("okta:alice", email="ALICE@example.com"),
                                _user("okta:bob", email="bob@example.com")))
        persons = {e["_key"] for e in store.entities(types=["person"])}
        assert persons == {"person:alice@example.com", "person:bob@example.com"}
        assert sorted(r["_fromEntityKey"] for r in store.relationships(source="mapper:person")) == [
            "hr:alice", "okta:alice", "okta:bob"]
        assert ("created", "person:alice@example.com") in {(c.change.value, c.key) for c in store.changes(first.run_id)}

        store.commit_run(_batch("okta"))  # okta's users are gone: alice still has her HR account
        assert {e["_key"] for e in store.entities(types=["person"])} == {"person:alice@example.com"}
        last = store.commit_run(_batch("hr"))
        assert list(store.entities(types=["person"])) == []
        assert {(c.change.value, c.type) for c in store.changes(last.run_id)} == {
            ("deleted", "directory_user"), ("deleted", "person"), ("deleted", "directory_user_is_person")}


def test_an_imported_person_wins_over_the_mapped_copy(store_location: str) -> None:
    with open_graph_store(store_location) as store:
        store.commit_run(_batch("hr", Entity("person:alice@example.com", "hr_person", ("Person",), "Alice Smith",
                                             {"email": "alice@example.com"})))
        store.commit_run(_batch("okta", _user("okta:alice", email="alice@example.com")))
        [person] = list(store.entities(types=["person", "hr_person"]))
        assert person["displayName"] == "Alice Smith"
        [link] = list(store.relationships(source="mapper:person"))
        assert link["_toEntityKey"] == "person:alice@example.com"


def test_the_sample_account_maps_its_people(sample: SampleAccount, store_location: str) -> None:
    graph = collect()
    report = graph.report
    with open_graph_store(store_location) as store:
        store.commit_run(GraphBatch("aws:123456789012", graph.entities, graph.relationships, set(), set(),
                                    report.status, report.started_at, report.finished_at))
        persons = sorted(e["email"] for e in store.entities(types=["person"]))
        mapped = sorted(r["_fromEntityKey"].rsplit("/", 1)[-1] for r in store.relationships(source="mapper:person"))
    assert persons == ["alice@example.com", "bob@example.com"]
    assert mapped == ["alice", "bob@example.com"]  # ci-deployer is tagged userType=bot


def test_a_person_another_source_holds_is_the_one_users_map_to_whatever_its_key(store_location: str) -> None:
    with open_graph_store(store_location) as store:
        store.commit_run(_batch("hr", Entity("hr:emp-7", "hr_person", ("Person",), "Bob Jones",
                                             {"email": "Bob@Example.com"})))
        store.commit_run(_batch("okta", _user("okta:bob", email="bob@example.com"),
                                _user("okta:carol", email="carol@example.com", firstName="Carol", lastName="Diaz")))
        persons = {e["_key"]: e for e in store.entities(types=["person", "hr_person"])}
        assert set(persons) == {"hr:emp-7", "person:carol@example.com"}  # one Person per address
        assert persons["person:carol@example.com"]["displayName"] == "Carol Diaz"
        assert (persons["person:carol@example.com"]["firstName"], persons["person:carol@example.com"]["lastName"]) == (
            "Carol", "Diaz")
        links = {r["_fromEntityKey"]: r for r in store.relationships(source="mapper:person")}
        assert links["okta:bob"]["_toEntityKey"] == "hr:emp-7"
        assert links["okta:bob"]["_type"] == "directory_user_is_hr_person"  # named after both real types


def test_iam_name_tags_name_the_person() -> None:
    users = [{"_key": "u1", "_type": "aws_iam_user", "_class": "User", "tag.Email": "dan@example.com",
              "tag.Name": "Dan the Admin"},
             {"_key": "u2", "_type": "aws_iam_user", "_class": "User", "tag.Email": "eve@example.com",
              "tag.FirstName": "Eve", "tag.LastName": "Ng", "tag.Name": "eve-admin"}]
    persons, _ = map_persons(users)
    assert [(p.display_name, p.properties.get("firstName")) for p in persons] == [("Dan the Admin", None), ("Eve Ng", "Eve")]
    declared = {prop.name: prop for prop in PERSON_ENTITY.properties}
    assert all(not property_problems(person.properties, declared, person.key) for person in persons)
