"""Static evaluation of one action against identity policies and a permissions boundary.

Default deny; any matching explicit Deny wins over every Allow; statement order does
not matter. A statement with a Condition depends on the request, so it cannot decide
on its own: an Allow with a condition makes the action ``conditional``, and so does a
Deny with a condition over an otherwise allowed action ("possibly denied"). A
permissions boundary intersects: both must allow, and a deny in either wins.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from aws_integration.integrations.aws.permissions.policy import Policy, Statement


class Decision(str, enum.Enum):
    """The verdict on one action."""

    ALLOWED = "allowed"
    DENIED = "denied"
    CONDITIONAL = "conditional"


@dataclass(frozen=True)
class Verdict:
    """A decision, whether a deny was explicit, and the statements that decided it."""

    decision: Decision
    explicit: bool
    statements: tuple[Statement, ...]
    reason: str

    @property
    def allowed(self) -> bool:
        """True only for a plain allow."""
        return self.decision is Decision.ALLOWED


def _matching(policies: Iterable[Policy], action: str, resource: str) -> list[Statement]:
    return [
        statement
        for policy in policies
        for statement in policy.statements
        if statement.covers_action(action) and statement.covers_resource(resource)
    ]


def _evaluate_set(policies: Iterable[Policy], action: str, resource: str, label: str) -> Verdict:
    matching = _matching(policies, action, resource)
    denies = [s for s in matching if s.effect == "Deny"]
    allows = [s for s in matching if s.effect == "Allow"]
    hard_denies = [s for s in denies if not s.has_condition]
    if hard_denies:
        return Verdict(Decision.DENIED, True, tuple(hard_denies), f"explicitly denied by the {label}")
    plain_allows = [s for s in allows if not s.has_condition]
    if plain_allows and not denies:
        return Verdict(Decision.ALLOWED, False, tuple(plain_allows), f"allowed by the {label}")
    if plain_allows:
        return Verdict(Decision.CONDITIONAL, False, tuple(denies), f"possibly denied by a conditional Deny in the {label}")
    if allows:
        return Verdict(Decision.CONDITIONAL, False, tuple(allows), f"allowed by the {label} only under a Condition")
    return Verdict(Decision.DENIED, False, (), f"not allowed by any statement of the {label} (implicit deny)")


def strictness(verdict: Verdict) -> int:
    """Order verdicts from explicit deny (0) to allowed (3); the lowest wins a combination."""
    if verdict.decision is Decision.DENIED:
        return 0 if verdict.explicit else 1
    return 2 if verdict.decision is Decision.CONDITIONAL else 3


def evaluate(
    action: str,
    policies: Iterable[Policy],
    *,
    resource: str = "*",
    boundary: Iterable[Policy] | None = None,
) -> Verdict:
    """Evaluate ``action`` on ``resource`` against identity policies and an optional boundary."""
    identity = _evaluate_set(list(policies), action, resource, "identity policies")
    if boundary is None:
        return identity
    limit = _evaluate_set(list(boundary), action, resource, "permissions boundary")
    # The stricter verdict wins: explicit deny, then implicit deny, then conditional.
    strictest = min((identity, limit), key=strictness)
    if not strictest.allowed:
        return strictest
    return Verdict(Decision.ALLOWED, False, identity.statements + limit.statements,
                   "allowed by the identity policies and the permissions boundary")
