"""EventBridge: event buses (with who else may put events on them) and their rules."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import listed_by_token
from aws_integration.integrations.aws.collectors.iam_trust import Trust, parse_trust, trust_document
from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_EVENT_BUSES = ApiCall("events", "ListEventBuses")
LIST_RULES = ApiCall("events", "ListRules", "Rules", page_size=100)
LIST_TAGS = ApiCall("events", "ListTagsForResource")


def _policy_trust(item: RawItem) -> Trust:
    """Who the bus policy lets in (ListEventBuses names a bus's policy, and leaves it out when there is none)."""
    return parse_trust(trust_document(item.get("Policy") or "{}"))


def _shared_publicly(item: RawItem) -> bool:
    """Whether the bus policy lets any principal, or any account (``arn:aws:iam::*:root``), put events."""
    trust = _policy_trust(item)
    return trust.anyone or "*" in trust.accounts


BUS = mapped_type(
    "aws_eventbridge_bus", ("Channel",), "An EventBridge event bus.",
    key="Arn", display_name="Name", tags="Tags",
    name=("string: The bus's name (default: the account's default bus).", "Name"),
    arn=("string: Its ARN.", "Arn"),
    policy=("string: Its resource policy (who else may put events on it), as JSON text.", "Policy"),
    public=("boolean: Whether its policy lets any principal put events on it (conditions aside).", _shared_publicly),
    trustedAccounts=("string[]: The other accounts its policy lets put events on it.",
                     lambda item: sorted(_policy_trust(item).accounts - {"*"})),
    policyConditional=("boolean: Whether a statement of its policy has conditions.",
                       lambda item: _policy_trust(item).conditional),
)
RULE = mapped_type(
    "aws_eventbridge_rule", ("Rule",), "An EventBridge rule.",
    key="Arn", display_name="Name", tags="Tags",
    links=(uses_role("RoleArn"), Link("HAS", BUS.decl, "BusArn", inbound=True)),
    name=("string: The rule's name.", "Name"),
    arn=("string: Its ARN.", "Arn"),
    state=("string: ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.", "State"),
    enabled=("boolean: Whether it matches events.", lambda item: item.get("State", "").startswith("ENABLED")),
    eventBusName=("string: The bus it listens on.", "EventBusName"),
    eventPattern=("string: The events it matches, as JSON text.", "EventPattern"),
    scheduleExpression=("string: Its schedule (rate or cron).", "ScheduleExpression"),
    managedBy=("string: The AWS service that manages it.", "ManagedBy"),
    description=("string: Its description.", "Description"),
)


async def _tagged(context: FetchContext, items: list[RawItem]) -> list[RawItem]:
    tags = await context.each(items, lambda item: context.call(LIST_TAGS, ResourceARN=item["Arn"]))
    return [{**item, "Tags": (answer or {}).get("Tags", [])} for item, answer in zip(items, tags)]


async def fetch_buses(context: FetchContext) -> list[RawItem]:
    """The event buses with their tags."""
    return await _tagged(context, await listed_by_token(context, LIST_EVENT_BUSES, "EventBuses"))


async def fetch_rules(context: FetchContext) -> list[RawItem]:
    """Every bus's rules with their tags; each rule names its bus's ARN."""
    buses = await listed_by_token(context, LIST_EVENT_BUSES, "EventBuses")
    per_bus = await context.each(buses, lambda bus: context.items(LIST_RULES, EventBusName=bus["Name"]))
    rules = [{**rule, "BusArn": bus["Arn"]} for bus, listed in zip(buses, per_bus) for rule in listed]
    return await _tagged(context, rules)


STEPS = (
    mapped_step("fetch-eventbridge-buses", "EventBridge buses", "events", BUS,
                calls=(LIST_EVENT_BUSES, LIST_TAGS), fetch=fetch_buses),
    mapped_step("fetch-eventbridge-rules", "EventBridge rules", "events", RULE,
                calls=(LIST_EVENT_BUSES, LIST_RULES, LIST_TAGS), fetch=fetch_rules),
)
