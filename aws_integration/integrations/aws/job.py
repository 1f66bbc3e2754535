"""An AWS instance's run: its account, or every member account of its Organization.

The configured role is assumed (with its external ID) first; for an Organization, the
same role is then assumed in each member, ``organizationConcurrency`` at a time. Each
account is one target of the job: collected, committed and alerted on by itself. The
accounts in flight share the job's collecting processes (one per core), so an
Organization keeps every core busy without starting processes per account.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError

from aws_integration.integrations.aws.engine.assume import assume_role_session
from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings, home_region, settings_for
from aws_integration.integrations.aws.engine.processes import CollectingProcesses
from aws_integration.integrations.aws.engine.runner import RunOptions, collecting_processes, ingest
from aws_integration.errors import IntegrationError
from aws_integration.integrations.aws.organization import MemberAccount, member_account, member_accounts
from aws_integration.jobs.run import InstanceRun, Job, TargetPlan, TargetRun, _now, run_log

if TYPE_CHECKING:  # an instance's model (pydantic) is loaded only by the commands that read a configuration
    from aws_integration.integrations.aws.config import AwsInstance

INTEGRATION = "aws"


async def run_instance(job: Job, instance: AwsInstance | None) -> InstanceRun:
    """Run an AWS instance once (or, without one, the account the standard credentials reach)."""
    name = instance.name if instance else None
    source = _source(job, instance)
    if instance is None or instance.role_arn is None:
        return InstanceRun(name, [await run_account(job, instance, source, None)])
    home_account = _home_account(instance)
    started, clock = _now(), time.monotonic()
    try:
        session = await _assume_home(job, instance, source)
    except IntegrationError as error:
        return InstanceRun(name, [_failed(job, instance, home_account, None, started, clock, str(error))])
    if not instance.organization:
        return InstanceRun(name, [await run_account(job, instance, session, None)])
    return await _run_organization(job, instance, source, session, home_account)


def _source(job: Job, instance: AwsInstance | None) -> AioSession:
    """The session the instance's credentials give, before any role is assumed."""
    return job.settings.session_factory((instance.profile if instance else None) or job.settings.profile)


def _home_account(instance: AwsInstance) -> str:
    """The account of the instance's role: the Organization's management (or delegated-admin) account."""
    assert instance.role_arn is not None  # the caller checked
    return instance.role_arn.split(":")[4]


async def _assume_home(job: Job, instance: AwsInstance, source: AioSession) -> AioSession:
    """The instance's role assumed with its external ID (raises IntegrationError when it cannot be)."""
    assert instance.role_arn is not None and instance.external_id is not None  # the configuration requires both
    return await _assume(job, source, instance.role_arn, instance.external_id.get_secret_value())


def _failed(job: Job, instance: AwsInstance | None, account_id: str | None, account_name: str | None,
            started: str, clock: float, error: str) -> TargetRun:
    return job.failed(instance=instance, integration=INTEGRATION, target_id=account_id, target_name=account_name,
                      started=started, clock=clock, error=error, source=f"aws:{account_id}" if account_id else "")


async def _assume(job: Job, source: AioSession, role_arn: str, external_id: str) -> AioSession:
    return await assume_role_session(source, role_arn, external_id, into=job.settings.session_factory(None))


def _client_settings(job: Job, session: AioSession) -> ClientSettings:
    settings = job.settings
    parse_processes = settings.parse_processes
    if parse_processes is None and settings.processes > 1:
        parse_processes = 0  # the cores collect: a parsing worker would only compete with them
    return settings_for(session, max_concurrency=settings.concurrency, s3_path_style=settings.s3_path_style,
                        read_timeout=settings.read_timeout, parse_processes=parse_processes)


async def _run_organization(
    job: Job, instance: AwsInstance, source: AioSession, home_session: AioSession, home_account: str
) -> InstanceRun:
    # Started first: their imports overlap the listing of the accounts.
    processes = collecting_processes(job.registry, job.settings.processes, runs=instance.organization_concurrency)
    try:
        return await _run_members(job, instance, source, home_session, home_account, processes)
    finally:
        if processes is not None:
            processes.stop()


async def _members(
    job: Job, instance: AwsInstance, home_session: AioSession, home_account: str
) -> list[MemberAccount] | TargetRun:
    """The organization's accounts (those not ingested logged as skipped), or the recorded failure to list them."""
    started, clock = _now(), time.monotonic()
    try:
        async with ClientPool(home_session, _client_settings(job, home_session)) as clients:
            members = await member_accounts(clients, home_region(home_session))
    except (IntegrationError, BotoCoreError) as error:
        return _failed(job, instance, home_account, None, started, clock, f"cannot list the organization's accounts: {error}")
    if not members:
        return _failed(job, instance, home_account, None, started, clock,
                       "the organization lists no accounts: is roleArn in its management or a delegated-admin account?")
    for member in members:
        if member.skipped_because:
            run_log.info(json.dumps({"event": "account-skipped", "instance": instance.name,
                                     "accountId": member.id, "reason": member.skipped_because}))
    return members


async def _run_member(
    job: Job, instance: AwsInstance, source: AioSession, home_session: AioSession, home_account: str,
    member: MemberAccount, processes: CollectingProcesses | None = None,
) -> TargetRun:
    """One member account: the management account's own session, or the instance's role assumed in the member."""
    if member.id == home_account:
        return await run_account(job, instance, home_session, member, processes)
    begun, begun_clock = _now(), time.monotonic()
    assert instance.external_id is not None and instance.role_name is not None
    partition = str(instance.role_arn).split(":")[1]
    try:
        session = await _assume(
            job, source, member.role_arn(partition, instance.role_name), instance.external_id.get_secret_value()
        )
    except IntegrationError as error:
        return _failed(job, instance, member.id, member.name, begun, begun_clock, str(error))
    return await run_account(job, instance, session, member, processes)


async def _run_members(
    job: Job, instance: AwsInstance, source: AioSession, home_session: AioSession, home_account: str,
    processes: CollectingProcesses | None,
) -> InstanceRun:
    members = await _members(job, instance, home_session, home_account)
    if isinstance(members, TargetRun):
        return InstanceRun(instance.name, [members])
    slots = asyncio.Semaphore(instance.organization_concurrency)

    async def one(member: MemberAccount) -> TargetRun:
        async with slots:
            return await _run_member(job, instance, source, home_session, home_account, member, processes)

    included = [member for member in members if member.skipped_because is None]
    tasks = [asyncio.create_task(one(member)) for member in included]
    try:
        runs = await asyncio.gather(*tasks)
    except BaseException:  # the store failed, or the run was stopped: no account goes on alone
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return InstanceRun(instance.name, list(runs), [member for member in members if member.skipped_because])


def _options(job: Job, instance: AwsInstance | None, member: MemberAccount | None, session: AioSession) -> RunOptions:
    settings = job.settings
    return RunOptions(
        regions=settings.regions or (instance.regions if instance else None),
        account_name=settings.account_name or (member.name if member else instance.name if instance else None),
        tag_with_account_name=settings.tag_with_account_name or bool(instance and instance.tag_with_account_name),
        check_permissions=settings.check_permissions,
        include_services=settings.include_services or frozenset(instance.services.include if instance else ()),
        exclude_services=settings.exclude_services or frozenset(instance.services.exclude if instance else ()),
        client_settings=_client_settings(job, session),
        processes=settings.processes,
    )


async def run_account(
    job: Job, instance: AwsInstance | None, session: AioSession, member: MemberAccount | None,
    processes: CollectingProcesses | None = None,
) -> TargetRun:
    """One account of the instance: the one the session reaches, or the Organization's ``member``
    (collected with the Organization's ``processes``)."""
    options = _options(job, instance, member, session)
    account_id = member.id if member else None
    plan = TargetPlan(
        integration=INTEGRATION,
        target_id=account_id,
        target_name=member.name if member else None,
        source=lambda report: f"aws:{report.target_id}",
        collect=lambda sink: ingest(job.registry, session, options, sink=sink, processes=processes),
        failures=(IntegrationError, BotoCoreError),
        known_source=f"aws:{account_id}" if account_id else "",
    )
    return await job.run_target(instance, plan)


# -- an Organization's run split into tasks, one per member account (aws-integration worker) --------------------


async def member_targets(job: Job, instance: AwsInstance) -> list[str] | InstanceRun | None:
    """The member accounts a run of ``instance`` splits into, one task each: None for an instance that is one
    account; the recorded failure when the management role cannot be assumed or the accounts cannot be listed."""
    if not instance.organization:
        return None
    home_account = _home_account(instance)
    started, clock = _now(), time.monotonic()
    try:
        home_session = await _assume_home(job, instance, _source(job, instance))
    except IntegrationError as error:
        return InstanceRun(instance.name, [_failed(job, instance, home_account, None, started, clock, str(error))])
    members = await _members(job, instance, home_session, home_account)
    if isinstance(members, TargetRun):
        return InstanceRun(instance.name, [members])
    return [member.id for member in members if member.skipped_because is None]


async def run_member(job: Job, instance: AwsInstance, account_id: str) -> InstanceRun:
    """One member account of an Organization instance, as a worker's task: its name and status are read anew
    from the organization (the task carries only the account's ID); an account no longer ingested is skipped."""
    source, home_account = _source(job, instance), _home_account(instance)
    started, clock = _now(), time.monotonic()
    try:
        home_session = await _assume_home(job, instance, source)
        async with ClientPool(home_session, _client_settings(job, home_session)) as clients:
            member = await member_account(clients, home_region(home_session), account_id)
    except (IntegrationError, BotoCoreError) as error:
        return InstanceRun(instance.name, [_failed(job, instance, account_id, None, started, clock, str(error))])
    if member.skipped_because:
        run_log.info(json.dumps({"event": "account-skipped", "instance": instance.name, "accountId": member.id,
                                 "reason": member.skipped_because}))
        return InstanceRun(instance.name, [], [member])
    return InstanceRun(instance.name, [await _run_member(job, instance, source, home_session, home_account, member)])
