"""The ``aws-integration`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError

from aws_integration.config import ConfigError, Instance, config_path, load_config
from aws_integration.engine.assume import assume_role_session
from aws_integration.engine.clients import ClientSettings, new_session, settings_for
from aws_integration.engine.errors import IntegrationError
from aws_integration.engine.report import RunReport, StepStatus
from aws_integration.engine.runner import CollectedGraph, RunOptions, ingest
from aws_integration.registry import Registry, default_registry
from aws_integration.setup.instructions import render_instructions
from aws_integration.setup.templates import DEFAULT_ROLE_NAME, RoleSettings, cloudformation, terraform
from aws_integration.store import GraphBatch, SqliteStore, StoreError, default_store_path

EXIT_OK = 0
EXIT_STEP_FAILED = 1
EXIT_ERROR = 2
EXIT_NOT_READY = 3

TEMPLATE_FORMATS: dict[str, tuple[str, Callable[[Registry, RoleSettings], str]]] = {
    "cloudformation": ("aws-integration-role.cfn.json", cloudformation),
    "terraform": ("aws-integration-role.tf", terraform),
    "instructions": ("aws-integration-setup.md", render_instructions),
}

log = logging.getLogger("aws_integration")


def _regions(value: str) -> tuple[str, ...]:
    regions = tuple(part.strip() for part in value.split(",") if part.strip())
    if not regions:
        raise argparse.ArgumentTypeError("expected a comma-separated list of regions")
    return regions


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="aws-integration", description=__doc__)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    commands = parser.add_subparsers(dest="command", required=True)

    store_help = f"SQLite store (default: ${'{'}AWS_INTEGRATION_STORE{'}'} or {default_store_path()})"
    run = commands.add_parser("ingest", help="collect the account's resources into the store")
    run.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG with --instance)")
    run.add_argument("--instance", help="run this instance of the configuration file once (for cron)")
    run.add_argument("--regions", type=_regions, help="comma-separated regions (default: every enabled region)")
    run.add_argument("--store", type=Path, help=store_help)
    run.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    run.add_argument("--account-name", help="name of the account in the graph (default: its alias or ID)")
    run.add_argument("--tag-with-account-name", action="store_true", help="add tag.AccountName to every entity")
    run.add_argument("--concurrency", type=_positive, default=32, help="AWS requests in flight at once (default 32)")
    run.add_argument("--json", action="store_true", help="print the run report as JSON")
    run.add_argument(
        "--no-permission-check", action="store_true",
        help="do not read the caller's IAM policies to compare the checker's prediction with the run",
    )

    permissions = commands.add_parser(
        "permissions",
        help="report which resource types the role's policies let a run see (exit 0: all ready, 3: not all, 2: error)",
    )
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

    setup = commands.add_parser(
        "setup", help="generate the least-privilege IAM policy, CloudFormation or Terraform from the declarations"
    )
    setup.add_argument("--format", choices=["policy", *TEMPLATE_FORMATS], default="policy", help="what to generate")
    setup.add_argument("--trusted-principal", metavar="ARN", help="who may assume the role (account root, role, user)")
    setup.add_argument("--external-id", metavar="ID", help="external ID for the trust policy (default: a random one)")
    setup.add_argument("--role-name", default=DEFAULT_ROLE_NAME, help=f"role name (default {DEFAULT_ROLE_NAME})")
    setup.add_argument(
        "--as-parameters", action="store_true",
        help="leave the trusted principal and external ID as template parameters; generate no external ID",
    )
    setup.add_argument("--partition", default="aws", help="ARN partition of the policy format (default: aws)")
    setup.add_argument("--output", type=Path, metavar="DIR", help="write the file(s) into this directory")

    config = commands.add_parser("config", help="validate the configuration file and list its instances")
    config.add_argument("--config", type=Path, help="configuration file (default: $AWS_INTEGRATION_CONFIG)")

    export = commands.add_parser("export", help="print the stored graph as JSON")
    export.add_argument("--store", type=Path, help=store_help)
    export.add_argument("--source", help="only this source (e.g. aws:123456789012)")

    docs = commands.add_parser("docs", help="print the data-model reference generated from the declarations")
    docs.add_argument("--output", type=Path, help="write to this file instead of standard output")
    return parser


def _configure_logging(verbosity: int) -> None:
    """Our own progress only: botocore's debug output carries signed headers and tokens."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)


def _uses_custom_endpoint() -> bool:
    return any(name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_") for name in os.environ)


def _format_summary(report: RunReport, store_path: Path) -> str:
    steps = report.steps
    counts = {status: sum(1 for step in steps if step.status is status) for status in StepStatus}
    lines = [
        f"Account {report.account_id}: {len(report.regions)} region(s) ({', '.join(report.regions)}), "
        f"{report.seconds:.1f} s, {report.api_calls} API calls",
        f"Status: {report.status} ({counts[StepStatus.SUCCESS]} steps succeeded, "
        f"{counts[StepStatus.DISABLED]} disabled, {counts[StepStatus.FAILURE]} failed)",
        "",
        f"Entities ({sum(report.entity_counts.values())}):",
    ]
    lines += [f"  {name:<34} {count:>6}" for name, count in sorted(report.entity_counts.items())]
    lines += ["", f"Relationships ({sum(report.relationship_counts.values())}):"]
    lines += [f"  {name:<44} {count:>6}" for name, count in sorted(report.relationship_counts.items())]
    problems = [step for step in steps if step.status is not StepStatus.SUCCESS]
    if problems:
        lines += ["", "Steps that did not succeed (data stored earlier for their types is kept):"]
        for step in problems:
            reason = f" ({step.reason.value})" if step.reason else ""
            lines.append(f"  {step.step_id:<28} {step.status.value}{reason}: {step.message}")
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
            f"Stored in {store_path} (run {store['run_id']}): entities {entities['created']} new, "
            f"{entities['updated']} changed, {entities['deleted']} deleted, "
            f"{entities['kept_from_earlier_runs']} kept from earlier runs; relationships "
            f"{relationships['created']} new, {relationships['updated']} changed, {relationships['deleted']} deleted, "
            f"{relationships['kept_from_earlier_runs']} kept from earlier runs",
        ]
        dangling = store.get("dangling_relationships") or {}
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
    return settings_for(session, max_concurrency=concurrency, s3_path_style=_uses_custom_endpoint())


def _instance(args: argparse.Namespace) -> Instance | None:
    """The configured instance to run, when ``--instance`` or ``--config`` says so."""
    if args.instance is None and args.config is None:
        return None
    config = load_config(config_path(args.config), default_registry().services)
    if args.instance is None:
        if len(config.instances) != 1:
            raise IntegrationError("the configuration has several instances: name one with --instance")
        return config.instances[0]
    return config.instance(args.instance)


async def _collect(args: argparse.Namespace, instance: Instance | None) -> CollectedGraph:
    """One run, with the command line's options or a configured instance's."""
    session = new_session((instance.profile if instance else None) or args.profile)
    if instance and instance.role_arn and instance.external_id:
        session = await assume_role_session(session, instance.role_arn, instance.external_id.get_secret_value())
    options = RunOptions(
        regions=args.regions or (instance.regions if instance else None),
        account_name=args.account_name or (instance.name if instance else None),
        tag_with_account_name=args.tag_with_account_name or bool(instance and instance.tag_with_account_name),
        check_permissions=not args.no_permission_check,
        include_services=frozenset(instance.services.include) if instance else frozenset(),
        exclude_services=frozenset(instance.services.exclude) if instance else frozenset(),
        client_settings=_client_settings(session, args.concurrency),
    )
    return await ingest(default_registry(), session, options)


def run_ingest(args: argparse.Namespace) -> int:
    """``aws-integration ingest``."""
    instance = _instance(args)  # a bad configuration stops everything before the store is touched
    store_path = args.store or default_store_path()
    with SqliteStore(store_path) as store:
        try:
            collected = asyncio.run(_collect(args, instance))
        except BotoCoreError as error:
            raise IntegrationError(str(error)) from None
        report = collected.report
        summary = store.commit_run(
            GraphBatch(
                source=f"aws:{report.account_id}",
                entities=collected.entities,
                relationships=collected.relationships,
                partial_entity_types=collected.partial_entity_types,
                partial_relationship_types=collected.partial_relationship_types,
                status=report.status,
                started_at=report.started_at,
                finished_at=report.finished_at,
                report=report.to_dict(),
            )
        )
        report.store = summary.to_dict()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(_format_summary(report, store_path))
    return EXIT_STEP_FAILED if report.status == "failure" else EXIT_OK


def run_permissions(args: argparse.Namespace) -> int:
    """``aws-integration permissions``: which resource types will be skipped, and why."""
    from aws_integration.permissions.diagnose import DiagnosticRequest, diagnose, format_report

    if args.boundary_file and not args.policy_file:
        raise IntegrationError("--boundary-file needs --policy-file")
    session = new_session(args.profile)
    request = DiagnosticRequest(args.role_arn, tuple(args.policy_file), tuple(args.boundary_file))
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


def run_setup(args: argparse.Namespace) -> int:
    """``aws-integration setup``: artefacts a security team reviews before granting access."""
    from aws_integration.setup.policy import least_privilege_policies, policy_files

    registry = default_registry()
    settings = RoleSettings(args.trusted_principal, _external_id(args), args.role_name)
    if args.format == "policy":
        documents = least_privilege_policies(registry, args.partition)
        files = policy_files(documents)
        text = json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n"
    else:
        name, render = TEMPLATE_FORMATS[args.format]
        text = render(registry, settings)
        files = {name: text}
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    args.output.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (args.output / name).write_text(content, encoding="utf-8")
        print(args.output / name)
    return EXIT_OK


def run_config(args: argparse.Namespace) -> int:
    """``aws-integration config``: every problem of the file, or what each instance will do."""
    path = config_path(args.config)
    config = load_config(path, default_registry().services)
    print(f"{path}: {len(config.instances)} instance(s)")
    for instance in config.instances:
        access = instance.role_arn or (f"profile {instance.profile}" if instance.profile else "default credentials")
        external = " with an external ID" if instance.external_id else ""
        regions = ", ".join(instance.regions) if instance.regions else "every enabled region"
        chosen = instance.services
        services_text = (
            f"only {', '.join(chosen.include)}" if chosen.include
            else f"all but {', '.join(chosen.exclude)}" if chosen.exclude else "all services"
        )
        print(f"  {instance.name}: {instance.polling_interval.value}, account via {access}{external}; "
              f"{regions}; {services_text}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """``aws-integration export``: the stored graph as ``{"entities": [...], "relationships": [...]}``."""
    store_path = args.store or default_store_path()
    if not store_path.exists():
        raise StoreError(f"no store at {store_path}: run 'aws-integration ingest' first")
    with SqliteStore(store_path) as store:
        graph = {"entities": list(store.entities(args.source)), "relationships": list(store.relationships(args.source))}
    json.dump(graph, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def run_docs(args: argparse.Namespace) -> int:
    """``aws-integration docs``: the data-model reference."""
    from aws_integration.docgen import render_data_model

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
    "config": run_config,
    "export": run_export,
    "docs": run_docs,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit on any error the user can fix."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as error:
        for problem in error.problems:
            print(f"aws-integration: error: {error.path}: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except (IntegrationError, StoreError) as error:
        print(f"aws-integration: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("aws-integration: interrupted; nothing was stored", file=sys.stderr)
        return 130
