"""Security Hub, per region: whether it is on, and whether new controls are turned on for it."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import iso, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

DESCRIBE_HUB = ApiCall("securityhub", "DescribeHub", absent_errors=("InvalidAccessException", "ResourceNotFoundException"))

HUB = mapped_type(
    "aws_securityhub_hub", ("Service",), "Security Hub, turned on in one region (a region without it has none).",
    key="HubArn", display_name=lambda item: f"Security Hub {item['HubArn'].split(':')[3]}",
    subscribedOn=("timestamp: When it was turned on.", iso("SubscribedAt")),
    autoEnableControls=("boolean: Whether controls of its standards are turned on as they are released.",
                        "AutoEnableControls"),
    controlFindingGenerator=("string: SECURITY_CONTROL (one finding per control) or STANDARD_CONTROL.",
                             "ControlFindingGenerator"),
)


async def fetch_hub(context: FetchContext) -> list[RawItem]:
    """The region's hub, when Security Hub is on there."""
    hub = await context.call(DESCRIBE_HUB)
    return [hub] if hub and hub.get("HubArn") else []


STEPS = (
    mapped_step("fetch-securityhub-hubs", "Security Hub", "securityhub", HUB, calls=(DESCRIBE_HUB,), fetch=fetch_hub),
)
