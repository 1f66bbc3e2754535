"""The AWS registry: every AWS step and mapper, and every AWS API call the product makes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from aws_integration.integrations.aws.declarations import COMMON_PROPERTIES, ApiCall, MapperDecl, Property, StepDecl
from aws_integration.steps.registry import RegistryError, StepRegistry

__all__ = ["Registry", "RegistryError", "default_registry"]


@dataclass(frozen=True)
class Registry(StepRegistry):
    """AWS's steps (:class:`StepDecl`) and mappers."""

    steps: tuple[StepDecl, ...]
    mappers: tuple[MapperDecl, ...] = ()
    common_properties: tuple[Property, ...] = COMMON_PROPERTIES

    @cached_property
    def services(self) -> frozenset[str]:
        """The AWS services the collector steps read."""
        return self.groups

    def api_calls(self) -> Iterable[ApiCall]:
        """Every declared API call, each once: preflight, collectors, the policy reader, Organizations."""
        from aws_integration.integrations.aws.engine.preflight import PREFLIGHT_CALLS
        from aws_integration.integrations.aws.organization import ORGANIZATION_CALLS
        from aws_integration.integrations.aws.permissions.principal import READER_CALLS

        collector_calls = tuple(call for step in self.steps for call in step.calls)
        seen: set[tuple[str, str]] = set()
        for call in PREFLIGHT_CALLS + collector_calls + READER_CALLS + ORGANIZATION_CALLS:
            if (call.service, call.operation) not in seen:
                seen.add((call.service, call.operation))
                yield call


def default_registry() -> Registry:
    """All AWS collectors this project ships."""
    from aws_integration.integrations.aws.collectors import COLLECTOR_STEPS
    from aws_integration.integrations.aws.mappers import MAPPERS

    return Registry(steps=COLLECTOR_STEPS, mappers=MAPPERS)
