"""The least-privilege identity policy, generated from the declarations.

Exactly the declared IAM actions (collectors, preflight, the permission diagnostic's
policy reader), grouped by service and by the resources they can be limited to.
``Resource`` is as narrow as each action allows: an action that IAM lets apply to
specific resource types gets those types' ARN patterns (every resource of the type,
since the inventory reads them all); an action without resource types needs ``*``.
The statements are packed into as few managed policies as AWS's size limit allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aws_integration.integrations.aws.permissions.catalogue import ResourceScope, resource_scope
from aws_integration.integrations.aws.registry import Registry

MANAGED_POLICY_MAX_CHARS = 6144
"""AWS's limit on a managed policy document, not counting whitespace."""
MAX_MANAGED_POLICIES_PER_ROLE = 10
POLICY_VERSION = "2012-10-17"


class PolicySizeError(ValueError):
    """The declared actions do not fit in the managed policies a role may have."""


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]", text) if part)


@dataclass(frozen=True)
class PolicyStatement:
    """Actions of one service that share their resources."""

    service: str
    actions: tuple[str, ...]
    scope: ResourceScope

    @property
    def sid(self) -> str:
        """A readable statement id: ``Ec2ReadAnyResource`` or ``IamReadRole``."""
        kinds = "".join(_camel(name) for name in self.scope.types) or "AnyResource"
        return f"{_camel(self.service)}Read{kinds}"

    def to_dict(self) -> dict[str, Any]:
        """The statement as IAM JSON."""
        patterns = self.scope.patterns
        resource: str | list[str] = patterns[0] if len(patterns) == 1 else list(patterns)
        return {"Sid": self.sid, "Effect": "Allow", "Action": list(self.actions), "Resource": resource}


def declared_actions(registry: Registry) -> list[str]:
    """Every IAM action the integration needs, sorted, each once."""
    return sorted({call.iam_action for call in registry.api_calls()}, key=str.lower)


def statements(actions: Iterable[str], partition: str = "aws") -> list[PolicyStatement]:
    """Group actions by service and resource scope, in a stable order."""
    groups: dict[tuple[str, ResourceScope], list[str]] = {}
    for action in sorted(set(actions), key=str.lower):
        service = action.split(":")[0]
        groups.setdefault((service, resource_scope(action, partition)), []).append(action)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1].types))
    return [PolicyStatement(service, tuple(names), scope) for (service, scope), names in ordered]


def document(statement_list: Iterable[PolicyStatement]) -> dict[str, Any]:
    """A policy document holding these statements."""
    return {"Version": POLICY_VERSION, "Statement": [statement.to_dict() for statement in statement_list]}


def size(policy: dict[str, Any]) -> int:
    """The size AWS counts: the JSON without whitespace."""
    return len(json.dumps(policy, separators=(",", ":")))


def _split_statement(statement: PolicyStatement) -> list[PolicyStatement]:
    half = len(statement.actions) // 2
    return [
        PolicyStatement(statement.service, statement.actions[:half], statement.scope),
        PolicyStatement(statement.service, statement.actions[half:], statement.scope),
    ]


def managed_policies(statement_list: Iterable[PolicyStatement]) -> list[dict[str, Any]]:
    """Pack statements into as few documents as fit the managed-policy size limit, in order."""
    pending = list(statement_list)
    packed: list[list[PolicyStatement]] = [[]]
    while pending:
        statement = pending.pop(0)
        if size(document([statement])) > MANAGED_POLICY_MAX_CHARS:
            pending[:0] = _split_statement(statement)
            continue
        if size(document(packed[-1] + [statement])) > MANAGED_POLICY_MAX_CHARS:
            packed.append([])
        packed[-1].append(statement)
    if len(packed) > MAX_MANAGED_POLICIES_PER_ROLE:
        raise PolicySizeError(
            f"the declared actions need {len(packed)} managed policies; a role may have {MAX_MANAGED_POLICIES_PER_ROLE}"
        )
    return [document(group) for group in packed if group]


def least_privilege_policies(registry: Registry, partition: str = "aws") -> list[dict[str, Any]]:
    """The managed policy documents that grant exactly the declared actions."""
    return managed_policies(statements(declared_actions(registry), partition))


def policy_files(documents: list[dict[str, Any]]) -> dict[str, str]:
    """Policy documents by file name, as checked in under ``policies/``."""
    if len(documents) == 1:
        return {"aws-integration-policy.json": json.dumps(documents[0], indent=2) + "\n"}
    return {
        f"aws-integration-policy-{number}.json": json.dumps(document_, indent=2) + "\n"
        for number, document_ in enumerate(documents, start=1)
    }
