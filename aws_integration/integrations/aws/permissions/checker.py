"""Which resource types a set of policies lets the integration see, before any run.

Every IAM action each declared step needs is evaluated against the principal's
identity policies and permissions boundary. A step is ``ready`` when all are allowed,
``will be skipped`` when one is denied (the missing actions are named) and
``uncertain`` when one depends on a Condition. A step also inherits the fate of the
steps it depends on, since the runner disables it when they do not succeed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aws_integration.integrations.aws.declarations import AnyStep, ApiCall, StepDecl
from aws_integration.integrations.aws.engine.preflight import DESCRIBE_REGIONS, GET_CALLER_IDENTITY
from aws_integration.integrations.aws.permissions.catalogue import resource_scope
from aws_integration.integrations.aws.permissions.evaluator import Decision, Verdict, evaluate, strictness
from aws_integration.integrations.aws.permissions.policy import Policy
from aws_integration.integrations.aws.permissions.principal import PrincipalPolicies
from aws_integration.integrations.aws.registry import Registry

UNREADABLE_POLICIES_NOTE = (
    "Service control policies, resource control policies and session policies cannot be read "
    "from a member account, and resource-based policies (such as bucket policies) are not "
    "evaluated: none of them is part of this verdict. Runs report what AWS actually refused."
)

ALWAYS_ALLOWED = {
    GET_CALLER_IDENTITY.iam_action.lower(): "AWS answers sts:GetCallerIdentity for every caller, "
    "whatever its policies say",
}

PREFLIGHT_STEP_ID = "preflight"


class Readiness(str, enum.Enum):
    """What will happen to a step's resource types on the next run."""

    READY = "ready"
    SKIPPED = "will be skipped"
    UNCERTAIN = "uncertain"


_RANK = {Readiness.READY: 0, Readiness.UNCERTAIN: 1, Readiness.SKIPPED: 2}


@dataclass(frozen=True)
class ActionCheck:
    """One IAM action and its verdict."""

    action: str
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, naming the deciding statements."""
        return {
            "action": self.action,
            "decision": self.verdict.decision.value,
            "explicit": self.verdict.explicit,
            "reason": self.verdict.reason,
            "statements": [statement.describe() for statement in self.verdict.statements],
        }


@dataclass(frozen=True)
class StepCheck:
    """The verdict on one step: its types, its actions and the steps it waits for."""

    step_id: str
    name: str
    types: tuple[str, ...]
    readiness: Readiness
    actions: tuple[ActionCheck, ...]
    blocked_by: tuple[str, ...] = ()
    inherited_missing: tuple[str, ...] = ()
    note: str | None = None
    resource: bool = True  # False for rows that are not resource types: the preflight, mappers' derivations

    @property
    def missing_actions(self) -> tuple[str, ...]:
        """Denied actions of this step and of the steps it depends on."""
        own = tuple(check.action for check in self.actions if check.verdict.decision is Decision.DENIED)
        return tuple(dict.fromkeys(own + self.inherited_missing))

    @property
    def uncertain_actions(self) -> tuple[str, ...]:
        """Actions allowed only under a Condition (or possibly denied by one)."""
        return tuple(check.action for check in self.actions if check.verdict.decision is Decision.CONDITIONAL)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "stepId": self.step_id,
            "name": self.name,
            "types": list(self.types),
            "verdict": self.readiness.value,
            "missingActions": list(self.missing_actions),
            "uncertainActions": list(self.uncertain_actions),
            "blockedBy": list(self.blocked_by),
            "note": self.note,
            "actions": [check.to_dict() for check in self.actions],
        }


@dataclass
class PermissionReport:
    """The checker's answer for one principal (or set of policy documents)."""

    subject: str
    policy_sources: list[str]
    checks: list[StepCheck]
    notes: list[str] = field(default_factory=lambda: [UNREADABLE_POLICIES_NOTE])

    def check(self, step_id: str) -> StepCheck:
        """The verdict on one step."""
        for check in self.checks:
            if check.step_id == step_id:
                return check
        raise KeyError(step_id)

    @property
    def type_rows(self) -> list[tuple[str, StepCheck]]:
        """One row per resource type, with the verdict of the step that produces it."""
        return [(type_name, check) for check in self.checks for type_name in check.types]

    def count(self, readiness: Readiness) -> int:
        """How many resource types (collected, not derived) have this verdict."""
        return sum(1 for _, check in self.type_rows if check.readiness is readiness and check.resource)

    @property
    def resource_types(self) -> int:
        """How many resource types the report judges: each collected type once (the preflight and derivations apart)."""
        return sum(1 for _, check in self.type_rows if check.resource)

    @property
    def all_ready(self) -> bool:
        """Whether every resource type will be collected."""
        return all(check.readiness is Readiness.READY for check in self.checks)

    @property
    def anything_skipped(self) -> bool:
        """Whether some resource type will certainly be skipped."""
        return any(check.readiness is Readiness.SKIPPED for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "subject": self.subject,
            "policySources": self.policy_sources,
            "totals": {readiness.value: self.count(readiness) for readiness in Readiness},
            "steps": [check.to_dict() for check in self.checks],
            "notes": self.notes,
        }


class PermissionChecker:
    """Evaluates a registry's declared actions against fixed policies (each action once)."""

    def __init__(
        self,
        policies: Iterable[Policy],
        boundary: Iterable[Policy] | None = None,
        *,
        unrestricted: bool = False,
        partition: str = "aws",
        account_id: str = "*",
    ) -> None:
        self._partition = partition
        self._account_id = account_id
        self._policies = list(policies)
        self._boundary = list(boundary) if boundary is not None else None
        self._unrestricted = unrestricted
        self._verdicts: dict[str, Verdict] = {}

    def verdict(self, action: str) -> Verdict:
        """The verdict on one action, as a run will meet it (some actions need no permission)."""
        key = action.lower()
        if key in ALWAYS_ALLOWED:
            return Verdict(Decision.ALLOWED, False, (), ALWAYS_ALLOWED[key])
        if self._unrestricted:
            return Verdict(Decision.ALLOWED, False, (), "the account root is not limited by identity policies")
        return self.policy_verdict(action)

    def policy_verdict(self, action: str) -> Verdict:
        """What the policies alone say about one action over every resource it can touch.

        An action IAM can limit to resource types is asked about every resource of each
        type (``arn:aws:iam::<account>:role/*``), so a policy naming those ARNs counts;
        other actions are asked about ``*``. The strictest answer wins.
        """
        key = action.lower()
        if key not in self._verdicts:
            scope = resource_scope(action, self._partition, self._account_id)
            verdicts = [
                evaluate(action, self._policies, resource=pattern, boundary=self._boundary)
                for pattern in scope.patterns
            ]
            self._verdicts[key] = min(verdicts, key=strictness)
        return self._verdicts[key]

    def _actions(self, calls: Iterable[ApiCall]) -> tuple[ActionCheck, ...]:
        actions = dict.fromkeys(call.iam_action for call in calls)
        return tuple(ActionCheck(action, self.verdict(action)) for action in actions)

    def preflight(self) -> StepCheck:
        """Account identification and region discovery, which every run does first."""
        actions = self._actions((GET_CALLER_IDENTITY, DESCRIBE_REGIONS))
        readiness = _own_readiness(actions)
        note = None
        if readiness is not Readiness.READY:
            note = "without ec2:DescribeRegions, runs need --regions to name the regions to read"
        return StepCheck(PREFLIGHT_STEP_ID, "Identify the account and its enabled regions",
                         ("(enabled regions)",), readiness, actions, note=note, resource=False)

    def check(self, registry: Registry, subject: str, policy_sources: list[str]) -> PermissionReport:
        """A verdict for every step and mapper of ``registry``."""
        checks: dict[str, StepCheck] = {}
        for step in registry.all_steps:
            checks[step.id] = self._check_step(step, checks)
        return PermissionReport(subject, policy_sources, [self.preflight(), *checks.values()])

    def _check_step(self, step: AnyStep, earlier: dict[str, StepCheck]) -> StepCheck:
        actions = self._actions(step.calls if isinstance(step, StepDecl) else ())
        readiness = _own_readiness(actions)
        parents = [earlier[dependency] for dependency in step.depends_on]
        blocked = tuple(parent.step_id for parent in parents if parent.readiness is not Readiness.READY)
        inherited = tuple(action for parent in parents for action in parent.missing_actions)
        for parent in parents:
            if _RANK[parent.readiness] > _RANK[readiness]:
                readiness = parent.readiness
        note = f"depends on {', '.join(blocked)}" if blocked else None
        return StepCheck(step.id, step.name, _types(step), readiness, actions, blocked, inherited, note,
                         resource=isinstance(step, StepDecl))


def check_principal(registry: Registry, policies: PrincipalPolicies) -> PermissionReport:
    """The verdict on every step of ``registry`` for a principal's policies."""
    principal = policies.principal
    checker = PermissionChecker(
        policies.identity,
        policies.boundary,
        unrestricted=policies.unrestricted,
        partition=principal.partition if principal else "aws",
        account_id=principal.account_id if principal else "*",
    )
    return checker.check(registry, policies.subject, policies.sources)


def _own_readiness(actions: Iterable[ActionCheck]) -> Readiness:
    decisions = {check.verdict.decision for check in actions}
    if Decision.DENIED in decisions:
        return Readiness.SKIPPED
    if Decision.CONDITIONAL in decisions:
        return Readiness.UNCERTAIN
    return Readiness.READY


def _types(step: AnyStep) -> tuple[str, ...]:
    """The entity types a step produces; for a mapper, what it derives."""
    if isinstance(step, StepDecl):
        return tuple(entity.type for entity in step.entities)
    derived = tuple(f"{type_name} (derived properties)" for type_name in step.enriches)
    return derived + tuple(relationship.type for relationship in step.relationships)
