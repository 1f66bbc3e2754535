"""The ``aws-integration`` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import itertools
import json
import logging
import os
import re
import secrets
import signal
import sys
import textwrap
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

# Only what building the parser and reporting errors need is imported here: botocore, the
# configuration's models and the job machinery load in the commands that use them, so
# `--help`, `query` or `export` start without them.
from aws_integration.errors import ConfigError, IntegrationError
from aws_integration.integrations.aws.defaults import DEFAULT_CONCURRENCY, DEFAULT_READ_TIMEOUT, DEFAULT_ROLE_NAME
from aws_integration.steps.report import RunReport, StepStatus
from aws_integration.jobs.history import change_lines, format_changes, format_runs
from aws_integration.store import CommitSummary, GraphStore, StoreAddress, StoreError, default_store_path
from aws_integration.store.bulk import DEFAULT_IMPORT_SOURCE, BulkDataError, load_bulk_files
from aws_integration.store.derivations import open_graph_store

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

    from aws_integration.config import AlertRule, Instance, Known
    from aws_integration.integrations.aws.engine.clients import ClientSettings
    from aws_integration.jobs.run import InstanceRun, Job, TargetRun

T = TypeVar("T")
EXIT_OK = 0
EXIT_STEP_FAILED = 1
EXIT_ERROR = 2
EXIT_NOT_READY = 3
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141: what a shell reports for `export | head`
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, as a shell reports a process SIGTERM ended
REPLACE_DELETION_LIMIT = 10  # records an import may delete from its source without --yes

TEMPLATE_FILES = {  # setup's formats besides the policy, and the file each is written to
    "cloudformation": "aws-integration-role.cfn.json",
    "terraform": "aws-integration-role.tf",
    "instructions": "aws-integration-setup.md",
}

log = logging.getLogger("aws_integration")


def _regions(value: str) -> tuple[str, ...]:
    regions = tuple(part.strip() for part in value.split(",") if part.strip())
    if not regions:
        raise argparse.ArgumentTypeError("expected a comma-separated list of regions")
    return regions


def _services(value: str) -> frozenset[str]:
    from aws_integration.integrations.aws.registry import default_registry

    services = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(services - default_registry().services)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown service(s) {', '.join(unknown)} (known: {', '.join(sorted(default_registry().services))})"
        )
    return services


def _seconds(value: str) -> float:
    number = float(value)
    if not 0 < number <= 3600:
        raise argparse.ArgumentTypeError("must be a number of seconds between 0 and 3600")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _count(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 64:
        raise argparse.ArgumentTypeError("must be a whole number from 0 to 64")
    return number


def _plain(docstring: str | None) -> str:
    """A docstring as ``--help`` shows it: without reStructuredText markup."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", docstring or "")
    return text.replace("``", "")


def _version() -> str:
    import importlib.metadata  # read when asked: the installed package's metadata costs a run 12 ms to load

    try:
        return importlib.metadata.version("aws-integration")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """``--version``: prints the installed version and exits."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **options: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit", **options)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="aws-integration", description=_plain(__doc__))
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                           help="log each step's outcome (-vv: also each AWS request)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log each step's outcome (-vv: also each AWS request)")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, **options: Any) -> argparse.ArgumentParser:
        """A subcommand; each takes -v/-vv after its name too."""
        return commands.add_parser(name, parents=[verbosity], **options)

    store_help = (f"the store: a SQLite file, or a PostgreSQL database as postgresql://user@host/database "
                  f"(default: ${'{'}AWS_INTEGRATION_STORE{'}'} or {default_store_path()})")
    run = command("ingest", help="collect the account's resources into the store")
    run.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG with --instance)")
    run.add_argument("--instance", help="run this instance of the configuration file once (for cron)")
    run.add_argument("--regions", type=_regions, help="comma-separated regions (default: every enabled region)")
    run.add_argument("--store", help=store_help)
    run.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    run.add_argument("--account-name", help="name of the account in the graph (default: its alias or ID)")
    run.add_argument("--tag-with-account-name", action="store_true", help="add tag.AccountName to every entity")
    chosen = run.add_mutually_exclusive_group()
    chosen.add_argument("--include-services", type=_services, metavar="S1,S2",
                        help="run only the steps of these services (e.g. ec2,s3)")
    chosen.add_argument("--exclude-services", type=_services, metavar="S1,S2",
                        help="leave these services out (their steps are disabled, their stored data kept)")
    run.add_argument("--concurrency", type=_positive, default=DEFAULT_CONCURRENCY,
                     help=f"AWS requests in flight at once, over all processes (default {DEFAULT_CONCURRENCY})")
    run.add_argument("--processes", type=_positive, metavar="N",
                     help="processes that collect an account's steps at once (default: one per core)")
    run.add_argument("--parse-processes", type=_count, metavar="N",
                     help="worker processes that parse large AWS answers (default: none when several processes "
                          "collect, else one per core but one; 0: none)")
    run.add_argument("--read-timeout", type=_seconds, default=DEFAULT_READ_TIMEOUT, metavar="SECONDS",
                     help="seconds to wait for an AWS answer before retrying the request (default 30)")
    run.add_argument("--json", action="store_true", help="print the run report as JSON")
    run.add_argument(
        "--no-permission-check", action="store_true",
        help="do not read the caller's IAM policies to compare the checker's prediction with the run",
    )

    permissions = command(
        "permissions",
        help="report which resource types the role's policies let a run see (exit 0: all ready, 3: not all, 2: error)",
    )
    permissions.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG with --instance)")
    permissions.add_argument("--instance", help="check this instance of the configuration (AWS or SentinelOne)")
    permissions.add_argument("--role-arn", help="the role to check (default: the caller's own role or user)")
    permissions.add_argument(
        "--policy-file", action="append", default=[], metavar="FILE",
        help="a policy document to use when IAM cannot be read (repeatable)",
    )
    permissions.add_argument(
        "--boundary-file", action="append", default=[], metavar="FILE",
        help="a permissions boundary document, with --policy-file (repeatable)",
    )
    permissions.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    permissions.add_argument("--json", action="store_true", help="print the report as JSON")

    setup = command(
        "setup", help="generate the least-privilege IAM policy, CloudFormation or Terraform from the declarations"
    )
    setup.add_argument("--integration", choices=["aws", "sentinelone"], default="aws",
                       help="what to set up (default aws; sentinelone: --format instructions)")
    setup.add_argument("--format", choices=["policy", *TEMPLATE_FILES], default="policy", help="what to generate")
    setup.add_argument("--trusted-principal", metavar="ARN", help="who may assume the role (account root, role, user)")
    setup.add_argument("--external-id", metavar="ID", help="external ID for the trust policy (default: a random one)")
    setup.add_argument("--role-name", default=DEFAULT_ROLE_NAME, help=f"role name (default {DEFAULT_ROLE_NAME})")
    setup.add_argument(
        "--as-parameters", action="store_true",
        help="leave the trusted principal and external ID as template parameters; generate no external ID",
    )
    setup.add_argument("--partition", default="aws", help="ARN partition of the policy format (default: aws)")
    setup.add_argument("--output", type=Path, metavar="DIR", help="write the file(s) into this directory")

    schedule = command(
        "schedule", help="run every configured instance on its polling interval until stopped (SIGTERM/SIGINT)"
    )
    schedule.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG)")
    schedule.add_argument("--store", help=store_help)
    schedule.add_argument("--concurrency", type=_positive, default=DEFAULT_CONCURRENCY,
                          help=f"AWS requests in flight per run, over all its processes (default {DEFAULT_CONCURRENCY})")
    schedule.add_argument("--processes", type=_positive, metavar="N",
                          help="processes that collect an account's steps at once (default: one per core)")
    schedule.add_argument("--parse-processes", type=_count, metavar="N",
                          help="worker processes that parse large AWS answers (default: none when several processes "
                               "collect, else one per core but one; 0: none)")
    schedule.add_argument("--read-timeout", type=_seconds, default=DEFAULT_READ_TIMEOUT, metavar="SECONDS",
                          help="seconds to wait for an AWS answer before retrying the request (default 30)")
    schedule.add_argument("--no-permission-check", action="store_true", help="as for ingest")
    schedule.add_argument("--broker", metavar="URL",
                          help="enqueue the due runs for workers on this Redis broker (redis://host:6379/0) instead of "
                               "running them here (docs/scale.md)")

    worker = command("worker", help="run the instances' tasks the scheduler enqueues on a broker, until stopped")
    worker.add_argument("--broker", metavar="URL", required=True, help="the Redis broker (redis://host:6379/0)")
    worker.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG)")
    worker.add_argument("--store", help=store_help)
    worker.add_argument("--redeliver-after", type=_positive, metavar="SECONDS", default=300,
                        help="when a task's worker died, deliver it again after this many seconds (the broker's "
                             "visibility timeout; a second delivery of a run still going finds it locked; default 300)")
    worker.add_argument("--concurrency", type=_positive, default=DEFAULT_CONCURRENCY,
                        help=f"AWS requests in flight per run, over all its processes (default {DEFAULT_CONCURRENCY})")
    worker.add_argument("--processes", type=_positive, metavar="N",
                        help="processes that collect an account's steps at once (default: one per core)")
    worker.add_argument("--no-permission-check", action="store_true", help="as for ingest")

    runs = command("runs", help="list the run history: start, duration, status, counts, skipped types")
    runs.add_argument("--instance", help="only this instance's runs")
    runs.add_argument("--store", help=store_help)
    runs.add_argument("--limit", type=_positive, default=20, help="newest N runs (default 20)")
    runs.add_argument("--json", action="store_true", help="print JSON")

    changes = command("changes", help="print what a run created, updated and deleted")
    changes.add_argument("run_id", type=int, metavar="RUN_ID", help="a run ID from 'aws-integration runs'")
    changes.add_argument("--store", help=store_help)
    changes.add_argument("--json", action="store_true", help="print JSON")

    config = command("config", help="validate the configuration file and list its instances")
    config.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG)")

    query = command("query", help="ask the stored graph: FIND aws_instance WITH tag.Environment = 'staging'")
    query.add_argument("query", metavar="QUERY", help="FIND <type|Class|*> [AS a] [WITH ...] [THAT VERB ...] "
                                                      "[RETURN ...] [LIMIT n] (see docs/query.md)")
    query.add_argument("--store", help=store_help)
    query.add_argument("--format", choices=["table", "json", "csv", "html", "dot"], default="table",
                       help="output format; html (a page that draws the matched graph) and dot (Graphviz) draw "
                            "what the query matched, whatever it returns")
    query.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to this file instead of standard output")

    questions = command("questions", help="the saved security questions: list them, or run them on the stored graph")
    questions.add_argument("names", nargs="*", metavar="NAME", help="run only these questions (implies --run)")
    questions.add_argument("--run", action="store_true", help="run every question and print its answer")
    questions.add_argument("--store", help=store_help)
    questions.add_argument("--format", choices=["table", "json"], default="table", help="output format")

    export = command("export", help="print the stored graph (the bulk-upload shape)")
    export.add_argument("--store", help=store_help)
    export.add_argument("--source", help="only this source (e.g. aws:123456789012)")
    export.add_argument("--format", choices=["json", "jsonl"], default="json",
                        help='json: {"entities": [...], "relationships": [...]}; jsonl: one record per line')

    load = command("import", help="add custom entities and relationships from JSON or YAML files")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE", help='files of {"entities": [...], "relationships": [...]}')
    load.add_argument("--store", help=store_help)
    load.add_argument("--source", default=DEFAULT_IMPORT_SOURCE,
                      help=f"the source the files replace (default {DEFAULT_IMPORT_SOURCE}); AWS runs never touch it, "
                           "and integrations' sources (aws:...) cannot be imported into")
    mode = load.add_mutually_exclusive_group()
    mode.add_argument("--merge", action="store_true",
                      help="add the files' records to the source and update those of the same key; delete nothing")
    mode.add_argument("--yes", action="store_true",
                      help=f"replace even when that deletes more than {REPLACE_DELETION_LIMIT} records")
    load.add_argument("--dry-run", action="store_true", help="print the change set the import would make; write nothing")

    docs = command("docs", help="print the data-model reference generated from the declarations")
    docs.add_argument("--output", type=Path, help="write to this file instead of standard output")
    return parser


def _configure_logging(verbosity: int, command: str) -> None:
    """Our own progress only: botocore's debug output carries signed headers and tokens.

    Run and alert records are JSON lines of their own (no prefix), for log shippers;
    ``schedule`` always logs them, other commands with ``-v``.
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)
    for library in ("botocore", "aiobotocore"):  # their warnings repeat what our one-line errors say
        logging.getLogger(library).setLevel(logging.WARNING if verbosity else logging.ERROR)
    if command == "schedule":
        logging.getLogger("aws_integration.schedule").setLevel(logging.INFO)
    plain = logging.StreamHandler(sys.stderr)
    plain.setFormatter(logging.Formatter("%(message)s"))
    for name in ("aws_integration.runs", "aws_integration.alerts"):
        records = logging.getLogger(name)
        records.handlers = [plain]
        records.propagate = False
        records.setLevel(logging.INFO if command == "schedule" or verbosity else logging.WARNING)


def _uses_custom_endpoint() -> bool:
    return any(name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_") for name in os.environ)


def _headline(report: RunReport) -> tuple[str, str]:
    """What the run reached, and where its scope lies, in the words of its integration."""
    if report.integration == "aws":
        regions: list[str] = report.details.get("regions", [])
        return (f"Account {report.target_id}: {len(regions)} region(s) ({', '.join(regions)})",
                f"in {', '.join(regions) or 'no region'} and global; stored data of other regions and of types "
                "not collected is kept")
    scope = f", {report.details['tokenScope']}-scoped token" if report.details.get("tokenScope") else ""
    return (f"Console {report.target_id}{scope}", "of the console; stored data of types not collected is kept")


def _format_summary(report: RunReport, address: StoreAddress) -> str:
    steps = report.steps
    counts = {status: sum(1 for step in steps if step.status is status) for status in StepStatus}
    reached, where = _headline(report)
    lines = [
        f"{reached}, {report.seconds:.1f} s, {report.api_calls} API calls"
        + (f" ({report.retries} retried requests)" if report.retries else ""),
        f"Status: {report.status} ({counts[StepStatus.SUCCESS]} steps succeeded, "
        f"{counts[StepStatus.DISABLED]} disabled, {counts[StepStatus.FAILURE]} failed)",
    ]
    if report.details.get("note"):
        lines.append(f"Note: {report.details['note']}")
    if report.details.get("unverifiedRegions"):
        lines.append(f"Regions not verified (used as given): {report.details['unverifiedRegions']}")
    lines += [
        f"Scope: {len({name for step in steps for name in step.entity_types} & set(report.scope))} entity types "
        f"{where}",
        "",
        f"Entities ({sum(report.entity_counts.values())}):",
    ]
    lines += [f"  {name:<34} {count:>6}" for name, count in sorted(report.entity_counts.items())]
    lines += ["", f"Relationships ({sum(report.relationship_counts.values())}):"]
    lines += [f"  {name:<44} {count:>6}" for name, count in sorted(report.relationship_counts.items())]
    problems = [step for step in steps if step.status is not StepStatus.SUCCESS]
    if problems:
        lines += ["", "Steps that did not succeed (data stored earlier for their types is kept):"]
        width = max(len(step.step_id) for step in problems)
        for step in problems:
            reason = f" ({step.reason.value})" if step.reason else ""
            lines.append(f"  {step.step_id:<{width}} {step.status.value}{reason}: {step.message}")
        lines += ["", "Skipped types:"]
        for skipped in report.skipped_types:
            missing = f"; missing {', '.join(skipped.missing_actions)}" if skipped.missing_actions else ""
            lines.append(f"  {skipped.type:<44} {skipped.step_id} {skipped.reason}{missing}")
    lines += _format_prediction(report.permission_check)
    store = report.store
    if store:
        entities, relationships = store["entities"], store["relationships"]
        lines += [
            "",
            f"Stored in {address} (run {store['runId']}): entities {entities['created']} new, "
            f"{entities['updated']} changed, {entities['deleted']} deleted, "
            f"{entities['keptFromEarlierRuns']} kept from earlier runs; relationships "
            f"{relationships['created']} new, {relationships['updated']} changed, {relationships['deleted']} deleted, "
            f"{relationships['keptFromEarlierRuns']} kept from earlier runs",
        ]
        dangling = store.get("danglingRelationships") or {}
        if dangling:
            lines.append(
                "Not stored, endpoint missing from the graph: "
                + ", ".join(f"{count} {name}" for name, count in sorted(dangling.items()))
            )
    return "\n".join(lines)


def _format_prediction(check: dict[str, object]) -> list[str]:
    if not check:
        return []
    if "unavailable" in check:
        return ["", f"Permission prediction unavailable: {check['unavailable']}"]
    disagreements = check["disagreements"]
    assert isinstance(disagreements, list)
    predicted = ", ".join(check["predictedDenied"]) or "none"  # type: ignore[arg-type]
    lines = ["", f"Permission check for {check['subject']}: predicted denied {predicted}; "
             f"{check['confirmed']} predictions confirmed, {len(disagreements)} disagreement(s)"]
    lines += [f"  {item['stepId']} {item['action']}: {item['explanation']}" for item in disagreements]
    return lines


def _client_settings(session: AioSession, concurrency: int = 32) -> ClientSettings:
    from aws_integration.integrations.aws.engine.clients import settings_for

    return settings_for(session, max_concurrency=concurrency, s3_path_style=_uses_custom_endpoint())


def _known() -> Known:
    """AWS's services, every declared type with its properties, and botocore's regions: what a configuration is
    checked against."""
    import botocore.session

    from aws_integration.config import Known
    from aws_integration.integrations import declared_properties
    from aws_integration.integrations.aws.registry import default_registry

    session = botocore.session.get_session()
    regions = {region for partition in session.get_available_partitions()
               for region in session.get_available_regions("ec2", partition_name=partition)}
    return Known(default_registry().services, declared_properties(), frozenset(regions))


def _instance(args: argparse.Namespace) -> tuple[Instance, tuple[AlertRule, ...]] | None:
    """The configured instance to run and the alert rules, when ``--instance`` or ``--config`` says so."""
    if args.instance is None and args.config is None:
        return None  # the command line's account: pydantic and the configuration's models are not imported
    from aws_integration.config import config_path, load_config

    config = load_config(config_path(args.config), _known())
    if args.instance is None:
        if len(config.instances) != 1:
            raise IntegrationError("the configuration has several instances: name one with --instance")
        return config.instances[0], config.alerts
    return config.instance(args.instance), config.alerts


class Terminated(Exception):
    """SIGTERM stopped the command; handled as Ctrl-C is."""


async def _stoppable(work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``; SIGTERM cancels it as Ctrl-C does (a run is recorded interrupted), then raises Terminated."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    terminated = False

    def stop() -> None:
        nonlocal terminated
        terminated = True
        if task is not None:
            task.cancel()

    loop.add_signal_handler(signal.SIGTERM, stop)
    try:
        return await work
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _check_aws_configuration(args: argparse.Namespace, instances: Sequence[Instance | None]) -> None:
    """Refuse a retry or endpoint setting no client can use before anything is opened or created."""
    from aws_integration.integrations import integration_of
    from aws_integration.integrations.aws.engine.clients import check_client_configuration, new_session

    aws = [instance for instance in instances if integration_of(instance).name == "aws"]
    for profile in {(instance.profile if instance else None) or getattr(args, "profile", None) for instance in aws}:
        check_client_configuration(new_session(profile))


def _job(args: argparse.Namespace, store: GraphStore, rules: Sequence[AlertRule] = ()) -> Job:
    from aws_integration.integrations.aws.engine.workers import usable_cores
    from aws_integration.integrations.aws.registry import default_registry
    from aws_integration.jobs.alerts import AlertSink
    from aws_integration.jobs.run import Job, JobSettings

    settings = JobSettings(
        profile=getattr(args, "profile", None),
        regions=getattr(args, "regions", None),
        account_name=getattr(args, "account_name", None),
        tag_with_account_name=getattr(args, "tag_with_account_name", False),
        check_permissions=not getattr(args, "no_permission_check", False),
        concurrency=getattr(args, "concurrency", DEFAULT_CONCURRENCY),
        read_timeout=getattr(args, "read_timeout", DEFAULT_READ_TIMEOUT),
        parse_processes=getattr(args, "parse_processes", None),
        processes=getattr(args, "processes", None) or usable_cores(),
        s3_path_style=_uses_custom_endpoint(),
        include_services=getattr(args, "include_services", None) or frozenset(),
        exclude_services=getattr(args, "exclude_services", None) or frozenset(),
    )
    return Job(default_registry(), store, settings, rules, AlertSink())


def _target_json(run: TargetRun) -> dict[str, object]:
    if run.report is not None:
        return {**run.report.to_dict(), "runId": run.run_id, "alerts": [alert.payload() for alert in run.alerts]}
    return {"integration": run.integration, "targetId": run.target_id, "status": run.status, "error": run.error,
            "runId": run.run_id}


def _print_instance_run(outcome: InstanceRun, address: StoreAddress, as_json: bool) -> None:
    organization = len(outcome.accounts) != 1 or bool(outcome.left_out)
    if as_json:
        accounts = [_target_json(run) for run in outcome.accounts]
        left_out = [{"accountId": member.id, "name": member.name, "reason": member.skipped_because}
                    for member in outcome.left_out]
        body: object = (
            {"instance": outcome.instance, "status": outcome.status, "accounts": accounts, "leftOut": left_out}
            if organization else accounts[0]
        )
        print(json.dumps(body, indent=2))
        return
    for run in outcome.accounts:
        if organization:
            print(f"== {run.target_name or run.target_id} ({run.target_id}) ==")
        if run.report is not None:
            print(_format_summary(run.report, address))
            for alert in run.alerts:
                print(alert.headline)
        else:
            print(f"{run.status}: {run.error} (run {run.run_id})")
        if organization:
            print()
    for member in outcome.left_out:
        print(f"Not ingested: {member.name} ({member.id}): {member.skipped_because}")


def run_ingest(args: argparse.Namespace) -> int:
    """``aws-integration ingest``: one run, of the command line's account or of a configured instance."""
    loaded = _instance(args)  # a bad configuration stops everything before the store is touched
    instance, rules = loaded if loaded else (None, ())
    _check_aws_configuration(args, [instance])
    address = StoreAddress.of(args.store)
    created, unused = not address.exists(), False
    try:
        with open_graph_store(address.location) as store:
            lock = address.instance_lock(instance.name) if instance else contextlib.nullcontext()
            try:
                with lock:
                    outcome = asyncio.run(_stoppable(_job(args, store, rules).run(instance)))
            except IntegrationError:
                unused = created and instance is None and not store.runs(limit=1)
                raise
    except IntegrationError:
        if unused:
            address.remove_unused()  # a run that could not start leaves no empty store behind
        raise
    if instance is not None and not getattr(instance, "organization", False) and outcome.accounts[0].report is None:
        raise IntegrationError(f"{outcome.accounts[0].error} (recorded as run {outcome.accounts[0].run_id})")
    _print_instance_run(outcome, address, args.json)
    return EXIT_STEP_FAILED if outcome.status == "failure" else EXIT_OK


def _diagnose_instance(args: argparse.Namespace, instance: Any) -> int:
    """``permissions`` of a configured instance of another integration than AWS, through its integration."""
    from aws_integration.integrations import integration_of

    integration = integration_of(instance)
    aws_only = [flag for flag, given in (("--role-arn", args.role_arn), ("--profile", args.profile),
                                         ("--policy-file", args.policy_file), ("--boundary-file", args.boundary_file))
                if given]
    if aws_only:
        raise IntegrationError(f"{aws_only[0]} is for AWS; {instance.name!r} is a {integration.title} instance")
    diagnosis = asyncio.run(integration.diagnose(instance))
    print(json.dumps(diagnosis.to_dict(), indent=2) if args.json else diagnosis.format())
    return EXIT_OK if diagnosis.all_ready else EXIT_NOT_READY


def run_permissions(args: argparse.Namespace) -> int:
    """``aws-integration permissions``: which resource types will be skipped, and why."""
    from botocore.exceptions import BotoCoreError

    from aws_integration.config import AwsInstance
    from aws_integration.integrations.aws.engine.clients import check_client_configuration, new_session
    from aws_integration.integrations.aws.permissions.diagnose import DiagnosticRequest, diagnose, format_report
    from aws_integration.integrations.aws.registry import default_registry

    loaded = _instance(args)
    instance = loaded[0] if loaded else None
    if instance is not None and not isinstance(instance, AwsInstance):
        return _diagnose_instance(args, instance)
    if args.boundary_file and not args.policy_file:
        raise IntegrationError("--boundary-file needs --policy-file")
    session = new_session(args.profile or (instance.profile if instance else None))
    check_client_configuration(session)
    role_arn = args.role_arn or (instance.role_arn if instance else None)
    request = DiagnosticRequest(role_arn, tuple(args.policy_file), tuple(args.boundary_file))
    try:
        report = asyncio.run(diagnose(default_registry(), session, _client_settings(session), request))
    except BotoCoreError as error:
        raise IntegrationError(str(error)) from None
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return EXIT_OK if report.all_ready else EXIT_NOT_READY


def _external_id(args: argparse.Namespace) -> str | None:
    """The given external ID, or a new random one shown once on standard error (never logged)."""
    if args.external_id or args.as_parameters or args.format in ("policy", "instructions"):
        return args.external_id
    external_id = secrets.token_urlsafe(24)
    print(
        f"Generated external ID (shown once; keep it with the role ARN, aws-integration needs both): {external_id}",
        file=sys.stderr,
    )
    return external_id


def _write_output(args: argparse.Namespace, files: dict[str, str], text: str) -> int:
    """Print ``text``, or write ``files`` into ``--output`` and list them."""
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    args.output.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (args.output / name).write_text(content, encoding="utf-8")
        print(args.output / name)
    return EXIT_OK


def _instructions_of(args: argparse.Namespace) -> int:
    """``setup --integration NAME`` of another integration than AWS: its walkthrough, the one artefact it needs."""
    from aws_integration.integrations import integrations

    integration = integrations()[args.integration]
    if args.format != "instructions":
        raise IntegrationError(f"{integration.title} is set up by hand: use --format instructions")
    aws_only = [name for name in ("trusted_principal", "external_id", "as_parameters") if getattr(args, name)]
    if aws_only or args.role_name != DEFAULT_ROLE_NAME or args.partition != "aws":
        raise IntegrationError("--trusted-principal, --external-id, --role-name, --as-parameters and --partition "
                               "are for AWS")
    text = integration.instructions()
    return _write_output(args, {f"{integration.name}-setup.md": text}, text)


def run_setup(args: argparse.Namespace) -> int:
    """``aws-integration setup``: artefacts a security team reviews before granting access."""
    import botocore.session

    from aws_integration.integrations.aws.registry import default_registry
    from aws_integration.integrations.aws.setup.instructions import render_instructions
    from aws_integration.integrations.aws.setup.policy import least_privilege_policies, policy_files
    from aws_integration.integrations.aws.setup.templates import RoleSettings, cloudformation, terraform

    if args.integration != "aws":
        return _instructions_of(args)
    registry = default_registry()
    partitions = botocore.session.get_session().get_available_partitions()
    if args.partition not in partitions:
        raise IntegrationError(f"--partition must be one of {', '.join(partitions)}, not {args.partition!r}")
    try:
        settings = RoleSettings(args.trusted_principal, args.external_id, args.role_name, args.partition)
    except ValueError as error:
        raise IntegrationError(str(error)) from None
    if settings.external_id is None:
        settings = dataclasses.replace(settings, external_id=_external_id(args))
    if args.format == "policy":
        documents = least_privilege_policies(registry, args.partition)
        files = policy_files(documents)
        text = json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n"
    else:
        render = {"cloudformation": cloudformation, "terraform": terraform, "instructions": render_instructions}
        text = render[args.format](registry, settings)
        files = {TEMPLATE_FILES[args.format]: text}
    return _write_output(args, files, text)


def run_config(args: argparse.Namespace) -> int:
    """``aws-integration config``: every problem of the file, or what each instance will do."""
    from aws_integration.config import config_path, load_config

    path = config_path(args.config)
    config = load_config(path, _known())
    print(f"{path}: {len(config.instances)} instance(s)")
    for instance in config.instances:
        print(f"  {instance.name}: {instance.polling_interval.value}, {instance.summary()}")
    for rule in config.alerts:
        changes = "/".join(kind.value for kind in rule.change)
        where = f" of {rule.property_name}" if rule.property_name else ""
        target = ", webhook" if rule.webhook else ""
        print(f"  alert {rule.name!r}: {changes}{where} on {rule.type}{target}")
    return EXIT_OK


def _existing_store(args: argparse.Namespace) -> str:
    """The location of the store ``--store`` names, which must exist."""
    address = StoreAddress.of(args.store)
    if not address.exists():
        raise StoreError(f"no store at {address}: run 'aws-integration ingest' first")
    return address.location


def run_schedule(args: argparse.Namespace) -> int:
    """``aws-integration schedule``: every instance on its interval, until SIGTERM or SIGINT."""
    from aws_integration.config import config_path, load_config
    from aws_integration.jobs.scheduler import Scheduler
    from aws_integration.jobs.workers import celery_app, check_broker, enqueue, shown_broker

    path = config_path(args.config)
    config = load_config(path, _known())
    scheduled = [instance for instance in config.instances if instance.polling_interval.period is not None]
    if not scheduled:
        raise IntegrationError(
            f"no instance in {path} has a polling interval (DISABLED instances run only with 'ingest --instance')"
        )
    _check_aws_configuration(args, scheduled)
    address = StoreAddress.of(args.store)
    app = celery_app(args.broker) if args.broker else None
    if app is not None:
        check_broker(app)

    async def serve(store: GraphStore) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        if app is not None:  # each due instance is one task; the workers lock and run it

            async def run(instance: Any) -> None:
                enqueue(app, instance.name)
        else:
            run = _job(args, store, config.alerts).run

        def last_start(name: str) -> datetime | None:
            started = store.last_start(name)
            return datetime.fromisoformat(started) if started else None

        scheduler = Scheduler(config.instances, run, last_start, address.instance_lock)
        logging.getLogger("aws_integration.schedule").info(
            "scheduling %s from %s into %s%s", ", ".join(f"{i.name} ({i.polling_interval.value})" for i in scheduled),
            path, address, f", run by the workers of {shown_broker(args.broker)}" if args.broker else "",
        )
        await scheduler.run(stop)

    with open_graph_store(address.location) as store:
        asyncio.run(serve(store))
    print("aws-integration: schedule stopped", file=sys.stderr)
    return EXIT_OK


def run_worker(args: argparse.Namespace) -> int:
    """``aws-integration worker``: take the broker's tasks one at a time, until SIGTERM (after the task in hand)."""
    from aws_integration.config import config_path, load_config
    from aws_integration.jobs.workers import (
        Deliveries, celery_app, check_broker, register_tasks, send_target, shown_broker)

    path = config_path(args.config)
    config = load_config(path, _known())
    _check_aws_configuration(args, config.instances)
    address = StoreAddress.of(args.store)
    app = celery_app(args.broker, args.redeliver_after)
    check_broker(app)
    with open_graph_store(address.location):  # a store that cannot be opened stops the worker before any task
        pass
    deliveries = Deliveries({instance.name: instance for instance in config.instances}, address,
                            lambda store: _job(args, store, config.alerts), send_target(app))
    register_tasks(app, deliveries)
    logging.getLogger("aws_integration.workers").info(
        "working for %s from %s into %s", shown_broker(args.broker), path, address)
    # One task at a time in this process (``solo``): a run starts processes of its own, which a pool's
    # daemonic children could not. More workers are more processes, on this machine or others.
    app.worker_main(["worker", "--pool=solo", "--without-gossip", "--without-mingle",
                     f"--loglevel={'INFO' if args.verbose else 'WARNING'}", f"--hostname=aws-integration-{os.getpid()}@%h"])
    return EXIT_OK


def run_runs(args: argparse.Namespace) -> int:
    """``aws-integration runs``: the run history, newest first."""
    with open_graph_store(_existing_store(args)) as store:
        runs = store.runs(instance=args.instance, limit=args.limit)
    print(json.dumps([run.to_dict() for run in runs], indent=2) if args.json else format_runs(runs))
    return EXIT_OK


def run_changes(args: argparse.Namespace) -> int:
    """``aws-integration changes RUN_ID``: the run's change set."""
    with open_graph_store(_existing_store(args)) as store:
        run = store.run(args.run_id)
        changes = store.changes(args.run_id)
    if args.json:
        print(json.dumps({"run": run.to_dict(), "changes": [change.to_dict() for change in changes]}, indent=2,
                         ensure_ascii=False))
    else:
        print(format_changes(run, changes))
    return EXIT_OK


def run_query(args: argparse.Namespace) -> int:
    """``aws-integration query``: the stored graph, asked in the query language."""
    from aws_integration.integrations import declared_properties
    from aws_integration.query import QueryError, QuerySyntaxError, parse_query
    from aws_integration.query.run import query_warnings
    from aws_integration.query.run import run_query as answer

    from aws_integration.query.render import to_dot, to_html
    from aws_integration.query.run import matched_subgraph

    with open_graph_store(_existing_store(args)) as store:
        try:
            parsed = parse_query(args.query)
            if args.format in ("html", "dot"):
                graph = matched_subgraph(store, parsed)
                text = to_html(graph, args.query) if args.format == "html" else to_dot(graph, args.query)
            else:
                result = answer(store, parsed)
                text = {"table": result.to_table, "json": result.to_json, "csv": result.to_csv}[args.format]()
            for warning in query_warnings(store, parsed, declared_properties()):
                print(f"aws-integration: warning: {warning}", file=sys.stderr)
        except QuerySyntaxError as error:
            pointer = "\n" + textwrap.indent(error.pointer(), "  ") if sys.stderr.isatty() else ""
            raise IntegrationError(f"query: {error}{pointer}") from None
        except QueryError as error:
            raise IntegrationError(f"query: {error}") from None
    text = text if text.endswith("\n") else text + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise IntegrationError(f"cannot write {args.output}: {error.strerror or error}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def run_questions(args: argparse.Namespace) -> int:
    """``aws-integration questions``: the saved security questions, listed, or answered from the store."""
    from aws_integration.query.questions import SECURITY_QUESTIONS
    from aws_integration.query.run import run_query as answer
    from aws_integration.suggest import did_you_mean

    known = {question.name: question for question in SECURITY_QUESTIONS}
    for name in args.names:
        if name not in known:
            raise IntegrationError(f"no saved question {name!r}{did_you_mean(name, known)}: "
                                   "'aws-integration questions' lists them")
    chosen = [known[name] for name in dict.fromkeys(args.names)] or list(SECURITY_QUESTIONS)
    if not (args.run or args.names):
        if args.format == "json":
            print(json.dumps([vars(question) for question in chosen], indent=2, ensure_ascii=False))
            return EXIT_OK
        width = max(len(question.name) for question in chosen)
        for question in chosen:
            print(f"{question.name:<{width}}  {question.area:<9}  {question.text}")
        print(f"\n{len(chosen)} questions; run them with 'aws-integration questions --run' (or name some)")
        return EXIT_OK
    with open_graph_store(_existing_store(args)) as store:
        results = [(question, answer(store, question.query)) for question in chosen]
    if args.format == "json":
        print(json.dumps([{**vars(question), "columns": list(result.columns), "rows": result.records()}
                          for question, result in results], indent=2, ensure_ascii=False))
        return EXIT_OK
    for question, result in results:
        print(f"## {question.name}: {question.text}\n{result.to_table()}\n")
    found = sum(1 for _, result in results if result.rows)
    print(f"{found} of {len(results)} questions have findings")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """``aws-integration export``: the stored graph as ``{"entities": [...], "relationships": [...]}`` or JSON lines."""
    with open_graph_store(_existing_store(args)) as store:
        entities, relationships = store.entities(args.source), store.relationships(args.source)
        if args.format == "jsonl":
            for record in itertools.chain(entities, relationships):
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            return EXIT_OK
        graph = {"entities": list(entities), "relationships": list(relationships)}
    json.dump(graph, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def _refuse_large_replace(source: str) -> Callable[[CommitSummary], None]:
    """A commit check: a replace may not delete more than REPLACE_DELETION_LIMIT records unasked."""

    def check(summary: CommitSummary) -> None:
        entities, relationships = summary.entities.deleted, summary.relationships.deleted
        if entities + relationships > REPLACE_DELETION_LIMIT:
            raise IntegrationError(
                f"this import replaces source {source!r} and would delete {entities} entities and {relationships} "
                f"relationships the files no longer list (more than {REPLACE_DELETION_LIMIT}); nothing was imported: "
                "list them with --dry-run, keep them with --merge, or replace anyway with --yes")

    return check


def _import_counts(summary: CommitSummary) -> str:
    entities, relationships = summary.entities, summary.relationships
    return (f"entities {entities.created} new, {entities.updated} changed, {entities.deleted} deleted; relationships "
            f"{relationships.created} new, {relationships.updated} changed, {relationships.deleted} deleted")


def run_import(args: argparse.Namespace) -> int:
    """``aws-integration import``: custom data, validated whole before anything is written."""
    address = StoreAddress.of(args.store)
    if not address.exists():  # an invalid import (or a dry run) must not even create the store
        batch = load_bulk_files(args.files, args.source, None, merge=args.merge)
        if args.dry_run:
            print(f"Would import {len(batch.entities)} entities and {len(batch.relationships)} relationships into "
                  f"source {args.source!r} of a new store {address}, all of them new (dry run: nothing was written)")
            return EXIT_OK
    with open_graph_store(address.location) as store:
        batch = load_bulk_files(args.files, args.source, store, merge=args.merge)
        what = f"{len(batch.entities)} entities and {len(batch.relationships)} relationships into source {args.source!r}"
        if args.dry_run:
            summary, changes = store.preview_run(batch)
            print(f"Would import {what} of {address}: {_import_counts(summary)} (dry run: nothing was written)")
            for change in changes:
                print("\n".join(change_lines(change)))
            return EXIT_OK
        summary = store.commit_run(batch, None if args.merge or args.yes else _refuse_large_replace(args.source))
    mode = " (merged: nothing deleted)" if args.merge else ""
    print(f"Imported {what} of {address} (run {summary.run_id}){mode}: {_import_counts(summary)}")
    return EXIT_OK


def run_docs(args: argparse.Namespace) -> int:
    """``aws-integration docs``: the data-model reference."""
    from aws_integration.docgen import render_data_model
    from aws_integration.integrations.aws.registry import default_registry

    text = render_data_model(default_registry())
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


COMMANDS = {
    "ingest": run_ingest,
    "permissions": run_permissions,
    "setup": run_setup,
    "schedule": run_schedule,
    "worker": run_worker,
    "runs": run_runs,
    "changes": run_changes,
    "config": run_config,
    "query": run_query,
    "questions": run_questions,
    "export": run_export,
    "import": run_import,
    "docs": run_docs,
}


def run() -> None:
    """The command's entry point: :func:`main`, then an exit that does not sweep the heap.

    A large run leaves millions of objects behind, which the interpreter's last garbage
    collection would walk one by one (1.5 s after an Organization of 21 accounts) just
    before the system takes the memory back. Frozen, they are skipped by it; everything
    is still closed and flushed as on any exit.
    """
    code = main()
    gc.freeze()
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit on any error the user can fix."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.command)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # inside the handlers: a reader that went away is a broken pipe, not a traceback
        return code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to say to a closed pipe
        return EXIT_BROKEN_PIPE
    except ConfigError as error:
        for problem in error.problems:
            print(f"aws-integration: error: {error.path}: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except BulkDataError as error:
        if len(error.problems) == 1:
            print(f"aws-integration: error: {error.problems[0]} (nothing was imported)", file=sys.stderr)
            return EXIT_ERROR
        for problem in error.problems:
            print(f"aws-integration: error: {problem}", file=sys.stderr)
        print(f"aws-integration: error: nothing was imported ({len(error.problems)} problems)", file=sys.stderr)
        return EXIT_ERROR
    except (IntegrationError, StoreError) as error:
        print(f"aws-integration: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:  # a path the command was given: missing, not writable, a directory, an existing file
        where = f"{error.filename}: " if error.filename else ""
        print(f"aws-integration: error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("aws-integration: interrupted; nothing was stored", file=sys.stderr)
        return 130
    except Terminated:
        print("aws-integration: terminated (SIGTERM); nothing was stored", file=sys.stderr)
        return EXIT_TERMINATED
