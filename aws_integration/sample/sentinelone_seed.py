"""The sample console: one account, 2 sites, 5 groups and 2,500 agents, the same on every run of a day.

Some agents run on the sample AWS account's EC2 instances (with those instances' real
MAC addresses and private IPs, when they are given), and some were last logged in to by
the sample account's people (alice, bob@example.com), so the demo's cross-source
questions have answers. Each raw object has the fields the real console sends, secrets
included (``licenseKey``, ``registrationToken``), so the tests can check they are never stored.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from aws_integration.sample.sentinelone_console import ConsoleData, Token

ACCOUNT_ID = "1100000000000000001"
SITES = (("1200000000000000001", "Headquarters"), ("1200000000000000002", "Cloud"))
GROUPS = (
    ("1300000000000000001", "Default Group", SITES[0][0], "static"),
    ("1300000000000000002", "Laptops", SITES[0][0], "static"),
    ("1300000000000000003", "Servers", SITES[0][0], "dynamic"),
    ("1300000000000000004", "Default Group", SITES[1][0], "static"),
    ("1300000000000000005", "EC2 Fleet", SITES[1][0], "pinned"),
)
AGENT_COUNT = 2500
ACCOUNT_TOKEN = "sample-account-token-0f3a9c"  # the demo's tokens: local fakes, not secrets of any console
SITE_TOKEN = "sample-site-token-7d21e4"
NOW = datetime.now(timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0)  # the same all day
PEOPLE_LOGINS = ("alice", "EXAMPLE\\alice", "bob@example.com", "Bob@Example.com")


@dataclass(frozen=True)
class CloudHost:
    """An EC2 instance of the sample account an agent runs on."""

    instance_id: str
    mac: str
    private_ip: str


def cloud_hosts(described: dict[str, Any]) -> list[CloudHost]:
    """The hosts of a ``DescribeInstances`` answer: each instance's first network interface's MAC and IP."""
    hosts = []
    for reservation in described.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            interfaces = instance.get("NetworkInterfaces") or [{}]
            mac = interfaces[0].get("MacAddress")
            if mac:
                hosts.append(CloudHost(instance["InstanceId"], mac.lower(), instance.get("PrivateIpAddress", "")))
    return hosts


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _mac(random_source: random.Random) -> str:
    return ":".join(f"{random_source.randrange(256):02x}" for _ in range(6))


def _agent(index: int, random_source: random.Random, host: CloudHost | None) -> dict[str, Any]:
    group_id, group_name, site_id, _ = GROUPS[4] if host else GROUPS[index % 4 if index % 4 != 3 else 1]
    site_name = dict(SITES)[site_id]
    laptop = group_name == "Laptops"
    os_type = "linux" if host or group_name == "Servers" else ("macos" if index % 3 == 0 else "windows")
    serial = None if os_type == "linux" and not laptop else f"C02{index:07d}"
    private_ip = host.private_ip if host else f"192.168.{index // 250 % 256}.{index % 250 + 2}"  # the offices' LAN
    mac = host.mac if host else _mac(random_source)
    state = index + 1  # the first agents (the cloud hosts') are healthy
    last_active = NOW - timedelta(hours=random_source.randrange(1, 24 * 45))
    login = (PEOPLE_LOGINS[index % len(PEOPLE_LOGINS)] if index < 40 else f"user{index}") if not host else "ec2-user"
    return {
        "id": str(1400000000000000000 + index),
        "uuid": f"{index:08x}-5a1e-4c0e-9d1a-{index:012x}",
        "computerName": host.instance_id if host else f"{'LT' if laptop else 'WS'}-{index:05d}",
        "domain": "WORKGROUP" if os_type != "windows" else "EXAMPLE",
        "machineType": "server" if host or group_name == "Servers" else ("laptop" if laptop else "desktop"),
        "osType": os_type,
        "osName": {"linux": "Linux", "macos": "macOS", "windows": "Windows 11 Pro"}[os_type],
        "osRevision": {"linux": "Amazon Linux 2023", "macos": "14.5", "windows": "22631"}[os_type],
        "osArch": "64 bit",
        "modelName": "Amazon EC2" if host else ("MacBookPro18,3" if os_type == "macos" else "Latitude 7440"),
        "serialNumber": (f"ec2{host.instance_id[2:]}" if host else serial),
        "agentVersion": "23.4.2.14" if state % 10 else "22.3.1.5",
        "isActive": "True" if state % 17 else "False",  # the console sends some booleans as strings
        "isDecommissioned": state % 97 == 0,
        "isUninstalled": False,
        "isUpToDate": bool(state % 10),
        "infected": state % 211 == 0,
        "activeThreats": 1 if state % 211 == 0 else 0,
        "threatRebootRequired": False,
        "networkStatus": "connected" if state % 17 else "disconnected",
        "scanStatus": "finished" if state % 5 else "started",
        "lastSuccessfulScanDate": _iso(last_active - timedelta(days=1)),
        "lastActiveDate": _iso(last_active),
        "registeredAt": _iso(NOW - timedelta(days=200 + index % 300)),
        "createdAt": _iso(NOW - timedelta(days=200 + index % 300)),
        "updatedAt": _iso(last_active),
        "firewallEnabled": state % 4 != 0,
        "encryptedApplications": laptop,
        "externalIp": f"203.0.113.{index % 254 + 1}",
        "lastIpToMgmt": private_ip,
        "networkInterfaces": [
            {"id": f"nic-{index}-0", "name": "eth0" if os_type == "linux" else "en0", "physical": mac,
             "inet": [private_ip], "inet6": ["fe80::1"], "gatewayIp": "10.0.0.1", "gatewayMacAddress": None},
            {"id": f"nic-{index}-1", "name": "lo", "physical": "00:00:00:00:00:00", "inet": ["127.0.0.1"],
             "inet6": ["::1"]},
        ],
        "lastLoggedInUserName": login,
        "groupId": group_id,
        "groupName": group_name,
        "siteId": site_id,
        "siteName": site_name,
        "accountId": ACCOUNT_ID,
        "accountName": "Example Corp",
        "licenseKey": f"LICENSE-{index:06d}-DO-NOT-STORE",
        "tags": {"sentinelone": [{"key": "Environment", "value": "production" if index % 2 else "staging",
                                  "id": str(index)}]},
    }


def sample_console(cloud_hosts: Sequence[CloudHost] = (), agents: int = AGENT_COUNT) -> ConsoleData:
    """The sample console's data; ``cloud_hosts`` get an agent each (the first agents)."""
    random_source = random.Random(20261130)
    accounts = [{"id": ACCOUNT_ID, "name": "Example Corp", "state": "active", "accountType": "Paid",
                 "activeAgents": agents, "numberOfSites": len(SITES), "createdAt": _iso(NOW - timedelta(days=400)),
                 "updatedAt": _iso(NOW - timedelta(days=3)), "expiration": None}]
    sites = [{"id": site_id, "name": name, "state": "active", "siteType": "Paid", "accountId": ACCOUNT_ID,
              "accountName": "Example Corp", "activeLicenses": agents // 2, "totalLicenses": agents,
              "isDefault": index == 0, "createdAt": _iso(NOW - timedelta(days=390)),
              "updatedAt": _iso(NOW - timedelta(days=5)), "expiration": None,
              "registrationToken": f"eyJ-site-registration-{index}-DO-NOT-STORE"}
             for index, (site_id, name) in enumerate(SITES)]
    groups = [{"id": group_id, "name": name, "siteId": site_id, "type": kind, "rank": None if kind == "static" else 1,
               "isDefault": name == "Default Group", "inherits": True, "totalAgents": 0, "creator": "admin@example.com",
               "createdAt": _iso(NOW - timedelta(days=380)), "updatedAt": _iso(NOW - timedelta(days=7)),
               "registrationToken": f"eyJ-group-registration-{group_id}-DO-NOT-STORE"}
              for group_id, name, site_id, kind in GROUPS]
    rows = [_agent(index, random_source, cloud_hosts[index] if index < len(cloud_hosts) else None)
            for index in range(agents)]
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["groupId"]] = totals.get(row["groupId"], 0) + 1
    for group in groups:
        group["totalAgents"] = totals.get(group["id"], 0)
    return ConsoleData(accounts=accounts, sites=sites, groups=groups, agents=rows)


def sample_tokens() -> dict[str, Token]:
    """The sample console's tokens: one account-wide, one scoped to the Cloud site."""
    return {ACCOUNT_TOKEN: Token(), SITE_TOKEN: Token(site_id=SITES[1][0])}
