"""AWS Config: whether recording is on, and which rules are defined."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

RECORDER = EntityDecl("aws_config_recorder", ("Configuration",), "An AWS Config configuration recorder.", properties=described(
    name="string: The recorder's name.",
    roleArn="string: The role it reads resources with.",
    recording="boolean: Whether it is recording.",
    lastStatus="string: Pending, Success or Failure of its last recording.",
    allSupported="boolean: Whether it records every supported resource type.",
    includeGlobalResourceTypes="boolean: Whether it records global resources (IAM).",
))
RULE = EntityDecl("aws_config_rule", ("ControlPolicy",), "An AWS Config rule.", properties=described(
    name="string: The rule's name.",
    arn="string: Its ARN.",
    description="string: Its description.",
    state="string: ACTIVE, DELETING, DELETING_RESULTS, EVALUATING.",
    sourceOwner="string: AWS (a managed rule), CUSTOM_LAMBDA or CUSTOM_POLICY.",
    sourceIdentifier="string: The managed rule's identifier, or the custom rule's function ARN.",
    inputParameters="string: Its parameters, as JSON text.",
    maximumExecutionFrequency="string: How often a periodic rule runs (TwentyFour_Hours).",
))


DESCRIBE_CONFIGURATION_RECORDERS = ApiCall("config", "DescribeConfigurationRecorders")
DESCRIBE_CONFIGURATION_RECORDER_STATUS = ApiCall("config", "DescribeConfigurationRecorderStatus")
DESCRIBE_CONFIG_RULES = ApiCall("config", "DescribeConfigRules", "ConfigRules")


async def fetch_recorders(context: FetchContext) -> list[RawItem]:
    """Recorders with their recording status."""
    recorders, statuses = await asyncio.gather(
        context.call(DESCRIBE_CONFIGURATION_RECORDERS), context.call(DESCRIBE_CONFIGURATION_RECORDER_STATUS)
    )
    status_by_name = {status["name"]: status for status in (statuses or {}).get("ConfigurationRecordersStatus", [])}
    return [{**recorder, "Status": status_by_name.get(recorder["name"], {})}
            for recorder in (recorders or {}).get("ConfigurationRecorders", [])]


def transform_recorder(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_config_recorder``."""
    group = item.get("recordingGroup") or {}
    status = item.get("Status") or {}
    yield build_entity(
        RECORDER,
        scope,
        key=scope.arn("config", f"configuration-recorder/{item['name']}"),
        name=item["name"],
        properties={
            "name": item["name"],
            "roleArn": item.get("roleARN"),
            "recording": bool(status.get("recording")),
            "lastStatus": status.get("lastStatus"),
            "allSupported": group.get("allSupported"),
            "includeGlobalResourceTypes": group.get("includeGlobalResourceTypes"),
        },
    )


def rule_key(item: RawItem, scope: TransformContext) -> str:
    """A rule's key: its ARN (which names its ID, not its name)."""
    return item.get("ConfigRuleArn") or scope.arn("config", f"config-rule/{item['ConfigRuleName']}")


def transform_rule(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_config_rule``."""
    source = item.get("Source") or {}
    yield build_entity(
        RULE,
        scope,
        key=rule_key(item, scope),
        name=item["ConfigRuleName"],
        properties={
            "name": item["ConfigRuleName"],
            "arn": item.get("ConfigRuleArn"),
            "description": item.get("Description") or None,
            "state": item.get("ConfigRuleState"),
            "sourceOwner": source.get("Owner"),
            "sourceIdentifier": source.get("SourceIdentifier"),
            "inputParameters": item.get("InputParameters") or None,
            "maximumExecutionFrequency": item.get("MaximumExecutionFrequency"),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-config-recorders", name="AWS Config recorders", service="config", scope=Scope.REGIONAL,
        calls=(DESCRIBE_CONFIGURATION_RECORDERS,
               DESCRIBE_CONFIGURATION_RECORDER_STATUS),
        entities=(RECORDER,), fetch=fetch_recorders, transform=transform_recorder,
    ),
    StepDecl(
        id="fetch-config-rules", name="AWS Config rules", service="config", scope=Scope.REGIONAL,
        calls=(DESCRIBE_CONFIG_RULES,),
        entities=(RULE,), transform=transform_rule,
    ),
)
