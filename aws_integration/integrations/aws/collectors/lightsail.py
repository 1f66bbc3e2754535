"""Lightsail instances: virtual servers outside EC2, with their public address and the ports their firewall opens."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.graph.placeholders import EXTERNAL_CIDRS

REMOTE_ACCESS_PORTS = frozenset({22, 3389})


def _open_ranges(item: RawItem) -> list[tuple[str, int, int]]:
    """The inbound (protocol, first port, last port) ranges its firewall opens to every address."""
    return [(port.get("protocol", "all"), port["fromPort"], port["toPort"]) for port in read(item, "networking.ports") or []
            if port.get("accessDirection", "inbound") == "inbound" and isinstance(port.get("fromPort"), int)
            and isinstance(port.get("toPort"), int)
            and (set(port.get("cidrs") or []) | set(port.get("ipv6Cidrs") or [])) & EXTERNAL_CIDRS]


def _open_to_internet(item: RawItem) -> list[str]:
    """Those ranges as ``tcp:22`` or ``tcp:8000-8080``."""
    return sorted(f"{protocol}:{low}" if low == high else f"{protocol}:{low}-{high}"
                  for protocol, low, high in _open_ranges(item))


def _remote_access_open(item: RawItem) -> bool:
    """Whether SSH or RDP is open to every address."""
    return any(protocol in ("tcp", "all") and any(low <= port <= high for port in REMOTE_ACCESS_PORTS)
               for protocol, low, high in _open_ranges(item))


INSTANCE = mapped_type(
    "aws_lightsail_instance", ("Host",), "A Lightsail instance.",
    key="arn", display_name="name", tags="tags",
    name=("string: Its name.", "name"),
    arn=("string: Its ARN.", "arn"),
    blueprint=("string: Its image (amazon_linux_2, wordpress, windows_server_2022, ...).", "blueprintId"),
    bundle=("string: Its size bundle.", "bundleId"),
    state=("string: running, stopped, pending and so on.", "state.name"),
    running=("boolean: Whether it runs.", equals("state.name", "running")),
    publicIpAddress=("string: Its public IPv4 address.", "publicIpAddress"),
    privateIpAddress=("string: Its private IPv4 address.", "privateIpAddress"),
    ipv6Addresses=("string[]: Its IPv6 addresses.", "ipv6Addresses"),
    staticIp=("boolean: Whether its public address is a static IP.", "isStaticIp"),
    public=("boolean: Whether it has a public address.", lambda item: bool(item.get("publicIpAddress") or item.get("ipv6Addresses"))),
    openToInternet=("string[]: The inbound ports its firewall opens to every address (tcp:22).", _open_to_internet),
    remoteAccessOpen=("boolean: Whether SSH (22) or RDP (3389) is open to every address.", _remote_access_open),
    sshKeyName=("string: The key pair it was created with.", "sshKeyName"),
    username=("string: Its default user.", "username"),
    httpTokens=("string: required (IMDSv2 only) or optional.", "metadataOptions.httpTokens"),
    availabilityZone=("string: Its Availability Zone.", "location.availabilityZone"),
    createdOn=("timestamp: When it was created.", "createdAt"),
)

STEPS = (
    mapped_step("fetch-lightsail-instances", "Lightsail instances", "lightsail", INSTANCE,
                calls=(ApiCall("lightsail", "GetInstances", "instances"),)),
)
