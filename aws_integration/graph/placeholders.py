"""The entities rules and trust policies point at outside the ingested accounts: the
internet, IP ranges, and accounts no source ingests (JupiterOne's mapped entities).

A security-group or network-ACL rule is an ``ALLOWS`` (or ``DENIES``) relationship of
its account's source, to ``global:internet`` for 0.0.0.0/0 and ::/0 or to
``ip_range:<CIDR>`` for any other range; a role that trusts another account ``TRUSTS``
``aws_account:<ID>``. This derivation makes the entities at the far end of those
edges, from the firewalls' ``ingressCidrs``/``egressCidrs`` and the roles'
``trustedAccounts``/``trustedPrincipals``, so no account's source has to hold a record
another account would hold too. Derived records rank below every source's: an account
that is ingested later replaces its placeholder.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from aws_integration.graph.model import Entity, Relationship, classes_of
from aws_integration.graph.properties import described
from aws_integration.steps.declarations import EntityDecl

EXTERNAL_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
INTERNET_KEY = "global:internet"
INTERNET_ENTITY = EntityDecl("internet", ("Internet",), "The internet: every address outside private networks.",
                             owned_by_account=False, properties=described(
    CIDR="string: 0.0.0.0/0.",
    ipv6CIDR="string: ::/0.",
    public="boolean: Always true.",
))
IP_RANGE_ENTITY = EntityDecl("ip_range", ("Network",), "An IP range a firewall rule names (other than the internet).",
                             owned_by_account=False, properties=described(
    CIDR="string: The range.",
    ipVersion="integer: 4 or 6.",
    public="boolean: Whether the range holds public addresses (it is not private, loopback or link-local).",
    internal="boolean: Always false: the range is not a network of an ingested account.",
))
ACCOUNT_TYPE = "aws_account"
FIREWALL_CLASS = "Firewall"
ROLE_TYPE = "aws_iam_role"


def account_key(account_id: str) -> str:
    """The ``_key`` of an ``aws_account`` entity, ingested or a placeholder."""
    return f"{ACCOUNT_TYPE}:{account_id}"


def ip_range_key(cidr: str) -> str:
    """The ``_key`` of the entity a rule's CIDR names: the internet, or an ``ip_range``."""
    return INTERNET_KEY if cidr in EXTERNAL_CIDRS else f"ip_range:{cidr}"


def account_of_arn(arn: str) -> str | None:
    """The account ID an IAM ARN names (``arn:aws:iam::123456789012:role/x``), else None."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit() else None


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _ip_range(cidr: str) -> Entity | None:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    public = not (network.is_private or network.is_loopback or network.is_link_local)
    return Entity(ip_range_key(cidr), IP_RANGE_ENTITY.type, IP_RANGE_ENTITY.classes, cidr,
                  {"CIDR": cidr, "ipVersion": network.version, "public": public, "internal": False})


def map_placeholders(records: Iterable[Mapping[str, Any]]) -> tuple[list[Entity], list[Relationship]]:
    """The internet, the IP ranges the firewalls' rules name, and the accounts roles trust that no source holds."""
    cidrs: set[str] = set()
    trusted: set[str] = set()
    ingested: set[str] = set()
    for record in records:
        if FIREWALL_CLASS in classes_of(record):
            cidrs.update(_strings(record.get("ingressCidrs")) + _strings(record.get("egressCidrs")))
        if record.get("_type") == ROLE_TYPE:
            trusted.update(_strings(record.get("trustedAccounts")))
            trusted.update(account for arn in _strings(record.get("trustedPrincipals"))
                           if (account := account_of_arn(arn)))
        if record.get("_type") == ACCOUNT_TYPE and not record.get("external"):
            ingested.add(str(record.get("_key")))
    entities: list[Entity] = []
    if cidrs & EXTERNAL_CIDRS:
        entities.append(Entity(INTERNET_KEY, INTERNET_ENTITY.type, INTERNET_ENTITY.classes, "Internet",
                               {"CIDR": "0.0.0.0/0", "ipv6CIDR": "::/0", "public": True}))
    entities += [entity for cidr in sorted(cidrs - EXTERNAL_CIDRS) if (entity := _ip_range(cidr))]
    for account in sorted(trusted):
        key = account_key(account)
        if key not in ingested:
            entities.append(Entity(key, ACCOUNT_TYPE, ("Account",), account,
                                   {"accountId": account, "external": True}))
    return entities, []
