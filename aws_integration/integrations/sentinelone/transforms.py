"""From the console's raw objects to entities and relationships (pure functions).

Dates become epoch milliseconds like every other date in the graph; booleans the
console sends as strings (``"True"``) are parsed; console tags (``tags.sentinelone[]``)
become ``tag.*`` through the same tag code as AWS's. Secrets the console hands out with
its objects (``licenseKey``, ``registrationToken``) are never read into a property.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_integration.graph.model import Entity, PropertyValue, Relationship
from aws_integration.graph.properties import Property, described
from aws_integration.graph.tags import TAG_PROPERTIES, flatten_tags
from aws_integration.steps.declarations import EntityDecl, RelationshipDecl

COMMON_PROPERTIES: tuple[Property, ...] = described(
    id="string: The console's ID for the object.",
    consoleHost="string: The host name of the management console.",
    name="string: The object's name.",
    createdOn="timestamp: When it was created.",
    updatedOn="timestamp: When it was last updated.",
) + TAG_PROPERTIES

ACCOUNT = EntityDecl(
    "sentinelone_account", ("Account",), "A SentinelOne account: the top of the console's hierarchy.", owned_by_account=False,
    properties=described(
        state="string: active, expired or deleted.",
        accountType="string: Trial or Paid.",
        activeAgents="integer: The agents reporting in the account.",
        numberOfSites="integer: Its sites.",
        expiration="timestamp: When its license expires.",
    ),
)
SITE = EntityDecl(
    "sentinelone_site", ("Site",), "A site of an account: the level between account and group.", owned_by_account=False,
    properties=described(
        state="string: active, expired or deleted.",
        siteType="string: Trial or Paid.",
        accountId="string: The ID of its account.",
        accountName="string: The name of its account.",
        activeLicenses="integer: The licenses its agents use.",
        totalLicenses="integer: The licenses it has (0: unlimited).",
        isDefault="boolean: Whether it is its account's default site.",
        expiration="timestamp: When its license expires.",
    ),
)
GROUP = EntityDecl(
    "sentinelone_group", ("Group",), "A group of agents (static, dynamic or pinned) in a site.", owned_by_account=False,
    properties=described(
        type="string: static, dynamic or pinned.",
        rank="integer: The order a dynamic group's filter is applied in.",
        isDefault="boolean: Whether it is its site's default group.",
        inherits="boolean: Whether it inherits its site's policy.",
        totalAgents="integer: Its agents.",
        siteId="string: The ID of its site.",
        creator="string: Who created it.",
    ),
)
AGENT = EntityDecl(
    "sentinelone_agent", ("HostAgent",), "The SentinelOne agent on one endpoint: its identity, protection state and network.", owned_by_account=False,
    properties=described(
        function="string[]: What the agent does for the endpoint: anti-malware.",
        uuid="string: The agent's UUID.",
        computerName="string: The endpoint's computer name.",
        hostname="string: The endpoint's host name (its computer name).",
        serialNumber="string: The endpoint's hardware serial number.",
        domain="string: The endpoint's domain.",
        machineType="string: desktop, laptop, server, kubernetes node and the like.",
        osName="string: The endpoint's operating system.",
        osType="string: windows, macos or linux.",
        osRevision="string: The operating system's revision.",
        osArch="string: 32 bit or 64 bit.",
        modelName="string: The endpoint's hardware model.",
        agentVersion="string: The agent's version.",
        isActive="boolean: Whether the agent is connected to the console.",
        active="boolean: Whether the agent is connected to the console.",
        isDecommissioned="boolean: Whether the agent was decommissioned.",
        isUninstalled="boolean: Whether the agent was uninstalled.",
        isUpToDate="boolean: Whether the agent runs the latest version.",
        infected="boolean: Whether the agent has active threats.",
        activeThreats="integer: The agent's unresolved threats.",
        threatRebootRequired="boolean: Whether a threat mitigation needs a reboot.",
        networkStatus="string: connected, disconnected, connecting or disconnecting (network quarantine).",
        scanStatus="string: none, started, aborted or finished.",
        lastSuccessfulScanOn="timestamp: When a full disk scan last finished.",
        lastActiveOn="timestamp: When the agent last reported to the console.",
        isStale="boolean: Whether the agent last reported more than the instance's staleAfterDays ago.",
        registeredOn="timestamp: When the agent registered with the console.",
        firewallEnabled="boolean: Whether the agent's firewall control is on.",
        encryptedApplications="boolean: Whether the endpoint's disk is encrypted.",
        externalIp="string: The public address the console sees the agent connect from.",
        lastIpToMgmt="string: The address the agent last used to reach the console.",
        privateIpAddresses="string[]: The private IPv4 addresses of its network interfaces.",
        publicIpAddresses="string[]: The public IPv4 addresses of its network interfaces.",
        ipv6Addresses="string[]: The IPv6 addresses of its network interfaces (link-local left out).",
        macAddress="string[]: The MAC addresses of its physical network interfaces, lower-case.",
        lastLoggedInUserName="string: The user who last logged in to the endpoint.",
        groupId="string: The ID of its group.",
        groupName="string: The name of its group.",
        siteId="string: The ID of its site.",
        siteName="string: The name of its site.",
        accountId="string: The ID of its account.",
        accountName="string: The name of its account.",
    ),
)

ACCOUNT_HAS_SITE = RelationshipDecl(ACCOUNT.type, "HAS", SITE.type)
SITE_HAS_GROUP = RelationshipDecl(SITE.type, "HAS", GROUP.type)
ACCOUNT_HAS_GROUP = RelationshipDecl(ACCOUNT.type, "HAS", GROUP.type)
GROUP_HAS_AGENT = RelationshipDecl(GROUP.type, "HAS", AGENT.type)

NO_MAC = "00:00:00:00:00:00"


@dataclass(frozen=True)
class ConsoleContext:
    """Where a raw object came from: the console, and what earlier steps told about its sites."""

    host: str
    site_accounts: Mapping[str, str] = field(default_factory=dict)  # site ID -> account ID
    stale_before: int | None = None  # epoch ms: an agent last active before it is stale


def key(decl: EntityDecl, object_id: Any) -> str:
    """The ``_key`` of a console object: its type and the console's ID for it."""
    return f"{decl.type}:{object_id}"


def epoch_ms(value: Any) -> int | None:
    """An ISO-8601 date of the console (``2026-11-30T08:15:00.123456Z``) in epoch ms; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return int(datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def boolean(value: Any) -> bool | None:
    """A boolean, also when the console sends it as a string (``"True"``, ``"false"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _integer(value: Any) -> int | None:
    """A count the console sends as a number or as digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entity(decl: EntityDecl, context: ConsoleContext, raw: Mapping[str, Any], name: str,
            properties: Mapping[str, PropertyValue | None]) -> Entity:
    """An entity of a console object: its ID, console, properties (None left out), dates and tags."""
    values: dict[str, PropertyValue] = {"id": str(raw["id"]), "consoleHost": context.host, "name": name}
    values.update({prop: value for prop, value in properties.items() if value is not None})
    for prop, field_name in (("createdOn", "createdAt"), ("updatedOn", "updatedAt")):
        if (moment := epoch_ms(raw.get(field_name))) is not None:
            values[prop] = moment
    tag_set = flatten_tags((raw.get("tags") or {}).get("sentinelone") if isinstance(raw.get("tags"), Mapping) else None)
    values.update(tag_set.properties)
    return Entity(key(decl, raw["id"]), decl.type, decl.classes, name, values)


def account(raw: Mapping[str, Any], context: ConsoleContext) -> Iterator[Entity]:
    """A ``sentinelone_account``."""
    name = _text(raw.get("name")) or str(raw["id"])
    yield _entity(ACCOUNT, context, raw, name, {
        "state": _text(raw.get("state")),
        "accountType": _text(raw.get("accountType")),
        "activeAgents": _integer(raw.get("activeAgents")),
        "numberOfSites": _integer(raw.get("numberOfSites")),
        "expiration": epoch_ms(raw.get("expiration")),
    })


def site(raw: Mapping[str, Any], context: ConsoleContext) -> Iterator[Entity | Relationship]:
    """A ``sentinelone_site``, which its account HAS."""
    name = _text(raw.get("name")) or str(raw["id"])
    site_entity = _entity(SITE, context, raw, name, {
        "state": _text(raw.get("state")),
        "siteType": _text(raw.get("siteType")),
        "accountId": _text(str(raw["accountId"])) if raw.get("accountId") is not None else None,
        "accountName": _text(raw.get("accountName")),
        "activeLicenses": _integer(raw.get("activeLicenses")),
        "totalLicenses": _integer(raw.get("totalLicenses")),
        "isDefault": boolean(raw.get("isDefault")),
        "expiration": epoch_ms(raw.get("expiration")),
    })
    yield site_entity
    if raw.get("accountId") is not None:
        yield Relationship(key(ACCOUNT, raw["accountId"]), ACCOUNT.type, "HAS", site_entity.key, SITE.type)


def group(raw: Mapping[str, Any], context: ConsoleContext) -> Iterator[Entity | Relationship]:
    """A ``sentinelone_group``, which its site and its account HAS (the JupiterOne query shape)."""
    name = _text(raw.get("name")) or str(raw["id"])
    site_id = str(raw["siteId"]) if raw.get("siteId") is not None else None
    group_entity = _entity(GROUP, context, raw, name, {
        "type": _text(raw.get("type")),
        "rank": _integer(raw.get("rank")),
        "isDefault": boolean(raw.get("isDefault")),
        "inherits": boolean(raw.get("inherits")),
        "totalAgents": _integer(raw.get("totalAgents")),
        "siteId": site_id,
        "creator": _text(raw.get("creator")),
    })
    yield group_entity
    if site_id is not None:
        yield Relationship(key(SITE, site_id), SITE.type, "HAS", group_entity.key, GROUP.type)
        account_id = context.site_accounts.get(site_id)
        if account_id is not None:
            yield Relationship(key(ACCOUNT, account_id), ACCOUNT.type, "HAS", group_entity.key, GROUP.type)


def _address(address: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(address, str):
        return None
    try:
        return ipaddress.ip_address(address.split("%", 1)[0].split("/", 1)[0])
    except ValueError:
        return None


def network(interfaces: Iterable[Any]) -> tuple[list[str], list[str], list[str], list[str]]:
    """MAC addresses of the physical NICs with a non-loopback address, and the NICs' private IPv4, public IPv4
    and IPv6 addresses.

    ``00:00:00:00:00:00`` (loopback, tunnels) is dropped, and so is a NIC whose only
    addresses are loopback ones (a Wi-Fi card with only a link-local address keeps its
    MAC: it identifies the machine); link-local addresses are not listed as IPs. MACs
    are lower-cased, each once.
    """
    macs: dict[str, None] = {}
    private: dict[str, None] = {}
    public: dict[str, None] = {}
    ipv6: dict[str, None] = {}
    for nic in interfaces:
        if not isinstance(nic, Mapping):
            continue
        given = [(text, parsed) for text in [*(nic.get("inet") or []), *(nic.get("inet6") or [])]
                 if (parsed := _address(text)) is not None and not parsed.is_loopback and not parsed.is_unspecified]
        mac = _text(nic.get("physical"))
        if mac and mac.lower() != NO_MAC and given:
            macs[mac.lower()] = None
        for text, parsed in given:
            if parsed.is_link_local:
                continue
            (ipv6 if parsed.version == 6 else private if parsed.is_private else public)[text] = None
    return list(macs), list(private), list(public), list(ipv6)


def agent(raw: Mapping[str, Any], context: ConsoleContext) -> Iterator[Entity | Relationship]:
    """A ``sentinelone_agent`` (``function: anti-malware``), which its group HAS."""
    name = _text(raw.get("computerName")) or _text(raw.get("uuid")) or str(raw["id"])
    macs, ipv4, public_ipv4, ipv6 = network(raw.get("networkInterfaces") or [])
    last_active = epoch_ms(raw.get("lastActiveDate"))
    stale = None if last_active is None or context.stale_before is None else last_active < context.stale_before
    agent_entity = _entity(AGENT, context, raw, name, {
        "function": ["anti-malware"],
        "uuid": _text(raw.get("uuid")),
        "computerName": _text(raw.get("computerName")),
        "hostname": _text(raw.get("computerName")),
        "serialNumber": _text(raw.get("serialNumber")),
        "domain": _text(raw.get("domain")),
        "machineType": _text(raw.get("machineType")),
        "osName": _text(raw.get("osName")),
        "osType": _text(raw.get("osType")),
        "osRevision": _text(raw.get("osRevision")),
        "osArch": _text(raw.get("osArch")),
        "modelName": _text(raw.get("modelName")),
        "agentVersion": _text(raw.get("agentVersion")),
        "isActive": boolean(raw.get("isActive")),
        "active": boolean(raw.get("isActive")),
        "isDecommissioned": boolean(raw.get("isDecommissioned")),
        "isUninstalled": boolean(raw.get("isUninstalled")),
        "isUpToDate": boolean(raw.get("isUpToDate")),
        "infected": boolean(raw.get("infected")),
        "activeThreats": _integer(raw.get("activeThreats")),
        "threatRebootRequired": boolean(raw.get("threatRebootRequired")),
        "networkStatus": _text(raw.get("networkStatus")),
        "scanStatus": _text(raw.get("scanStatus")),
        "lastSuccessfulScanOn": epoch_ms(raw.get("lastSuccessfulScanDate")),
        "lastActiveOn": last_active,
        "isStale": stale,
        "registeredOn": epoch_ms(raw.get("registeredAt")),
        "firewallEnabled": boolean(raw.get("firewallEnabled")),
        "encryptedApplications": boolean(raw.get("encryptedApplications")),
        "externalIp": _text(raw.get("externalIp")),
        "lastIpToMgmt": _text(raw.get("lastIpToMgmt")),
        "privateIpAddresses": ipv4 or None,
        "publicIpAddresses": public_ipv4 or None,
        "ipv6Addresses": ipv6 or None,
        "macAddress": macs or None,
        "lastLoggedInUserName": _text(raw.get("lastLoggedInUserName")),
        "groupId": str(raw["groupId"]) if raw.get("groupId") is not None else None,
        "groupName": _text(raw.get("groupName")),
        "siteId": str(raw["siteId"]) if raw.get("siteId") is not None else None,
        "siteName": _text(raw.get("siteName")),
        "accountId": str(raw["accountId"]) if raw.get("accountId") is not None else None,
        "accountName": _text(raw.get("accountName")),
    })
    yield agent_entity
    if raw.get("groupId") is not None:
        yield Relationship(key(GROUP, raw["groupId"]), GROUP.type, "HAS", agent_entity.key, AGENT.type)
