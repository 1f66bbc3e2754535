"""The data-model reference (docs/data-model.md), generated from the declarations."""

from __future__ import annotations

from collections.abc import Iterable

from aws_integration.graph.properties import Property
from aws_integration.integrations.aws.declarations import MapperDecl, StepDecl
from aws_integration.integrations.aws.engine.preflight import PREFLIGHT_CALLS
from aws_integration.integrations.aws.registry import Registry
from aws_integration.steps.registry import StepRegistry

HEADER = """# Data model

Generated from the collectors' declarations by `aws-integration docs --output docs/data-model.md`
(`make docs`); a test fails when this file is stale. Do not edit by hand.

Every AWS entity has `_key` (the ARN where the resource has one), `_type`, `_class`,
`displayName`, `accountId`, `region` (for regional resources) and its AWS tags as
`tag.<Key>` properties (key exactly as in AWS; `true`/`false` become booleans and
numbers numbers, but only when they print back as the same text: `007`, `1.50` stay
strings; a `Name` tag sets `displayName`). Timestamps (`createdOn`, `launchTime`, …) are epoch
milliseconds. Relationship `_key`s are `fromKey|verb|toKey`.
"""


def _code(text: str) -> str:
    return f"`{text}`"


SENTINELONE = """## SentinelOne

Every SentinelOne entity has `_key` `<_type>:<console ID>`, `id`, `consoleHost` and the
console's tags as `tag.<key>`; dates are epoch milliseconds. See docs/sentinelone.md.
"""

DERIVED = """## Derived across sources

Recomputed by the store after every commit, from the records of every source
(docs/sentinelone.md gives the matching rules). The relationship `_type` names the real
types of both ends (an imported Person or Device keeps its own type).
"""

DERIVED_RELATIONSHIPS = """| From | `_class` | To | Source |
| --- | --- | --- | --- |
| a `User` | **IS** | `Person` | `mapper:person` |
| `sentinelone_agent` | **PROTECTS** | `aws_instance` | `mapper:device` |
| `sentinelone_agent` | **PROTECTS** | `Device` | `mapper:device` |
| `Person` | **OWNS** | `Device` | `mapper:device` |
"""


def _derived() -> list[str]:
    from aws_integration.store.derivations import DERIVATIONS_OF, DERIVED_ENTITIES

    lines = [DERIVED, "| `_type` | `_class` | Source | Description |", "| --- | --- | --- | --- |"]
    for entity in DERIVED_ENTITIES.values():
        classes = ", ".join(_code(name) for name in entity.classes)
        lines.append(f"| {_code(entity.type)} | {classes} | {_code(DERIVATIONS_OF[entity.type])} | {entity.description} |")
    lines += ["", DERIVED_RELATIONSHIPS]
    for entity in DERIVED_ENTITIES.values():
        lines += [f"#### {_code(entity.type)}", "", *_property_table(entity.properties), ""]
    return lines


def _property_table(properties: Iterable[Property]) -> list[str]:
    lines = ["| Property | Type | Description |", "| --- | --- | --- |"]
    lines += [f"| {_code(prop.name)} | {prop.kind.value} | {prop.description} |" for prop in properties]
    return lines


def _properties(registry: StepRegistry) -> list[str]:
    """Each entity type's own properties, those every entity carries, and relationship properties."""
    lines = ["", "### Properties", "", "Every entity of this integration carries:", "",
             *_property_table(registry.common_properties), "", "and `tag.<Key>` for each of its tags."]
    for entity in registry.entity_decls.values():
        lines += ["", f"#### {_code(entity.type)}", "", entity.description, ""]
        lines += _property_table(entity.properties) if entity.properties else ["No properties of its own."]
    with_properties = {name: registry.properties_of(name) for name in sorted(registry.relationship_decls)}
    for name, properties in with_properties.items():
        if properties:
            lines += ["", f"#### {_code(name)}", "", *_property_table(properties.values())]
    return lines


def _types(registry: StepRegistry) -> list[str]:
    """The entity and relationship tables of a registry."""
    lines = ["### Entities", "", "| `_type` | `_class` | Step | Description |", "| --- | --- | --- | --- |"]
    for step in registry.steps:
        for entity in step.entities:
            classes = ", ".join(_code(name) for name in entity.classes)
            lines.append(f"| {_code(entity.type)} | {classes} | {_code(step.id)} | {entity.description} |")
    lines += ["", "### Relationships", "", "| From | `_class` | To | `_type` | Step |", "| --- | --- | --- | --- | --- |"]
    for type_name, (relationship, step) in sorted(registry.relationship_decls.items()):
        lines.append(
            f"| {_code(relationship.from_type)} | **{relationship.verb}** | {_code(relationship.to_type)} "
            f"| {_code(type_name)} | {_code(step.id)} |"
        )
    return lines


def _console_steps(registry: StepRegistry) -> list[str]:
    lines = ["", "### Steps", "", "| Step | Endpoint | Rows per page | Depends on |", "| --- | --- | --- | --- |"]
    for step in registry.steps:
        depends = ", ".join(_code(dep) for dep in step.depends_on) or "–"
        by_site = ", site by site" if step.by_site else ""
        lines.append(f"| {_code(step.id)} | {_code(step.endpoint.name)}{by_site} | {step.endpoint.limit} | {depends} |")
    return lines


def render_data_model(registry: Registry, console: StepRegistry | None = None) -> str:
    """Markdown tables of every integration's entities, relationships and steps, and the derived types."""
    from aws_integration.integrations.sentinelone.steps import console_registry

    lines = [HEADER, "## AWS", "", *_types(registry), *_properties(registry)]
    lines += [
        "",
        "### Steps",
        "",
        "Each step runs in every enabled region (regional) or once per account (global). When AWS refuses",
        "one of its calls, the step ends `disabled` for `permission`, and the data stored earlier for its",
        "types is kept.",
        "",
        "| Step | Scope | Depends on | API calls (IAM action) |",
        "| --- | --- | --- | --- |",
    ]
    for step in registry.all_steps:
        depends = ", ".join(_code(dep) for dep in step.depends_on) or "–"
        if isinstance(step, MapperDecl):
            scope, calls = "mapper", "none: derived from its dependencies"
        else:
            assert isinstance(step, StepDecl)
            scope = step.scope.value
            calls = "<br>".join(f"{call.service}.{call.operation} ({_code(call.iam_action)})" for call in step.calls)
        lines.append(f"| {_code(step.id)} | {scope} | {depends} | {calls} |")
    preflight = ", ".join(f"{call.service}.{call.operation} ({_code(call.iam_action)})" for call in PREFLIGHT_CALLS)
    lines += ["", f"Before any step, every run calls {preflight}.", "", SENTINELONE]
    console = console or console_registry()
    lines += _types(console) + _properties(console) + _console_steps(console)
    lines += ["", "Before any step, every run calls `GET /web/api/v2.1/system/info` (the token's check).", "", *_derived()]
    return "\n".join(lines)
