"""Predicted against observed: what the checker said before a run, what AWS did in it.

For each action of each collector step, the prediction (allowed, denied, conditional)
is set against what the run saw: AWS answered the call, refused it, or the call was
never made (the step stopped at an earlier refusal, or had nothing to ask about). A
disagreement is an action predicted allowed that AWS refused (an SCP, a session or a
resource policy the checker cannot read) or one predicted denied that AWS answered.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aws_integration.steps.report import StepResult
from aws_integration.integrations.aws.permissions.checker import PermissionReport
from aws_integration.integrations.aws.permissions.evaluator import Decision


class Observed(str, enum.Enum):
    """What the run saw of one action."""

    ALLOWED = "allowed"
    DENIED = "denied"
    NOT_CALLED = "not called"


@dataclass(frozen=True)
class ActionOutcome:
    """One action of one step: predicted and observed."""

    step_id: str
    action: str
    predicted: Decision
    observed: Observed

    @property
    def disagrees(self) -> bool:
        """A definite prediction that AWS contradicted."""
        return (self.predicted is Decision.ALLOWED and self.observed is Observed.DENIED) or (
            self.predicted is Decision.DENIED and self.observed is Observed.ALLOWED
        )

    @property
    def explanation(self) -> str:
        """Why the two differ, in a sentence."""
        if self.predicted is Decision.ALLOWED and self.observed is Observed.DENIED:
            return "the policies allow it but AWS refused it (a service control, session or resource policy?)"
        if self.predicted is Decision.DENIED and self.observed is Observed.ALLOWED:
            return "the policies do not allow it but AWS answered it"
        return f"predicted {self.predicted.value}, {self.observed.value}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "stepId": self.step_id,
            "action": self.action,
            "predicted": self.predicted.value,
            "observed": self.observed.value,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class PredictionComparison:
    """Every action outcome of a run, against the checker's prediction for its identity."""

    subject: str
    outcomes: tuple[ActionOutcome, ...]

    @property
    def disagreements(self) -> list[ActionOutcome]:
        """Predictions the run contradicted."""
        return [outcome for outcome in self.outcomes if outcome.disagrees]

    @property
    def confirmed(self) -> list[ActionOutcome]:
        """Definite predictions the run confirmed."""
        return [
            outcome
            for outcome in self.outcomes
            if not outcome.disagrees
            and outcome.observed is not Observed.NOT_CALLED
            and outcome.predicted is not Decision.CONDITIONAL
        ]

    @property
    def predicted_denied(self) -> list[str]:
        """Every action the checker predicted denied, each once."""
        return sorted({o.action for o in self.outcomes if o.predicted is Decision.DENIED})

    @property
    def observed_denied(self) -> list[str]:
        """Every action AWS refused in the run, each once."""
        return sorted({o.action for o in self.outcomes if o.observed is Observed.DENIED})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "subject": self.subject,
            "predictedDenied": self.predicted_denied,
            "observedDenied": self.observed_denied,
            "confirmed": len(self.confirmed),
            "notExercised": sum(1 for o in self.outcomes if o.observed is Observed.NOT_CALLED),
            "disagreements": [outcome.to_dict() for outcome in self.disagreements],
        }


def compare(prediction: PermissionReport, results: Iterable[StepResult]) -> PredictionComparison:
    """Set each predicted action verdict against what the run's steps saw."""
    by_step = {result.step_id: result for result in results}
    outcomes = []
    for check in prediction.checks:
        result = by_step.get(check.step_id)
        if result is None:
            continue
        denied = set(result.denied_actions)
        for action in check.actions:
            if action.action in denied:
                observed = Observed.DENIED
            elif action.action in result.allowed_actions:
                observed = Observed.ALLOWED
            else:
                observed = Observed.NOT_CALLED
            outcomes.append(ActionOutcome(check.step_id, action.action, action.verdict.decision, observed))
    return PredictionComparison(prediction.subject, tuple(outcomes))
