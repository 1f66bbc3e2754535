"""Devices, owners and protected cloud hosts, derived from the records of every source."""

from __future__ import annotations

from typing import Any

from aws_integration.graph.devices import DEVICE_ENTITY, map_devices
from aws_integration.graph.properties import property_problems


def _agent(agent_id: str, **properties: Any) -> dict[str, Any]:
    return {"_key": f"sentinelone_agent:{agent_id}", "_type": "sentinelone_agent", "_class": ["HostAgent"],
            "displayName": properties.get("computerName", agent_id), **properties}


def _instance(instance_id: str, **properties: Any) -> dict[str, Any]:
    return {"_key": f"arn:aws:ec2:us-east-1:123456789012:instance/{instance_id}", "_type": "aws_instance",
            "_class": ["Host"], "instanceId": instance_id, **properties}


PEOPLE = [
    {"_key": "person:alice@example.com", "_type": "person", "_class": ["Person"], "email": "alice@example.com"},
    {"_key": "hr:emp-7", "_type": "hr_person", "_class": ["Person"], "email": "bob@example.com", "username": "bsmith"},
    {"_key": "arn:aws:iam::1:user/alice", "_type": "aws_iam_user", "_class": ["User"], "username": "alice",
     "tag.Email": "Alice@Example.com"},
]


def _edges(relationships: list[Any]) -> set[tuple[str, str, str]]:
    return {(r.from_key, r.verb, r.to_key) for r in relationships}


def test_an_agent_on_an_ec2_instance_protects_the_instance_by_mac_then_id_then_unique_ip() -> None:
    instances = [
        _instance("i-0aaaaaaaaaaaaaaaa", macAddresses=["0a:00:00:00:00:01"], privateIpAddress="10.0.0.1"),
        _instance("i-0bbbbbbbbbbbbbbbb", privateIpAddress="10.0.0.2"),
        _instance("i-0cccccccccccccccc", privateIpAddress="10.0.0.3"),
        _instance("i-0dddddddddddddddd", privateIpAddress="10.0.0.9"),
        _instance("i-0eeeeeeeeeeeeeeee", privateIpAddress="10.0.0.9"),  # another VPC's 10.0.0.9
    ]
    agents = [
        _agent("1", macAddress=["0A:00:00:00:00:01"], computerName="web"),
        _agent("2", computerName="ip-10-0-0-2", serialNumber="ec2 i-0bbbbbbbbbbbbbbbb"),
        _agent("3", computerName="ip-10-0-0-3.ec2.internal", privateIpAddresses=["10.0.0.3"]),
        _agent("4", computerName="ambiguous", privateIpAddresses=["10.0.0.9"], serialNumber="ec2-VM-4",
               modelName="Amazon EC2"),
        _agent("5", computerName="LT-OFFICE", privateIpAddresses=["10.0.0.2"], serialNumber="C02-OFFICE"),
    ]
    entities, relationships = map_devices(instances + agents)
    protects = {(r.from_key, r.to_key) for r in relationships if r.to_type == "aws_instance"}
    assert protects == {
        ("sentinelone_agent:1", instances[0]["_key"]),
        ("sentinelone_agent:2", instances[1]["_key"]),
        ("sentinelone_agent:3", instances[2]["_key"]),
    }
    # The agent whose IP two instances share, and the office laptop that happens to have an instance's IP,
    # are on machines of their own: Devices, nothing guessed.
    assert [entity.key for entity in entities] == ["device:serial:EC2-VM-4", "device:serial:C02-OFFICE"]


def test_records_of_one_machine_make_one_device_that_its_owner_owns() -> None:
    records = [
        _agent("10", serialNumber="c02xk1", macAddress=["aa:bb:cc:00:00:10"], computerName="LT-ALICE",
               lastLoggedInUserName="EXAMPLE\\Alice", lastActiveOn=5),
        _agent("11", macAddress=["aa:bb:cc:00:00:10"], computerName="lt-alice.example.com", lastActiveOn=9),
        _agent("12", serialNumber="To be filled by O.E.M.", computerName="WS-2", lastLoggedInUserName="bsmith"),
        _agent("13", serialNumber="SN-3", lastLoggedInUserName="nobody-known"),
        *PEOPLE,
    ]
    entities, relationships = map_devices(records)
    devices = {entity.key: entity for entity in entities}
    assert set(devices) == {"device:serial:C02XK1", "device:host:ws-2", "device:serial:SN-3"}
    laptop = devices["device:serial:C02XK1"]
    assert laptop.display_name == "LT-ALICE" and laptop.properties["lastSeenOn"] == 9
    assert laptop.properties["macAddress"] == ["aa:bb:cc:00:00:10"]
    declared = {prop.name: prop for prop in DEVICE_ENTITY.properties}
    assert all(not property_problems(device.properties, declared, device.key) for device in entities)
    assert _edges(relationships) == {
        ("sentinelone_agent:10", "PROTECTS", "device:serial:C02XK1"),
        ("sentinelone_agent:11", "PROTECTS", "device:serial:C02XK1"),
        ("sentinelone_agent:12", "PROTECTS", "device:host:ws-2"),
        ("sentinelone_agent:13", "PROTECTS", "device:serial:SN-3"),
        ("person:alice@example.com", "OWNS", "device:serial:C02XK1"),  # via the IAM user alice
        ("hr:emp-7", "OWNS", "device:host:ws-2"),  # via the HR person's username
    }
    owns = next(r for r in relationships if r.to_key == "device:host:ws-2" and r.verb == "OWNS")
    assert owns.type == "hr_person_owns_device"


def test_an_imported_device_is_the_device_its_agent_protects() -> None:
    imported = {"_key": "cmdb:laptop-42", "_type": "cmdb_device", "_class": ["Device"], "serialNumber": "C02XK1",
                "owner": "bob@example.com"}
    agent = _agent("10", serialNumber="C02XK1", lastLoggedInUserName="bob@example.com")
    entities, relationships = map_devices([imported, agent, *PEOPLE])
    assert entities == []
    assert _edges(relationships) == {("sentinelone_agent:10", "PROTECTS", "cmdb:laptop-42"),
                                     ("hr:emp-7", "OWNS", "cmdb:laptop-42")}


def test_a_login_that_names_several_people_or_machines_with_different_owners_get_no_owner() -> None:
    people = [
        {"_key": "person:ann@a.com", "_type": "person", "_class": ["Person"], "email": "ann@a.com", "username": "ann"},
        {"_key": "person:ann@b.com", "_type": "person", "_class": ["Person"], "email": "ann@b.com", "username": "ann"},
        *PEOPLE,
    ]
    records = [
        _agent("1", serialNumber="S1", lastLoggedInUserName="ann"),
        _agent("2", serialNumber="S2", lastLoggedInUserName="alice@example.com"),
        _agent("3", serialNumber="S2", lastLoggedInUserName="bsmith"),
        *people,
    ]
    _, relationships = map_devices(records)
    assert [r for r in relationships if r.verb == "OWNS"] == []


def _commit(store: Any, source: str, entities: list[Any]) -> None:
    from aws_integration.store import GraphBatch

    store.commit_run(GraphBatch(source, entities, [], set(), set(), "success", "t", "t"))


def test_the_store_keeps_the_cross_source_graph_whichever_source_runs(store_location: str) -> None:
    from aws_integration.graph.model import Entity
    from aws_integration.store.derivations import open_graph_store

    instance = Entity("arn:aws:ec2:us-east-1:1:instance/i-0aaaaaaaaaaaaaaaa", "aws_instance", ("Host",), "web-1",
                      {"instanceId": "i-0aaaaaaaaaaaaaaaa", "macAddresses": ["0a:00:00:00:00:01"]})
    user = Entity("arn:aws:iam::1:user/alice", "aws_iam_user", ("User",), "alice",
                  {"username": "alice", "tag.Email": "alice@example.com"})
    on_host = Entity("sentinelone_agent:1", "sentinelone_agent", ("HostAgent",), "web-1",
                     {"macAddress": ["0a:00:00:00:00:01"]})
    laptop = Entity("sentinelone_agent:2", "sentinelone_agent", ("HostAgent",), "LT-ALICE",
                    {"serialNumber": "C02XK1", "lastLoggedInUserName": "EXAMPLE\\alice"})

    def edges(store: Any) -> set[tuple[str, str, str]]:
        return {(r["_fromEntityKey"], r["_class"], r["_toEntityKey"]) for r in store.relationships()
                if r["_class"] in ("PROTECTS", "OWNS")}

    with open_graph_store(store_location) as store:
        _commit(store, "sentinelone:console", [on_host, laptop])  # the console alone: two devices
        alone = {entity["_key"] for entity in store.entities(types=["device"])}
        _commit(store, "aws:1", [instance, user])  # the Person is new in this run, and owns the laptop at once
        together = edges(store)
        _commit(store, "sentinelone:console", [on_host, laptop])
        again = edges(store)
        _commit(store, "aws:1", [user])  # the instance is gone: its agent's machine is a device again
        after = edges(store)
        devices = {entity["_key"] for entity in store.entities(types=["device"])}
    assert alone == {"device:serial:C02XK1", "device:mac:0a:00:00:00:00:01"}
    assert together == again == {
        ("sentinelone_agent:1", "PROTECTS", instance.key),
        ("sentinelone_agent:2", "PROTECTS", "device:serial:C02XK1"),
        ("person:alice@example.com", "OWNS", "device:serial:C02XK1"),
    }
    assert ("sentinelone_agent:1", "PROTECTS", "device:mac:0a:00:00:00:00:01") in after
    assert devices == alone
