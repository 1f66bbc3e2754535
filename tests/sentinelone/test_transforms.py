"""SentinelOne transforms, from raw objects shaped as the console sends them."""

from __future__ import annotations

from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.integrations.sentinelone import transforms
from aws_integration.integrations.sentinelone.transforms import ConsoleContext
from aws_integration.steps.runner import Contract
from aws_integration.integrations.sentinelone.steps import STEPS, console_registry

CONTEXT = ConsoleContext("acme.sentinelone.net", {"225494730938493804": "433241117337583618"})

RAW_AGENT: dict[str, Any] = {
    "id": "1462930423018423481",
    "uuid": "ff819e70af13be381993075eb0ce5f2f6de05be2",
    "computerName": "LT-ALICE",
    "domain": "EXAMPLE",
    "machineType": "laptop",
    "osType": "windows",
    "osName": "Windows 11 Pro",
    "osRevision": "22631",
    "osArch": "64 bit",
    "modelName": "Latitude 7440",
    "serialNumber": "5CG1234XYZ",
    "agentVersion": "23.4.2.14",
    "isActive": "True",
    "isDecommissioned": "false",
    "isUninstalled": False,
    "isUpToDate": True,
    "infected": True,
    "activeThreats": 2,
    "threatRebootRequired": False,
    "networkStatus": "connected",
    "scanStatus": "finished",
    "lastSuccessfulScanDate": "2026-11-29T06:12:01.123456Z",
    "lastActiveDate": "2026-11-30T08:00:00Z",
    "registeredAt": "2026-01-05T10:00:00.000000Z",
    "createdAt": "2026-01-05T10:00:00.000000Z",
    "updatedAt": "not a date",
    "firewallEnabled": True,
    "encryptedApplications": False,
    "externalIp": "198.51.100.7",
    "lastIpToMgmt": "10.1.2.3",
    "networkInterfaces": [
        {"name": "Ethernet", "physical": "0A:1B:2C:3D:4E:5F", "inet": ["10.1.2.3"], "inet6": ["fe80::1c2:3d"]},
        {"name": "Wi-Fi", "physical": "0a:1b:2c:3d:4e:60", "inet": [], "inet6": ["fe80::aa"]},
        {"name": "Loopback", "physical": "00:00:00:00:00:00", "inet": ["127.0.0.1"], "inet6": ["::1"]},
        {"name": "lo-alias", "physical": "0a:1b:2c:3d:4e:61", "inet": ["127.0.0.2"]},
        {"name": "vEthernet", "physical": "0a:1b:2c:3d:4e:5f", "inet": ["172.20.0.1"]},
        {"name": "wan", "physical": "0a:1b:2c:3d:4e:62", "inet": ["52.95.110.1"]},
    ],
    "lastLoggedInUserName": "EXAMPLE\\alice",
    "groupId": "225494730938493805",
    "groupName": "Laptops",
    "siteId": "225494730938493804",
    "siteName": "Headquarters",
    "accountId": "433241117337583618",
    "accountName": "Example Corp",
    "licenseKey": "SECRET-LICENSE-KEY",
    "tags": {"sentinelone": [{"key": "Owner", "value": "alice", "id": "1"}, {"key": "Critical", "value": "true"}]},
}


def _entities(produced: list[Entity | Relationship]) -> list[Entity]:
    return [record for record in produced if isinstance(record, Entity)]


def _edges(produced: list[Entity | Relationship]) -> set[tuple[str, str, str]]:
    return {(record.from_key, record.verb, record.to_key) for record in produced if isinstance(record, Relationship)}


def test_an_agent_carries_identity_state_and_network() -> None:
    produced = list(transforms.agent(RAW_AGENT, CONTEXT))
    [agent] = _entities(produced)
    props = agent.properties
    assert agent.key == "sentinelone_agent:1462930423018423481"
    assert agent.classes == ("HostAgent",) and agent.display_name == "LT-ALICE"
    assert props["function"] == ["anti-malware"]
    assert (props["serialNumber"], props["machineType"], props["osType"], props["modelName"]) == \
        ("5CG1234XYZ", "laptop", "windows", "Latitude 7440")
    assert props["isActive"] is True and props["isDecommissioned"] is False  # sent as strings
    assert props["infected"] is True and props["activeThreats"] == 2
    assert props["lastSuccessfulScanOn"] == 1795932721123 and props["lastActiveOn"] == 1796025600000
    assert "updatedOn" not in props  # an unreadable date is left out, never guessed
    # Physical NICs with a non-loopback address (link-local counts), each once, lower-cased; loopback NICs left out.
    assert props["macAddress"] == ["0a:1b:2c:3d:4e:5f", "0a:1b:2c:3d:4e:60", "0a:1b:2c:3d:4e:62"]
    assert props["publicIpAddresses"] == ["52.95.110.1"]
    assert "ipv6Addresses" not in props  # link-local addresses are not the host's addresses
    assert props["privateIpAddresses"] == ["10.1.2.3", "172.20.0.1"]
    assert props["lastLoggedInUserName"] == "EXAMPLE\\alice"
    assert props["tag.Owner"] == "alice" and props["tag.Critical"] is True
    assert "licenseKey" not in props and "SECRET-LICENSE-KEY" not in str(props)
    assert _edges(produced) == {("sentinelone_group:225494730938493805", "HAS", agent.key)}


def test_a_group_is_had_by_its_site_and_its_account_and_keeps_no_registration_token() -> None:
    raw = {"id": "225494730938493805", "name": "Laptops", "siteId": "225494730938493804", "type": "static",
           "rank": None, "isDefault": False, "inherits": "True", "totalAgents": 12,
           "registrationToken": "eyJ-SECRET", "createdAt": "2025-12-01T00:00:00Z"}
    produced = list(transforms.group(raw, CONTEXT))
    [group] = _entities(produced)
    assert group.properties["type"] == "static" and "rank" not in group.properties
    assert group.properties["inherits"] is True and group.properties["totalAgents"] == 12
    assert "eyJ-SECRET" not in str(group.properties)
    assert _edges(produced) == {
        ("sentinelone_site:225494730938493804", "HAS", group.key),
        ("sentinelone_account:433241117337583618", "HAS", group.key),
    }


def test_a_group_of_an_unknown_site_has_no_account_edge() -> None:
    raw = {"id": "9", "name": "Orphans", "siteId": "777"}
    assert _edges(list(transforms.group(raw, CONTEXT))) == {("sentinelone_site:777", "HAS", "sentinelone_group:9")}


def test_a_site_is_had_by_its_account() -> None:
    raw = {"id": "225494730938493804", "name": "Headquarters", "accountId": "433241117337583618",
           "accountName": "Example Corp", "siteType": "Paid", "state": "active", "activeLicenses": "40",
           "totalLicenses": 100, "isDefault": "False", "registrationToken": "eyJ-SITE-SECRET"}
    produced = list(transforms.site(raw, CONTEXT))
    [site] = _entities(produced)
    assert site.properties["activeLicenses"] == 40 and site.properties["isDefault"] is False
    assert "eyJ-SITE-SECRET" not in str(site.properties)
    assert _edges(produced) == {("sentinelone_account:433241117337583618", "HAS", site.key)}


def test_an_account_without_a_name_is_named_by_its_id() -> None:
    [account] = list(transforms.account({"id": "433241117337583618", "state": "active"}, CONTEXT))
    assert account.display_name == "433241117337583618" and account.classes == ("Account",)


def test_every_transform_emits_only_its_declared_types_and_properties() -> None:
    raws = {"sentinelone-accounts": {"id": "1", "name": "A"},
            "sentinelone-sites": {"id": "225494730938493804", "name": "S", "accountId": "433241117337583618"},
            "sentinelone-groups": {"id": "3", "name": "G", "siteId": "225494730938493804"},
            "sentinelone-agents": RAW_AGENT}
    registry = console_registry()
    for step in STEPS:
        contract = Contract.of(step)
        for produced in step.transform(raws[step.id], CONTEXT):
            contract.check(produced)
            assert not registry.property_problems(produced)
    assert registry.property_problems(Entity("k", "sentinelone_agent", ("HostAgent",), "k", {"activeThreats": "2"}))


def test_booleans_and_dates_of_the_console_are_read_strictly() -> None:
    assert [transforms.boolean(value) for value in (True, "True", "false", " TRUE ", "yes", 1, None)] == \
        [True, True, False, True, None, None, None]
    assert transforms.epoch_ms("2026-11-30T08:00:00Z") == 1796025600000
    assert transforms.epoch_ms("") is None and transforms.epoch_ms(5) is None
