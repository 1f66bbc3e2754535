"""Inspector (v2) coverage, per region: whether it scans the account's EC2 instances, ECR images and Lambda functions."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext

BATCH_GET_ACCOUNT_STATUS = ApiCall("inspector2", "BatchGetAccountStatus")



def _coverage_key(item: RawItem, scope: TransformContext) -> str:
    return f"aws_inspector2_coverage:{item['accountId']}:{scope.region}"


COVERAGE = mapped_type(
    "aws_inspector2_coverage", ("Scanner",),
    "What Inspector scans in one region of the account (a region where it is off says DISABLED).",
    key=_coverage_key, display_name=lambda item: f"Inspector {item.get('Region') or ''}".strip(),
    status=("string: ENABLED, DISABLED, ENABLING, DISABLING, SUSPENDED or SUSPENDING.", "state.status"),
    enabled=("boolean: Whether Inspector is on in the region.", equals("state.status", "ENABLED")),
    **{f"{scan}Scanning": (f"boolean: Whether it scans {label}.", equals(f"resourceState.{scan}.status", "ENABLED"))
       for scan, label in (("ec2", "EC2 instances"), ("ecr", "ECR images"), ("lambda", "Lambda functions' packages"),
                           ("lambdaCode", "Lambda functions' code"))},
)


async def fetch_coverage(context: FetchContext) -> list[RawItem]:
    """The account's Inspector status in the region."""
    answer = await context.call(BATCH_GET_ACCOUNT_STATUS, accountIds=[context.scope.account_id]) or {}
    return [{**account, "Region": context.region} for account in answer.get("accounts") or []
            if account.get("accountId") == context.scope.account_id]


STEPS = (
    mapped_step("fetch-inspector2-coverage", "Inspector coverage", "inspector2", COVERAGE,
                calls=(BATCH_GET_ACCOUNT_STATUS,), fetch=fetch_coverage),
)
