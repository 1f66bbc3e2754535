"""A SentinelOne instance's run: its console, one target."""

from __future__ import annotations

import asyncio

import aiohttp

from aws_integration.errors import IntegrationError
from aws_integration.integrations.sentinelone.client import ClientSettings, ConsoleClient
from aws_integration.integrations.sentinelone.config import SentinelOneInstance
from aws_integration.integrations.sentinelone.steps import console_registry
from aws_integration.integrations.sentinelone.target import ConsoleOptions, ingest_console
from aws_integration.jobs.run import InstanceRun, Job, TargetPlan

INTEGRATION = "sentinelone"


def client_for(instance: SentinelOneInstance) -> ConsoleClient:
    """A client of the instance's console, with its token and request rate."""
    return ConsoleClient(instance.management_url, instance.api_token.get_secret_value(),
                         ClientSettings(requests_per_second=instance.requests_per_second))


async def run_instance(job: Job, instance: SentinelOneInstance) -> InstanceRun:
    """Collect the instance's console into the store."""
    options = ConsoleOptions(account_name=instance.account_name, tag_with_account_name=instance.tag_with_account_name,
                             excluded=frozenset(instance.exclude), stale_after_days=instance.stale_after_days)
    plan = TargetPlan(
        integration=INTEGRATION,
        target_id=client_for(instance).host,
        target_name=instance.account_name or instance.name,
        source=lambda report: instance.source,
        collect=lambda sink: ingest_console(console_registry(), lambda: client_for(instance), options, sink),
        failures=(IntegrationError, aiohttp.ClientError, asyncio.TimeoutError),
        known_source=instance.source,
    )
    return InstanceRun(instance.name, [await job.run_target(instance, plan)])
