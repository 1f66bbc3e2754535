"""The member accounts of an AWS Organization, as the management or a delegated-admin account lists them.

Suspended and closed accounts are not ingested; neither is an account tagged
``j1-integration: SKIP`` (the convention of the field, so an organization's existing
tags keep working). The calls are declared here, so the generated policy grants them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from aws_integration.integrations.aws.declarations import ApiCall
from aws_integration.integrations.aws.engine.clients import ClientPool
from aws_integration.integrations.aws.engine.preflight import explain_failure

LIST_ACCOUNTS = ApiCall("organizations", "ListAccounts", "Accounts")
LIST_TAGS_FOR_RESOURCE = ApiCall("organizations", "ListTagsForResource", "Tags")
DESCRIBE_ACCOUNT = ApiCall("organizations", "DescribeAccount")  # one member, for a worker's task
ORGANIZATION_CALLS = (LIST_ACCOUNTS, LIST_TAGS_FOR_RESOURCE, DESCRIBE_ACCOUNT)
SKIP_TAG_KEY = "j1-integration"
SKIP_TAG_VALUE = "SKIP"
TAG_LISTINGS_IN_FLIGHT = 4  # the Organizations request quota is shared by every caller of the management account


@dataclass(frozen=True)
class MemberAccount:
    """An account of the organization and, when it is not ingested, why."""

    id: str
    name: str
    status: str
    skipped_because: str | None = None

    def role_arn(self, partition: str, role_name: str) -> str:
        """The ARN of ``role_name`` in this account."""
        return f"arn:{partition}:iam::{self.id}:role/{role_name}"


async def _paginate(clients: ClientPool, region: str, call: ApiCall, **parameters: str) -> list[dict[str, object]]:
    client = await clients.get(call.service, region)
    items: list[dict[str, object]] = []
    try:
        async for page in client.get_paginator(call.method).paginate(**parameters):
            items.extend(page.get(call.result_key, []))
    except (ClientError, BotoCoreError) as error:
        raise explain_failure(error, call) from None
    return items


def _skip_reason(status: str, tags: list[dict[str, object]]) -> str | None:
    if status != "ACTIVE":
        return f"account status is {status}"
    for tag in tags:
        if tag.get("Key") == SKIP_TAG_KEY and str(tag.get("Value", "")).upper() == SKIP_TAG_VALUE:
            return f"tagged {SKIP_TAG_KEY}: {SKIP_TAG_VALUE}"
    return None


async def member_accounts(clients: ClientPool, region: str) -> list[MemberAccount]:
    """Every account of the organization, in ID order, each marked when it is not ingested."""
    accounts = sorted(await _paginate(clients, region, LIST_ACCOUNTS), key=lambda item: str(item["Id"]))
    slots = asyncio.Semaphore(TAG_LISTINGS_IN_FLIGHT)

    async def member(account: dict[str, object]) -> MemberAccount:
        status = str(account.get("Status", "ACTIVE"))
        async with slots:
            tags = await _paginate(clients, region, LIST_TAGS_FOR_RESOURCE, ResourceId=str(account["Id"]))
        return MemberAccount(str(account["Id"]), str(account.get("Name", account["Id"])), status, _skip_reason(status, tags))

    return list(await asyncio.gather(*(member(account) for account in accounts)))


async def member_account(clients: ClientPool, region: str, account_id: str) -> MemberAccount:
    """One account of the organization, as :func:`member_accounts` lists it (a worker's task knows only its ID)."""
    client = await clients.get(DESCRIBE_ACCOUNT.service, region)
    try:
        account = (await client.describe_account(AccountId=account_id))["Account"]
    except (ClientError, BotoCoreError) as error:
        raise explain_failure(error, DESCRIBE_ACCOUNT) from None
    status = str(account.get("Status", "ACTIVE"))
    tags = await _paginate(clients, region, LIST_TAGS_FOR_RESOURCE, ResourceId=account_id)
    return MemberAccount(account_id, str(account.get("Name", account_id)), status, _skip_reason(status, tags))
