"""The integrations: each reads one kind of system into the shared graph, on the neutral core.

Adding one is adding its folder here and its line in :func:`integrations`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_integration.graph.properties import Property
from aws_integration.integrations.base import Integration


@cache
def integrations() -> dict[str, Integration]:
    """Every integration this project ships, by name."""
    from aws_integration.integrations.aws import job as aws_job
    from aws_integration.integrations.aws.config import AwsInstance
    from aws_integration.integrations.aws.permissions.diagnose import diagnose_instance, instructions
    from aws_integration.integrations.aws.registry import default_registry
    from aws_integration.integrations.sentinelone import diagnose as console_diagnose
    from aws_integration.integrations.sentinelone import job as console_job
    from aws_integration.integrations.sentinelone.config import SentinelOneInstance
    from aws_integration.integrations.sentinelone.setup import console_instructions
    from aws_integration.integrations.sentinelone.steps import console_registry

    shipped = (
        Integration("aws", "AWS", "aws:", AwsInstance, default_registry, aws_job.run_instance, diagnose_instance,
                    instructions),
        Integration("sentinelone", "SentinelOne", "sentinelone:", SentinelOneInstance, console_registry,
                    console_job.run_instance, console_diagnose.diagnose_instance, console_instructions),
    )
    return {integration.name: integration for integration in shipped}


def integration_of(instance: Any) -> Integration:
    """The integration an instance is for (AWS for a command-line run without one)."""
    return integrations()[getattr(instance, "integration", "aws")]


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
