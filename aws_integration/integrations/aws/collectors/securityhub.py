"""Security Hub, per region: whether it is on, whether new controls are turned on for it, and its enabled standards."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import sibling_arn
from aws_integration.integrations.aws.collectors.mapped import Link, equals, iso, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

NOT_SUBSCRIBED = ("InvalidAccessException", "ResourceNotFoundException")  # Security Hub is off in the region
DESCRIBE_HUB = ApiCall("securityhub", "DescribeHub", absent_errors=NOT_SUBSCRIBED)
GET_ENABLED_STANDARDS = ApiCall("securityhub", "GetEnabledStandards", "StandardsSubscriptions", absent_errors=NOT_SUBSCRIBED)

HUB = mapped_type(
    "aws_securityhub_hub", ("Service",), "Security Hub, turned on in one region (a region without it has none).",
    key="HubArn", display_name=lambda item: f"Security Hub {item['HubArn'].split(':')[3]}",
    subscribedOn=("timestamp: When it was turned on.", iso("SubscribedAt")),
    autoEnableControls=("boolean: Whether controls of its standards are turned on as they are released.",
                        "AutoEnableControls"),
    controlFindingGenerator=("string: SECURITY_CONTROL (one finding per control) or STANDARD_CONTROL.",
                             "ControlFindingGenerator"),
)


def _hub_arn(item: RawItem) -> str | None:
    """The hub of the subscription's account and region (``arn:aws:securityhub:<region>:<account>:hub/default``)."""
    return sibling_arn(item.get("StandardsSubscriptionArn"), "hub/default")


def _standard_name(item: RawItem) -> str:
    """``aws-foundational-security-best-practices/v/1.0.0`` from the standard's ARN."""
    return item.get("StandardsArn", "").split("standards/", 1)[-1] or item["StandardsSubscriptionArn"]


STANDARD = mapped_type(
    "aws_securityhub_standard", ("Standard",), "A security standard Security Hub checks the region against.",
    key="StandardsSubscriptionArn", display_name=_standard_name,
    links=(Link("HAS", HUB.decl, _hub_arn, inbound=True),),
    name=("string: The standard and its version (cis-aws-foundations-benchmark/v/1.4.0).", _standard_name),
    standardsArn=("string: The standard's ARN.", "StandardsArn"),
    status=("string: PENDING, READY, FAILED, DELETING or INCOMPLETE.", "StandardsStatus"),
    ready=("boolean: Whether its controls are being checked.", equals("StandardsStatus", "READY")),
    statusReason=("string: Why it is not ready.", "StandardsStatusReason.StatusReasonCode"),
    controlsUpdatable=("string: READY_FOR_UPDATES or NOT_READY_FOR_UPDATES.", "StandardsControlsUpdatable"),
)


async def fetch_hub(context: FetchContext) -> list[RawItem]:
    """The region's hub, when Security Hub is on there."""
    hub = await context.call(DESCRIBE_HUB)
    return [hub] if hub and hub.get("HubArn") else []


STEPS = (
    mapped_step("fetch-securityhub-hubs", "Security Hub", "securityhub", HUB, calls=(DESCRIBE_HUB,), fetch=fetch_hub),
    mapped_step("fetch-securityhub-standards", "Security Hub enabled standards", "securityhub", STANDARD,
                calls=(GET_ENABLED_STANDARDS,)),
)
