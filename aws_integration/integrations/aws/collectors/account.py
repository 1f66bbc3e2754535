"""The account itself: its ID, partition, alias and root user's credentials."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY, ApiCall, RawItem, Scope, StepDecl
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship


GET_CALLER_IDENTITY = ApiCall("sts", "GetCallerIdentity")
LIST_ACCOUNT_ALIASES = ApiCall("iam", "ListAccountAliases", "AccountAliases")
GET_ACCOUNT_SUMMARY = ApiCall("iam", "GetAccountSummary")


async def fetch_account(context: FetchContext) -> list[RawItem]:
    """The caller's account, its aliases and IAM's summary of it."""
    identity = await context.call(GET_CALLER_IDENTITY)
    aliases, summary = await context.together(
        lambda: context.items(LIST_ACCOUNT_ALIASES),
        lambda: context.call(GET_ACCOUNT_SUMMARY),
    )
    return [{"AccountId": (identity or {})["Account"], "Aliases": aliases,
             "Summary": (summary or {}).get("SummaryMap", {})}]


def _present(count: object) -> bool | None:
    """IAM's summary counts (0 or 1) as a flag; None when it is not in the summary."""
    return None if count is None else bool(count)


def transform_account(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_account``, named by the configured account name, else its alias, else its ID."""
    aliases = item.get("Aliases", [])
    name = scope.account_name or (aliases[0] if aliases else item["AccountId"])
    summary = item.get("Summary", {})
    yield build_entity(
        ACCOUNT_ENTITY,
        scope,
        key=scope.account_key,
        name=name,
        properties={
            "name": name,
            "partition": scope.partition,
            "aliases": aliases,
            "external": False,
            "rootMfaEnabled": _present(summary.get("AccountMFAEnabled")),
            "rootAccessKeysPresent": _present(summary.get("AccountAccessKeysPresent")),
            "mfaDevicesInUse": summary.get("MFADevicesInUse"),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-account",
        name="AWS account",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(GET_CALLER_IDENTITY, LIST_ACCOUNT_ALIASES, GET_ACCOUNT_SUMMARY),
        entities=(ACCOUNT_ENTITY,),
        fetch=fetch_account,
        transform=transform_account,
    ),
)
