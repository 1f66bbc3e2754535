"""One run of one integration instance: its account, or every account of its organization.

Each account's run is collected, stored with its change set, checked against the alert
rules and logged as one structured line. A run that cannot start (a role that cannot
be assumed, unreachable endpoint) is recorded in the history with its error and stores
nothing; a run that is cancelled (SIGTERM, Ctrl-C) is recorded as interrupted and
stores nothing either: collection writes nothing until its single commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError

from aws_integration.config import AlertRule, Instance
from aws_integration.engine.assume import assume_role_session
from aws_integration.engine.clients import DEFAULT_READ_TIMEOUT, ClientPool, ClientSettings, home_region, new_session, settings_for
from aws_integration.errors import IntegrationError
from aws_integration.engine.report import RunReport
from aws_integration.engine.runner import RunOptions, ingest
from aws_integration.jobs.alerts import Alert, AlertSink, match_rules
from aws_integration.jobs.organization import MemberAccount, member_accounts
from aws_integration.registry import Registry
from aws_integration.store import Change, CommitSummary, GraphBatch, RunLease, SqliteStore, StoreError

run_log = logging.getLogger("aws_integration.runs")
SessionFactory = Callable[[str | None], AioSession]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class JobSettings:
    """What the command line adds to (or, without a configuration, stands in for) an instance."""

    profile: str | None = None
    regions: tuple[str, ...] | None = None
    account_name: str | None = None
    tag_with_account_name: bool = False
    check_permissions: bool = True
    concurrency: int = 32
    read_timeout: float = DEFAULT_READ_TIMEOUT
    parse_processes: int | None = None
    s3_path_style: bool = False
    include_services: frozenset[str] = frozenset()
    exclude_services: frozenset[str] = frozenset()
    session_factory: SessionFactory = new_session


@dataclass
class AccountRun:
    """How one account's run ended: the stored run, or the error that stopped it."""

    instance: str | None
    account_id: str | None
    account_name: str | None
    started_at: str
    seconds: float
    status: str
    run_id: int | None = None
    error: str | None = None
    report: RunReport | None = None
    summary: CommitSummary | None = None
    alerts: list[Alert] = field(default_factory=list)

    def log_record(self) -> dict[str, Any]:
        """The structured line logged for this run (no credential, no external ID)."""
        record: dict[str, Any] = {
            "event": "run",
            "instance": self.instance,
            "accountId": self.account_id,
            "accountName": self.account_name,
            "runId": self.run_id,
            "status": self.status,
            "startedAt": self.started_at,
            "seconds": round(self.seconds, 3),
        }
        if self.report is not None:
            record["apiCalls"] = self.report.api_calls
            record["retries"] = self.report.retries
            record["entities"] = sum(self.report.entity_counts.values())
            record["relationships"] = sum(self.report.relationship_counts.values())
            record["skippedTypes"] = sorted({skipped.type for skipped in self.report.skipped_types})
        if self.summary is not None:
            record["changes"] = {
                kind: {"created": changes.created, "updated": changes.updated, "deleted": changes.deleted}
                for kind, changes in (("entities", self.summary.entities), ("relationships", self.summary.relationships))
            }
        if self.alerts:
            record["alerts"] = [alert.rule for alert in self.alerts]
        if self.error:
            record["error"] = self.error
        return record


@dataclass
class InstanceRun:
    """Every account run of one instance run, and the organization's accounts left out."""

    instance: str | None
    accounts: list[AccountRun]
    left_out: list[MemberAccount] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status of its account runs (``interrupted`` > ``failure`` > ``partial`` > ``success``)."""
        order = ("interrupted", "failure", "partial", "success")
        statuses = {run.status for run in self.accounts}
        return next((status for status in order if status in statuses), "success")


class Job:
    """Runs instances against one store, with the alert rules of the configuration."""

    def __init__(
        self,
        registry: Registry,
        store: SqliteStore,
        settings: JobSettings = JobSettings(),
        rules: Sequence[AlertRule] = (),
        sink: AlertSink | None = None,
    ) -> None:
        self.registry = registry
        self.store = store
        self.settings = settings
        self.rules = tuple(rules)
        self.sink = sink

    async def run(self, instance: Instance | None) -> InstanceRun:
        """Run ``instance`` once (or, without one, the account the standard credentials reach)."""
        name = instance.name if instance else None
        source = self.settings.session_factory((instance.profile if instance else None) or self.settings.profile)
        if instance is None or instance.role_arn is None:
            return InstanceRun(name, [await self._run_account(instance, source, None)])
        role_arn, external_id = instance.role_arn, instance.external_id
        assert external_id is not None  # the configuration requires it with roleArn
        home_account = role_arn.split(":")[4]
        started, clock = _now(), time.monotonic()
        try:
            session = await self._assume(source, role_arn, external_id.get_secret_value())
        except IntegrationError as error:
            return InstanceRun(name, [self._failed(instance, home_account, None, started, clock, str(error))])
        if not instance.organization:
            return InstanceRun(name, [await self._run_account(instance, session, None)])
        return await self._run_organization(instance, source, session, home_account)

    async def _assume(self, source: AioSession, role_arn: str, external_id: str) -> AioSession:
        return await assume_role_session(source, role_arn, external_id, into=self.settings.session_factory(None))

    def _client_settings(self, session: AioSession) -> ClientSettings:
        return settings_for(session, max_concurrency=self.settings.concurrency, s3_path_style=self.settings.s3_path_style,
                            read_timeout=self.settings.read_timeout, parse_processes=self.settings.parse_processes)

    async def _run_organization(
        self, instance: Instance, source: AioSession, home_session: AioSession, home_account: str
    ) -> InstanceRun:
        started, clock = _now(), time.monotonic()
        try:
            async with ClientPool(home_session, self._client_settings(home_session)) as clients:
                members = await member_accounts(clients, home_region(home_session))
        except (IntegrationError, BotoCoreError) as error:
            failed = self._failed(instance, home_account, None, started, clock, f"cannot list the organization's accounts: {error}")
            return InstanceRun(instance.name, [failed])
        if not members:
            failed = self._failed(instance, home_account, None, started, clock,
                                  "the organization lists no accounts: is roleArn in its management or a delegated-admin account?")
            return InstanceRun(instance.name, [failed])
        partition = str(instance.role_arn).split(":")[1]
        slots = asyncio.Semaphore(instance.organization_concurrency)

        async def one(member: MemberAccount) -> AccountRun:
            async with slots:
                if member.id == home_account:
                    return await self._run_account(instance, home_session, member)
                begun, begun_clock = _now(), time.monotonic()
                assert instance.external_id is not None and instance.role_name is not None
                try:
                    session = await self._assume(
                        source, member.role_arn(partition, instance.role_name), instance.external_id.get_secret_value()
                    )
                except IntegrationError as error:
                    return self._failed(instance, member.id, member.name, begun, begun_clock, str(error))
                return await self._run_account(instance, session, member)

        included = [member for member in members if member.skipped_because is None]
        for member in members:
            if member.skipped_because:
                run_log.info(json.dumps({"event": "account-skipped", "instance": instance.name,
                                         "accountId": member.id, "reason": member.skipped_because}))
        tasks = [asyncio.create_task(one(member)) for member in included]
        try:
            runs = await asyncio.gather(*tasks)
        except BaseException:  # the store failed, or the run was stopped: no account goes on alone
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return InstanceRun(instance.name, list(runs), [member for member in members if member.skipped_because])

    def _options(self, instance: Instance | None, member: MemberAccount | None, session: AioSession) -> RunOptions:
        settings = self.settings
        return RunOptions(
            regions=settings.regions or (instance.regions if instance else None),
            account_name=settings.account_name or (member.name if member else instance.name if instance else None),
            tag_with_account_name=settings.tag_with_account_name or bool(instance and instance.tag_with_account_name),
            check_permissions=settings.check_permissions,
            include_services=settings.include_services or frozenset(instance.services.include if instance else ()),
            exclude_services=settings.exclude_services or frozenset(instance.services.exclude if instance else ()),
            client_settings=self._client_settings(session),
        )

    async def _run_account(
        self, instance: Instance | None, session: AioSession, member: MemberAccount | None
    ) -> AccountRun:
        name = instance.name if instance else None
        account_id = member.id if member else None
        account_name = member.name if member else None
        started, clock = _now(), time.monotonic()
        lease = self.store.begin_run(instance=name, started_at=started, source=f"aws:{account_id}" if account_id else "")
        try:  # the graph is staged in the store as it is collected, and merged by the commit below
            collected = await ingest(self.registry, session, self._options(instance, member, session),
                                     sink=self.store.staging(lease))
        except StoreError as error:  # the store failed while staging: the run cannot be stored
            self.store.abandon_run(lease, str(error), keep_record=instance is not None)
            raise
        except (IntegrationError, BotoCoreError) as error:
            return self._failed(instance, account_id, account_name, started, clock, str(error), lease=lease)
        except asyncio.CancelledError:
            self._failed(instance, account_id, account_name, started, clock, "stopped before it finished; nothing was stored",
                         status="interrupted", lease=lease)
            raise
        except Exception as error:  # a bug: recorded like any failure, then raised for its traceback
            self.store.record_failed_run(source="", instance=name, started_at=started, finished_at=_now(),
                                         error=f"{type(error).__name__}: {error}", lease=lease)
            raise
        report = collected.report
        summary = self.store.commit_run(
            GraphBatch(
                source=f"aws:{report.account_id}",
                entities=[],
                relationships=[],
                # The run replaces only the (type, region) units it collected; the rest is kept.
                partial_entity_types=set(),
                partial_relationship_types=set(),
                units=collected.units,
                status=report.status,
                started_at=report.started_at,
                finished_at=report.finished_at,
                report=report.to_dict(),
                instance=name,
                lease=lease,
            )
        )
        report.store = summary.to_dict()
        run = AccountRun(
            name, report.account_id, account_name or (instance.name if instance else None), started,
            time.monotonic() - clock, report.status, summary.run_id, None, report, summary,
        )
        run.alerts = self._alerts(run, summary)
        self._log(run)
        if self.sink is not None:
            for alert in run.alerts:
                await self.sink.emit(alert)
        return run

    def _alerts(self, run: AccountRun, summary: CommitSummary) -> list[Alert]:
        """The rules this run's change set matches; a baseline run (nothing stored before) raises none."""
        rules = [rule for rule in self.rules if not rule.instances or run.instance in rule.instances]
        if not rules or summary.baseline:
            return []
        changes: list[Change] = self.store.changes(summary.run_id)
        return match_rules(rules, changes, run.instance, run.account_id, summary.run_id)

    def _failed(
        self,
        instance: Instance | None,
        account_id: str | None,
        account_name: str | None,
        started: str,
        clock: float,
        error: str,
        status: str = "failure",
        lease: RunLease | None = None,
    ) -> AccountRun:
        """Record a run of a configured instance that stored nothing, with its error.

        A command-line run without an instance keeps no history of failures: its error
        is raised for the command to print, and nothing is written.
        """
        if instance is None:
            if lease is not None:
                self.store.discard_run(lease)
            if status == "failure":
                raise IntegrationError(error)
            return AccountRun(None, account_id, account_name, started, time.monotonic() - clock, status, None, error)
        run_id = self.store.record_failed_run(
            source=f"aws:{account_id}" if account_id else "",
            instance=instance.name,
            started_at=started,
            finished_at=_now(),
            status=status,
            error=error,
            report={"accountId": account_id} if account_id else {},
            lease=lease,
        )
        run = AccountRun(
            instance.name, account_id, account_name, started, time.monotonic() - clock, status, run_id, error
        )
        self._log(run)
        return run

    def _log(self, run: AccountRun) -> None:
        run_log.info(json.dumps(run.log_record(), ensure_ascii=False))
