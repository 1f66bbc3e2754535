"""The account itself: its ID, partition and alias."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY, ApiCall, RawItem, Scope, StepDecl
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship


GET_CALLER_IDENTITY = ApiCall("sts", "GetCallerIdentity")
LIST_ACCOUNT_ALIASES = ApiCall("iam", "ListAccountAliases", "AccountAliases")


async def fetch_account(context: FetchContext) -> list[RawItem]:
    """The caller's account and its aliases."""
    identity = await context.call(GET_CALLER_IDENTITY)
    aliases = await context.items(LIST_ACCOUNT_ALIASES)
    return [{"AccountId": (identity or {})["Account"], "Aliases": aliases}]


def transform_account(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_account``, named by the configured account name, else its alias, else its ID."""
    aliases = item.get("Aliases", [])
    name = scope.account_name or (aliases[0] if aliases else item["AccountId"])
    yield build_entity(
        ACCOUNT_ENTITY,
        scope,
        key=scope.account_key,
        name=name,
        properties={"name": name, "partition": scope.partition, "aliases": aliases, "external": False},
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-account",
        name="AWS account",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(GET_CALLER_IDENTITY, LIST_ACCOUNT_ALIASES),
        entities=(ACCOUNT_ENTITY,),
        fetch=fetch_account,
        transform=transform_account,
    ),
)
