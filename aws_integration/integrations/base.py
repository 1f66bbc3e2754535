"""What an integration is to the core: a name, a source prefix, an instance model, its steps and its run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aws_integration.steps.registry import StepRegistry

if TYPE_CHECKING:
    from aws_integration.jobs.run import InstanceRun, Job


class Diagnosis(Protocol):
    """What an instance's credentials let a run see, before any run."""

    @property
    def all_ready(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def format(self) -> str: ...


@dataclass(frozen=True)
class Integration:
    """One kind of system the graph is fed from.

    ``run`` collects an instance's targets (AWS: the account, or each Organization
    member; SentinelOne: the console) through the job, which stores each one.
    ``diagnose`` checks an instance's credentials against every step (``permissions``);
    ``instructions`` is the setup walkthrough (``setup --format instructions``).
    For workers (:mod:`~aws_integration.jobs.workers`), ``targets`` names the targets a
    run of an instance splits into, one task each (None: the instance is one target, run
    whole; a run: the recorded failure to find them), and ``run_target`` runs one of them.
    An integration whose instances are always one target has neither.
    """

    name: str  # what ``integration:`` says in the configuration
    title: str  # how people name it
    source_prefix: str  # its store sources start with it: "aws:", "sentinelone:"
    instance_model: Callable[[], type[Any]]  # loaded when asked: a run from the command line reads no model
    registry: Callable[[], StepRegistry]
    run: Callable[[Job, Any], Awaitable[InstanceRun]]
    diagnose: Callable[[Any], Awaitable[Diagnosis]]
    instructions: Callable[[], str]
    targets: Callable[[Job, Any], Awaitable[list[str] | InstanceRun | None]] | None = None
    run_target: Callable[[Job, Any, str], Awaitable[InstanceRun]] | None = None
