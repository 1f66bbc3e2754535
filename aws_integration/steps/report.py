"""The run report: per-step outcomes, counts and the resource types that were skipped.

It names what the run collected generically (integration, target ID, target name); what
only one integration knows (AWS's partition and regions) is in its ``details``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class StepStatus(str, enum.Enum):
    """How a step ended."""

    SUCCESS = "success"
    FAILURE = "failure"
    DISABLED = "disabled"
    PARTIAL = "partial_success_due_to_dependency_failure"


class DisabledReason(str, enum.Enum):
    """Why a step was disabled."""

    PERMISSION = "permission"
    CONFIG = "config"
    PARENT_DISABLED = "parent_disabled"
    NOT_IMPLEMENTED = "not_implemented"  # the endpoint (a local stand-in, never AWS) has no code for a call


NOT_PARTIAL = frozenset({DisabledReason.CONFIG, DisabledReason.NOT_IMPLEMENTED})


@dataclass(frozen=True)
class Denial:
    """What a system refused (an IAM action, an endpoint), where (a region, a console), and with which code."""

    action: str
    where: str | None
    code: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"action": self.action, "where": self.where, "code": self.code}


@dataclass
class StepResult:
    """The outcome of one step across all the units (AWS: regions) it ran in."""

    step_id: str
    name: str
    status: StepStatus
    reason: DisabledReason | None = None
    message: str | None = None
    denied: list[Denial] = field(default_factory=list)
    allowed_actions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    entity_types: list[str] = field(default_factory=list)
    relationship_types: list[str] = field(default_factory=list)
    entities: int = 0
    relationships: int = 0
    api_calls: int = 0
    retries: int = 0
    seconds: float = 0.0

    @property
    def denied_actions(self) -> list[str]:
        """The distinct actions (IAM actions, endpoints) refused to this step."""
        return sorted({denial.action for denial in self.denied})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (camelCase keys, like the rest of the report)."""
        return {
            "stepId": self.step_id,
            "name": self.name,
            "status": self.status.value,
            "reason": self.reason.value if self.reason else None,
            "message": self.message,
            "deniedActions": self.denied_actions,
            "denied": [denial.to_dict() for denial in self.denied],
            "allowedActions": self.allowed_actions,
            "errors": self.errors,
            "regions": self.regions,
            "entityTypes": self.entity_types,
            "relationshipTypes": self.relationship_types,
            "entities": self.entities,
            "relationships": self.relationships,
            "apiCalls": self.api_calls,
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SkippedType:
    """A resource type that this run could not (fully) see, and why."""

    type: str
    step_id: str
    status: StepStatus
    reason: str
    missing_actions: tuple[str, ...]


@dataclass
class RunReport:
    """Everything a user wants to know after a run of one target (an AWS account, a SentinelOne console)."""

    integration: str
    target_id: str
    target_name: str | None
    started_at: str
    finished_at: str
    seconds: float
    steps: list[StepResult]
    entity_counts: dict[str, int]
    relationship_counts: dict[str, int]
    api_calls: int
    retries: int = 0  # HTTP requests sent beyond one per API call: throttling, 5xx, dropped connections
    longest_call_chain: int = 0  # calls that had to happen one after another: the run's critical path
    store: dict[str, Any] = field(default_factory=dict)
    permission_check: dict[str, Any] = field(default_factory=dict)
    # What the run looked at: each type with the scopes (AWS: regions, or "global") it collected it in.
    # Stored records outside it are kept; inside it, the run's records replace them.
    scope: dict[str, list[str]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # the integration's own fields (AWS: partition, regions)

    @property
    def status(self) -> str:
        """``success`` when every step ran and succeeded, ``partial`` when any was disabled, else ``failure``.

        Steps the configuration leaves out (disabled for ``config``) were not meant to
        run, and steps whose calls the endpoint does not implement (``not_implemented``:
        a local stand-in for AWS) could not: neither makes a run partial, though their
        types are still listed as skipped, with the reason.
        """
        statuses = {
            step.status for step in self.steps
            if not (step.status is StepStatus.DISABLED and step.reason in NOT_PARTIAL)
        }
        if StepStatus.FAILURE in statuses:
            return "failure"
        if statuses - {StepStatus.SUCCESS}:
            return "partial"
        return "success"

    @property
    def skipped_types(self) -> list[SkippedType]:
        """Entity and relationship types whose step did not succeed (a partial dataset)."""
        skipped = []
        for step in self.steps:
            if step.status is StepStatus.SUCCESS:
                continue
            reason = step.reason.value if step.reason else step.status.value
            for type_name in step.entity_types + step.relationship_types:
                skipped.append(
                    SkippedType(type_name, step.step_id, step.status, reason, tuple(step.denied_actions))
                )
        return skipped

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status,
            "integration": self.integration,
            "targetId": self.target_id,
            "targetName": self.target_name,
            **self.details,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "seconds": round(self.seconds, 3),
            "apiCalls": self.api_calls,
            "retries": self.retries,
            "longestCallChain": self.longest_call_chain,
            "entityCounts": dict(sorted(self.entity_counts.items())),
            "relationshipCounts": dict(sorted(self.relationship_counts.items())),
            "steps": [step.to_dict() for step in self.steps],
            "skippedTypes": [
                {
                    "type": skipped.type,
                    "stepId": skipped.step_id,
                    "status": skipped.status.value,
                    "reason": skipped.reason,
                    "missingActions": list(skipped.missing_actions),
                }
                for skipped in self.skipped_types
            ],
            "scope": self.scope,
            "permissionCheck": self.permission_check,
            "store": self.store,
        }
