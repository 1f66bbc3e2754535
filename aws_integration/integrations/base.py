"""What an integration is to the core: a name, a source prefix, an instance model, its steps and its run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_integration.steps.registry import StepRegistry

if TYPE_CHECKING:
    from aws_integration.jobs.run import InstanceRun, Job


@dataclass(frozen=True)
class Integration:
    """One kind of system the graph is fed from.

    ``run`` collects an instance's targets (AWS: the account, or each Organization
    member; SentinelOne: the console) through the job, which stores each one.
    """

    name: str  # what ``integration:`` says in the configuration
    title: str  # how people name it
    source_prefix: str  # its store sources start with it: "aws:", "sentinelone:"
    instance_model: type[Any]
    registry: Callable[[], StepRegistry]
    run: Callable[[Job, Any], Awaitable[InstanceRun]]
