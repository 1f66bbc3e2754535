"""The integrations: each reads one kind of system into the shared graph, on the neutral core.

Adding one is adding its folder here and its line in :data:`SHIPPED`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_integration.graph.properties import Property
from aws_integration.integrations.base import Integration


def _aws() -> Integration:
    from aws_integration.integrations.aws import job
    from aws_integration.integrations.aws.permissions.diagnose import diagnose_instance, instructions
    from aws_integration.integrations.aws.registry import default_registry

    def instance_model() -> type[Any]:
        from aws_integration.integrations.aws.config import AwsInstance

        return AwsInstance

    return Integration("aws", "AWS", "aws:", instance_model, default_registry, job.run_instance, diagnose_instance,
                       instructions, job.member_targets, job.run_member)


def _sentinelone() -> Integration:
    from aws_integration.integrations.sentinelone import diagnose, job
    from aws_integration.integrations.sentinelone.config import SentinelOneInstance
    from aws_integration.integrations.sentinelone.setup import console_instructions
    from aws_integration.integrations.sentinelone.steps import console_registry

    return Integration("sentinelone", "SentinelOne", "sentinelone:", lambda: SentinelOneInstance, console_registry,
                       job.run_instance, diagnose.diagnose_instance, console_instructions)


SHIPPED: dict[str, Callable[[], Integration]] = {"aws": _aws, "sentinelone": _sentinelone}


@cache
def _loaded(name: str) -> Integration:
    """One integration, loading its own modules only (a run of one account imports nothing of a console's)."""
    return SHIPPED[name]()


def integrations() -> dict[str, Integration]:
    """Every integration this project ships, by name."""
    return {name: _loaded(name) for name in SHIPPED}


def integration_of(instance: Any) -> Integration:
    """The integration an instance is for (AWS for a command-line run without one)."""
    return _loaded(getattr(instance, "integration", "aws"))


@cache
def declared_properties() -> dict[str, dict[str, Property]]:
    """Every entity and relationship type an integration or a derivation declares, with its properties by name."""
    from aws_integration.store.derivations import DERIVED_ENTITIES

    declared: dict[str, dict[str, Property]] = {}
    for integration in integrations().values():
        registry = integration.registry()
        for name in (*registry.entity_decls, *registry.relationship_decls):
            declared[name] = registry.properties_of(name)
    for name, entity in DERIVED_ENTITIES.items():
        declared[name] = {prop.name: prop for prop in entity.properties}
    return declared
