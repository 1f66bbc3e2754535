"""What a policy document grants, as the flags security teams ask about first.

Judged from the document alone (its Allow statements, ``NotAction`` read as
"everything else"), without resources or conditions narrowing them: a flag says the
policy *can* grant it, which is what an audit looks for.

* ``allowsAllActions``: a statement allows ``*`` on ``*`` (administrator access).
* ``allowsIamWrite``: it allows an IAM action the IAM reference classes as Write or
  Permissions management (creating users, attaching policies, changing trust).
* ``allowsPassRole``: it allows ``iam:PassRole``, which lets a principal hand a role to a
  service.
* ``allowsPrivilegeEscalation``: it allows every action of one of the well-known
  escalation paths (Rhino Security Labs' list, :data:`ESCALATION_PATHS`), each a set of
  actions that together let a principal give itself more permissions;
  ``privilegeEscalationPaths`` names the paths.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aws_integration.integrations.aws.permissions.catalogue import catalogue_data
from aws_integration.integrations.aws.permissions.policy import Policy, PolicyError, Statement, parse_policy, read_document

ESCALATION_PATHS: dict[str, tuple[str, ...]] = {
    "create-policy-version": ("iam:CreatePolicyVersion",),
    "set-default-policy-version": ("iam:SetDefaultPolicyVersion",),
    "create-access-key": ("iam:CreateAccessKey",),
    "create-login-profile": ("iam:CreateLoginProfile",),
    "update-login-profile": ("iam:UpdateLoginProfile",),
    "attach-user-policy": ("iam:AttachUserPolicy",),
    "attach-group-policy": ("iam:AttachGroupPolicy",),
    "attach-role-policy": ("iam:AttachRolePolicy",),
    "put-user-policy": ("iam:PutUserPolicy",),
    "put-group-policy": ("iam:PutGroupPolicy",),
    "put-role-policy": ("iam:PutRolePolicy",),
    "add-user-to-group": ("iam:AddUserToGroup",),
    "update-assume-role-policy": ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
    "pass-role-to-ec2": ("iam:PassRole", "ec2:RunInstances"),
    "pass-role-to-lambda": ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
    "pass-role-to-lambda-event-source": ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    "update-lambda-code": ("lambda:UpdateFunctionCode",),
    "pass-role-to-glue": ("iam:PassRole", "glue:CreateDevEndpoint"),
    "update-glue-endpoint": ("glue:UpdateDevEndpoint",),
    "pass-role-to-cloudformation": ("iam:PassRole", "cloudformation:CreateStack"),
    "pass-role-to-data-pipeline": ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
}
IAM_WRITE_LEVELS = frozenset({"Write", "Permissions management"})


@lru_cache(maxsize=1)
def iam_write_actions() -> tuple[str, ...]:
    """Every IAM action of access level Write or Permissions management, from the offline IAM reference."""
    catalogue = catalogue_data()
    return tuple(f"iam:{name}" for name in catalogue.actions.get_actions_for_service("iam")
                 if catalogue.actions.get_action_details("iam", name).get("accessLevel") in IAM_WRITE_LEVELS)


@dataclass(frozen=True)
class Grants:
    """The flags of one document (``None`` throughout when it could not be read)."""

    all_actions: bool | None
    iam_write: bool | None
    pass_role: bool | None
    escalation_paths: tuple[str, ...] | None

    def properties(self) -> dict[str, Any]:
        """The entity properties these flags become."""
        return {
            "allowsAllActions": self.all_actions,
            "allowsIamWrite": self.iam_write,
            "allowsPassRole": self.pass_role,
            "allowsPrivilegeEscalation": None if self.escalation_paths is None else bool(self.escalation_paths),
            "privilegeEscalationPaths": list(self.escalation_paths) if self.escalation_paths else None,
        }


UNREADABLE = Grants(None, None, None, None)


def _allows(policy: Policy, action: str) -> bool:
    return any(statement.effect == "Allow" and statement.covers_action(action) for statement in policy.statements)


def _administrator(statement: Statement) -> bool:
    return (statement.effect == "Allow" and statement.actions is not None
            and any(action in ("*", "*:*") for action in statement.actions) and statement.covers_resource("*"))


def grants_of(document: str | Mapping[str, Any] | None) -> Grants:
    """The flags of a policy document (JSON text, URL-encoded text, or a mapping)."""
    if document is None:
        return UNREADABLE
    try:
        policy = parse_policy(document)
    except PolicyError:
        return UNREADABLE
    paths = tuple(name for name, actions in ESCALATION_PATHS.items() if all(_allows(policy, a) for a in actions))
    return Grants(
        all_actions=any(_administrator(statement) for statement in policy.statements),
        iam_write=any(_allows(policy, action) for action in iam_write_actions()),
        pass_role=_allows(policy, "iam:PassRole"),
        escalation_paths=paths,
    )


def document_text(document: str | Mapping[str, Any] | None) -> str | None:
    """The document as compact JSON text, keys in their order (IAM answers URL-encoded text or a mapping)."""
    if document is None:
        return None
    if isinstance(document, Mapping):
        return json.dumps(document, separators=(",", ":"))
    try:
        return json.dumps(read_document(document), separators=(",", ":"))
    except PolicyError:
        return None
