"""Amazon Macie, per region: whether it is on (it discovers sensitive data in S3) and how often it publishes findings."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

# Macie answers AccessDeniedException "Macie is not enabled." where it was never turned on.
GET_MACIE_SESSION = ApiCall("macie2", "GetMacieSession", absent_errors=("ResourceNotFoundException",),
                            absent_messages=("Macie is not enabled",))

SESSION = mapped_type(
    "aws_macie_session", ("Service",), "Amazon Macie, turned on in one region (a region without it has none).",
    key=lambda item, scope: scope.arn("macie2", "session"), display_name=lambda item: f"Macie {item['Region']}",
    status=("string: ENABLED or PAUSED.", "status"),
    enabled=("boolean: Whether it is running (not paused).", equals("status", "ENABLED")),
    findingPublishingFrequency=("string: How often it publishes updated findings (FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS).",
                                "findingPublishingFrequency"),
    serviceRole=("string: The service-linked role it acts with.", "serviceRole"),
    createdOn=("timestamp: When it was turned on.", "createdAt"),
    updatedOn=("timestamp: When its status last changed.", "updatedAt"),
)


async def fetch_session(context: FetchContext) -> list[RawItem]:
    """The region's Macie session, when Macie is on there."""
    session = await context.call(GET_MACIE_SESSION)
    return [{**session, "Region": context.region}] if session and session.get("status") else []


STEPS = (
    mapped_step("fetch-macie-sessions", "Macie", "macie2", SESSION, calls=(GET_MACIE_SESSION,), fetch=fetch_session),
)
