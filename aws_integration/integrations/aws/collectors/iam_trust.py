"""Who an IAM role trusts: the principals of its trust policy, as relationships.

``Principal`` may name accounts (an ID, ``arn:...:root``), roles, users, AWS services
(``lambda.amazonaws.com``), identity providers (SAML or OIDC ARNs) or everyone (``*``).
Only Allow statements grant trust; a ``Condition`` (an external ID, an MFA check) is
recorded on the role, not judged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aws_integration.integrations.aws.declarations import EntityDecl, described

SERVICE = EntityDecl(
    "aws_service", ("Service",), "An AWS service a role trusts (lambda.amazonaws.com).", owned_by_account=False,
    properties=described(
        name="string: The service principal (lambda.amazonaws.com).",
    ),
)


def trust_document(value: Any) -> Mapping[str, Any]:
    """The trust policy as a mapping (IAM returns it URL-encoded; botocore usually decodes it)."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value:
        try:
            decoded = json.loads(unquote(value))
        except ValueError:
            return {}
        return decoded if isinstance(decoded, Mapping) else {}
    return {}


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


@dataclass
class Trust:
    """The principals a role's trust policy allows to assume it."""

    accounts: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)
    anyone: bool = False
    conditional: bool = False

    def add_aws(self, principal: str) -> None:
        """An ``AWS`` principal: ``*``, an account ID, an account root, a role or a user ARN."""
        if principal == "*":
            self.anyone = True
        elif principal.isdigit():
            self.accounts.add(principal)
        elif principal.startswith("arn:"):
            parts = principal.split(":", 5)
            resource = parts[5] if len(parts) == 6 else ""
            if resource == "root":
                self.accounts.add(parts[4])
            elif resource.startswith("role/"):
                self.roles.add(principal)
            elif resource.startswith("user/"):
                self.users.add(principal)
            elif resource.startswith("assumed-role/"):
                self.roles.add(f"arn:{parts[1]}:iam::{parts[4]}:role/{resource.split('/')[1]}")


def parse_trust(document: Mapping[str, Any]) -> Trust:
    """The principals of the Allow statements of a trust policy."""
    trust = Trust()
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        trust.conditional |= bool(statement.get("Condition"))
        principal = statement.get("Principal")
        if principal == "*":
            trust.anyone = True
            continue
        if not isinstance(principal, Mapping):
            continue
        for value in _listed(principal.get("AWS")):
            trust.add_aws(value)
        trust.services.update(_listed(principal.get("Service")))
        trust.providers.update(_listed(principal.get("Federated")))
    return trust


def open_to_anyone(policy: Any) -> bool:
    """Whether a resource policy lets any principal in (``*``, or any account's root) with no condition at all."""
    trust = parse_trust(trust_document(policy))
    return (trust.anyone or "*" in trust.accounts) and not trust.conditional
