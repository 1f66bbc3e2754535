"""One run of one integration instance: each of its targets (an AWS account, or every account
of an Organization; a SentinelOne console).

Each target's run is collected, stored with its change set, checked against the alert
rules and logged as one structured line. A run that cannot start (a role that cannot
be assumed, unreachable endpoint) is recorded in the history with its error and stores
nothing; a run that is cancelled (SIGTERM, Ctrl-C) is recorded as interrupted and
stores nothing either: collection writes nothing until its single commit.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiobotocore.session import AioSession

from aws_integration.integrations.aws.engine.clients import DEFAULT_READ_TIMEOUT, new_session
from aws_integration.integrations.aws.defaults import DEFAULT_CONCURRENCY
from aws_integration.errors import IntegrationError
from aws_integration.graph.sink import GraphSink
from aws_integration.jobs.alerts import Alert, AlertSink, match_rules
from aws_integration.integrations.aws.organization import MemberAccount
from aws_integration.integrations.aws.registry import Registry
from aws_integration.steps.report import RunReport
from aws_integration.steps.runner import CollectedGraph
from aws_integration.store import Change, CommitSummary, GraphBatch, RunLease, GraphStore, StoreError

if TYPE_CHECKING:  # the configuration's models (pydantic) are only loaded by the commands that read one
    from aws_integration.config import AlertRule, Instance

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
    concurrency: int = DEFAULT_CONCURRENCY  # requests in flight, over all the processes of a run
    read_timeout: float = DEFAULT_READ_TIMEOUT
    parse_processes: int | None = None
    processes: int = 1  # collecting an account's steps (see integrations/aws/engine/processes.py)
    s3_path_style: bool = False
    include_services: frozenset[str] = frozenset()
    exclude_services: frozenset[str] = frozenset()
    session_factory: SessionFactory = new_session


@dataclass(frozen=True)
class TargetPlan:
    """One target an integration is about to run: what it is, and how it is collected.

    ``target_id`` is None when only the run finds it out (the account the credentials
    reach); ``source`` names the store source from the finished run's report;
    ``failures`` are the errors that end the run as a failure (recorded) rather than as a bug.
    """

    integration: str
    target_id: str | None
    target_name: str | None
    source: Callable[[RunReport], str]
    collect: Callable[[GraphSink], Awaitable[CollectedGraph]]
    failures: tuple[type[BaseException], ...] = (IntegrationError,)
    known_source: str = ""  # the source, when it is known before the run


@dataclass
class TargetRun:
    """How one target's run ended (an AWS account, a console): the stored run, or the error that stopped it."""

    instance: str | None
    integration: str
    target_id: str | None
    target_name: str | None
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
            "integration": self.integration,
            "targetId": self.target_id,
            "targetName": self.target_name,
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
    """Every target run of one instance run, and the organization's accounts left out."""

    instance: str | None
    accounts: list[TargetRun]
    left_out: list[MemberAccount] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status of its account runs (``interrupted`` > ``failure`` > ``partial`` > ``success``)."""
        order = ("interrupted", "failure", "partial", "success")
        statuses = {run.status for run in self.accounts}
        return next((status for status in order if status in statuses), "success")


class Job:
    """Runs instances of every integration against one store, with the alert rules of the configuration.

    ``registry`` is AWS's (tests swap in smaller ones); other integrations bring their own.
    """

    def __init__(
        self,
        registry: Registry,
        store: GraphStore,
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
        """Run ``instance`` once with its integration (without one: the AWS account the standard credentials reach)."""
        from aws_integration.integrations import integration_of

        return await integration_of(instance).run(self, instance)

    async def run_target(self, instance: Any, plan: TargetPlan) -> TargetRun:
        """Collect one target into the store: staged as collected, committed with its change set, alerts raised."""
        name = instance.name if instance else None
        started, clock = _now(), time.monotonic()
        lease = self.store.begin_run(instance=name, started_at=started, source=plan.known_source, target={
            "integration": plan.integration, "targetId": plan.target_id, "targetName": plan.target_name})
        failed = functools.partial(self.failed, instance=instance, integration=plan.integration,
                                   target_id=plan.target_id, target_name=plan.target_name, started=started,
                                   clock=clock, lease=lease, source=plan.known_source)
        try:  # the graph is staged in the store as it is collected, and merged by the commit below
            collected = await plan.collect(self.store.staging(lease))
        except StoreError as error:  # the store failed while staging: the run cannot be stored
            self.store.abandon_run(lease, str(error), keep_record=instance is not None)
            raise
        except plan.failures as error:
            return failed(error=str(error))
        except asyncio.CancelledError:
            failed(error="stopped before it finished; nothing was stored", status="interrupted")
            raise
        except Exception as error:  # a bug: recorded like any failure, then raised for its traceback
            self.store.record_failed_run(source="", instance=name, started_at=started, finished_at=_now(),
                                         error=f"{type(error).__name__}: {error}", lease=lease)
            raise
        report = collected.report
        summary = self.store.commit_run(
            GraphBatch(
                source=plan.source(report),
                entities=[],
                relationships=[],
                # The run replaces only the (type, scope) units it collected; the rest is kept.
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
        run = TargetRun(
            name, plan.integration, report.target_id, plan.target_name or report.target_name or name, started,
            time.monotonic() - clock, report.status, summary.run_id, None, report, summary,
        )
        run.alerts = self._alerts(run, summary)
        self._log(run)
        if self.sink is not None:
            for alert in run.alerts:
                await self.sink.emit(alert)
        return run

    def _alerts(self, run: TargetRun, summary: CommitSummary) -> list[Alert]:
        """The rules this run's change set matches; a baseline run (nothing stored before) raises none."""
        rules = [rule for rule in self.rules if not rule.instances or run.instance in rule.instances]
        if not rules or summary.baseline:
            return []
        changes: list[Change] = self.store.changes(summary.run_id)
        return match_rules(rules, changes, run.instance, run.target_id, summary.run_id)

    def failed(
        self,
        *,
        instance: Any,
        integration: str,
        target_id: str | None,
        target_name: str | None,
        started: str,
        clock: float,
        error: str,
        status: str = "failure",
        lease: RunLease | None = None,
        source: str = "",
    ) -> TargetRun:
        """Record a run of a configured instance that stored nothing, with its error.

        A command-line run without an instance keeps no history of failures: its error
        is raised for the command to print, and nothing is written.
        """
        if instance is None:
            if lease is not None:
                self.store.discard_run(lease)
            if status == "failure":
                raise IntegrationError(error)
            return TargetRun(None, integration, target_id, target_name, started, time.monotonic() - clock, status,
                             None, error)
        report: dict[str, Any] = {"integration": integration, "targetId": target_id, "targetName": target_name}
        run_id = self.store.record_failed_run(
            source=source,
            instance=instance.name,
            started_at=started,
            finished_at=_now(),
            status=status,
            error=error,
            report={key: value for key, value in report.items() if value is not None},
            lease=lease,
        )
        run = TargetRun(instance.name, integration, target_id, target_name, started, time.monotonic() - clock, status,
                        run_id, error)
        self._log(run)
        return run

    def _log(self, run: TargetRun) -> None:
        run_log.info(json.dumps(run.log_record(), ensure_ascii=False))
