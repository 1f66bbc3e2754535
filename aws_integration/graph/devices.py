"""Devices, their owners and the cloud hosts agents protect: one graph across sources.

Derived from every source's records each time the store commits, so it holds whichever
sources ran, alone or together:

* **Cloud hosts.** An endpoint agent (``HostAgent``) runs on an EC2 instance of an
  ingested account when one of its MAC addresses is one of the instance's, else when its
  serial number or hostname names the instance ID (``i-0abc...``), else, when the agent
  says it runs on EC2 (an Amazon EC2 model, an ``ec2`` serial, an ``ip-10-0-1-4``
  hostname), when its private IP is the private IP of exactly one ingested instance
  (private ranges repeat across VPCs and offices: an IP two instances share identifies
  neither, and an office laptop's 10.0.1.4 is not an instance's). The agent ``PROTECTS`` the
  ``aws_instance``, and no Device is made for it: the instance is the machine.
* **Devices.** Every other machine an agent or an imported ``Device`` record describes
  is one ``Device``: records with the same serial number are one device; a record
  without a serial joins the device that has one of its MAC addresses, else the one of
  its hostname (when exactly one device matches). Placeholder serials (``0``, ``To be
  filled by O.E.M.``, ...) are no serial. An imported Device record is the device itself
  (no derived copy is made, as with Persons); each agent ``PROTECTS`` its device.
* **Owners.** A ``Person`` ``OWNS`` a device when the device's login (the agent's
  ``lastLoggedInUserName``, without its ``DOMAIN\\`` prefix; an imported device's
  ``owner``) is the person's e-mail address or ``username``, or the user name of a
  ``User`` that maps to the person (the rule of :mod:`~aws_integration.graph.persons`),
  compared case-insensitively. A login that matches several people names nobody, and a
  device whose logins name different people gets no owner: nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_integration.graph.model import Entity, PropertyValue, Relationship, classes_of
from aws_integration.graph.persons import PERSON_CLASS, USER_CLASS, user_email
from aws_integration.graph.properties import described
from aws_integration.steps.declarations import EntityDecl

DEVICE_TYPE = "device"
DEVICE_CLASS = "Device"
AGENT_CLASS = "HostAgent"
INSTANCE_TYPE = "aws_instance"
PLACEHOLDER_SERIALS = frozenset({"", "0", "none", "null", "n/a", "na", "unknown", "default string", "not specified",
                                 "to be filled by o.e.m.", "system serial number", "0123456789", "123456789"})
_INSTANCE_ID = re.compile(r"\bi-[0-9a-f]{8}(?:[0-9a-f]{9})?\b")
_EC2_HOSTNAME = re.compile(r"ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}(\.|$)")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
DEVICE_ENTITY = EntityDecl(DEVICE_TYPE, (DEVICE_CLASS,),
                           "One machine an endpoint agent or an imported device record describes.",
                           owned_by_account=False, properties=described(
    serialNumber="string: The hardware serial number its records agree on.",
    hostname="string: Its host name (the first, in order, of those its records give).",
    macAddress="string[]: The MAC addresses of its physical network interfaces, lower-case.",
    make="string: Its manufacturer, as its agent reports it.",
    model="string: Its hardware model, as its agent reports it.",
    osName="string: Its operating system, as its agent reports it.",
    osType="string: windows, macos or linux, as its agent reports it.",
    category="string: desktop, laptop, server and the like, as its agent reports it.",
    lastSeenOn="timestamp: When one of its agents last reported.",
))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def serial_of(record: Mapping[str, Any]) -> str | None:
    """The record's serial number, upper-cased; None when absent or a placeholder."""
    serial = _text(record.get("serialNumber")) or _text(record.get("serial"))
    if serial is None or serial.lower() in PLACEHOLDER_SERIALS:
        return None
    return serial.upper()


def macs_of(record: Mapping[str, Any]) -> list[str]:
    """The record's MAC addresses, lower-cased, without ``00:00:00:00:00:00``."""
    found = record.get("macAddress") or record.get("macAddresses") or []
    values = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    macs = [value.strip().lower().replace("-", ":") for value in values if isinstance(value, str)]
    return [mac for mac in dict.fromkeys(macs) if _MAC.fullmatch(mac) and mac != "00:00:00:00:00:00"]


def hostname_of(record: Mapping[str, Any]) -> str | None:
    """The short host name, lower-cased (``LT-ALICE.example.com`` -> ``lt-alice``)."""
    name = _text(record.get("hostname")) or _text(record.get("computerName"))
    return name.split(".", 1)[0].lower() if name else None


def login_of(record: Mapping[str, Any]) -> str | None:
    """Who uses the machine: the agent's last login without its domain, or an imported device's owner; lower-cased."""
    login = _text(record.get("lastLoggedInUserName")) or _text(record.get("owner")) or _text(record.get("ownerEmail"))
    return login.rsplit("\\", 1)[-1].lower() if login else None


@dataclass
class _Device:
    """The records that describe one machine."""

    serial: str | None
    macs: set[str] = field(default_factory=set)
    hostnames: set[str] = field(default_factory=set)
    records: list[Mapping[str, Any]] = field(default_factory=list)

    def add(self, record: Mapping[str, Any]) -> None:
        self.records.append(record)
        self.macs.update(macs_of(record))
        if (hostname := hostname_of(record)) is not None:
            self.hostnames.add(hostname)

    @property
    def held(self) -> Mapping[str, Any] | None:
        """An imported Device record among them: the device itself."""
        return next((record for record in self.records if DEVICE_CLASS in classes_of(record)), None)

    @property
    def agents(self) -> list[Mapping[str, Any]]:
        return [record for record in self.records if AGENT_CLASS in classes_of(record)]

    def identity(self) -> str:
        """What the derived device's key is made of: its serial, else its first MAC, else its hostname."""
        if self.serial:
            return f"serial:{self.serial}"
        if self.macs:
            return f"mac:{sorted(self.macs)[0]}"
        return f"host:{sorted(self.hostnames)[0]}"


class _Hosts:
    """The ingested EC2 instances, by MAC address, instance ID and (unique) private IP."""

    def __init__(self, instances: list[Mapping[str, Any]]) -> None:
        self.by_mac: dict[str, Mapping[str, Any]] = {}
        self.by_id: dict[str, Mapping[str, Any]] = {}
        by_ip: dict[str, list[Mapping[str, Any]]] = {}
        for instance in instances:
            for mac in macs_of(instance):
                self.by_mac.setdefault(mac, instance)
            if (instance_id := _text(instance.get("instanceId"))) is not None:
                self.by_id[instance_id] = instance
            addresses = instance.get("privateIpAddresses") or [instance.get("privateIpAddress")]
            for address in {value for value in addresses if isinstance(value, str)}:
                by_ip.setdefault(address, []).append(instance)
        self.by_ip = {address: found[0] for address, found in by_ip.items() if len(found) == 1}

    def of(self, agent: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The instance the agent runs on, by the rule of the module."""
        for mac in macs_of(agent):
            if mac in self.by_mac:
                return self.by_mac[mac]
        for text in (agent.get("serialNumber"), agent.get("computerName"), agent.get("hostname")):
            for instance_id in _INSTANCE_ID.findall(str(text or "").lower()):
                if instance_id in self.by_id:
                    return self.by_id[instance_id]
        if not on_ec2(agent):  # an office laptop on 10.0.1.4 is not the instance on 10.0.1.4
            return None
        addresses = agent.get("privateIpAddresses") or []
        found = {id(self.by_ip[address]): self.by_ip[address] for address in addresses if address in self.by_ip}
        return next(iter(found.values())) if len(found) == 1 else None


def on_ec2(agent: Mapping[str, Any]) -> bool:
    """Whether the agent says it runs on EC2: an Amazon EC2 model, an ``ec2`` serial, an ``ip-10-0-1-4`` hostname."""
    model = str(agent.get("modelName") or "").lower()
    serial = str(agent.get("serialNumber") or "").lower()
    hostname = str(agent.get("computerName") or agent.get("hostname") or "").lower()
    return "amazon" in model or "ec2" in model or serial.startswith("ec2") or bool(_EC2_HOSTNAME.match(hostname))


class _People:
    """Who a login names: a Person by e-mail or username, or the Person a User with that name maps to."""

    def __init__(self, persons: list[Mapping[str, Any]], users: list[Mapping[str, Any]]) -> None:
        self.by_email: dict[str, tuple[str, str]] = {}
        names: dict[str, set[tuple[str, str]]] = {}
        for person in sorted(persons, key=lambda found: str(found["_key"])):
            end = (str(person["_key"]), str(person["_type"]))
            email = (_text(person.get("email")) or "").lower()
            if email:
                self.by_email.setdefault(email, end)
                names.setdefault(email, set()).add(end)
            if username := (_text(person.get("username")) or "").lower():
                names.setdefault(username, set()).add(end)
        for user in users:
            email = user_email(user)
            end = self.by_email.get(email) if email else None
            if end is None:
                continue
            for field_name in ("username", "userName", "name"):
                if name := (_text(user.get(field_name)) or "").lower():
                    names.setdefault(name, set()).add(end)
        self._names = names

    def of(self, login: str | None) -> tuple[str, str] | None:
        """The one person the login names, or None (nobody, or several)."""
        found = self._names.get(login or "", set())
        return next(iter(found)) if len(found) == 1 else None


def _group(observations: list[Mapping[str, Any]]) -> list[_Device]:
    """One device per machine, by serial, else MAC, else hostname (see the module)."""
    devices: dict[str, _Device] = {}
    for record in observations:
        serial = serial_of(record)
        if serial is not None:
            devices.setdefault(serial, _Device(serial)).add(record)
    grouped = list(devices.values())
    by_mac: dict[str, set[int]] = {}
    by_host: dict[str, set[int]] = {}

    def index(position: int) -> None:
        """Make the device at ``position`` findable by its MACs and hostnames (as they are now)."""
        for mac in grouped[position].macs:
            by_mac.setdefault(mac, set()).add(position)
        for host in grouped[position].hostnames:
            by_host.setdefault(host, set()).add(position)

    for position in range(len(grouped)):
        index(position)
    for record in observations:
        if serial_of(record) is not None:
            continue
        matches = set().union(*(by_mac.get(mac, set()) for mac in macs_of(record)))
        if not matches and (hostname := hostname_of(record)) is not None:
            matches = by_host.get(hostname, set())
        if len(matches) == 1:
            position = next(iter(matches))
        elif not matches and (macs_of(record) or hostname_of(record)):
            grouped.append(_Device(None))
            position = len(grouped) - 1
        else:
            continue  # the record matches several devices, or names none: not guessed
        grouped[position].add(record)
        index(position)
    return grouped


def _device_entity(device: _Device) -> Entity:
    agent = device.agents[0] if device.agents else {}
    properties: dict[str, PropertyValue] = {
        "serialNumber": device.serial,
        "hostname": sorted(device.hostnames)[0] if device.hostnames else None,
        "macAddress": sorted(device.macs) or None,
        "make": _text(agent.get("make")),
        "model": _text(agent.get("modelName")),
        "osName": _text(agent.get("osName")),
        "osType": _text(agent.get("osType")),
        "category": _text(agent.get("machineType")),
        "lastSeenOn": max((record.get("lastActiveOn") for record in device.records
                           if isinstance(record.get("lastActiveOn"), int)), default=None),
    }
    display = _text(agent.get("computerName")) or device.serial or (sorted(device.hostnames) or sorted(device.macs))[0]
    return Entity(f"device:{device.identity()}", DEVICE_TYPE, (DEVICE_CLASS,), display,
                  {name: value for name, value in properties.items() if value is not None})


def map_devices(records: Iterable[Mapping[str, Any]]) -> tuple[list[Entity], list[Relationship]]:
    """Devices, ``PROTECTS`` and ``OWNS`` relationships from the records of every source (see the module)."""
    agents, held_devices, persons, users, instances = [], [], [], [], []
    for record in sorted(records, key=lambda found: str(found["_key"])):
        classes = classes_of(record)
        if AGENT_CLASS in classes:
            agents.append(record)
        elif DEVICE_CLASS in classes:
            held_devices.append(record)
        elif PERSON_CLASS in classes:
            persons.append(record)
        elif USER_CLASS in classes:
            users.append(record)
        elif record.get("_type") == INSTANCE_TYPE:
            instances.append(record)
    hosts, people = _Hosts(instances), _People(persons, users)
    entities: list[Entity] = []
    relationships: list[Relationship] = []
    on_devices = []
    for agent in agents:
        instance = hosts.of(agent)
        if instance is None:
            on_devices.append(agent)
        else:
            relationships.append(Relationship(str(agent["_key"]), str(agent["_type"]), "PROTECTS",
                                              str(instance["_key"]), INSTANCE_TYPE))
    for device in _group(held_devices + on_devices):
        held = device.held
        if held is None:
            entity = _device_entity(device)
            entities.append(entity)
            end = (entity.key, entity.type)
        else:
            end = (str(held["_key"]), str(held["_type"]))
        for agent in device.agents:
            relationships.append(Relationship(str(agent["_key"]), str(agent["_type"]), "PROTECTS", *end))
        owners = {owner for record in device.records if (owner := people.of(login_of(record))) is not None}
        if len(owners) == 1:
            person_key, person_type = owners.pop()
            relationships.append(Relationship(person_key, person_type, "OWNS", *end))
    return entities, relationships
