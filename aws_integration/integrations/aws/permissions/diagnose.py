"""The permission diagnostic: whose policies, read how, and the report as text.

The principal is the role given, or the caller (``sts:GetCallerIdentity``). Its
policies come from IAM, unless policy files are given: then those files are checked,
and AWS is not asked (the report says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError

from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings, home_region
from aws_integration.errors import IntegrationError
from aws_integration.integrations.aws.engine.preflight import identify
from aws_integration.integrations.aws.permissions.checker import PermissionReport, Readiness, StepCheck, check_principal
from aws_integration.integrations.aws.permissions.evaluator import Decision
from aws_integration.integrations.aws.permissions.principal import (
    Principal,
    PrincipalPolicies,
    policies_from_files,
    principal_from_arn,
)
from aws_integration.integrations.aws.permissions.principal import read_policies as read_principal_policies
from aws_integration.integrations.aws.registry import Registry

if TYPE_CHECKING:
    from aws_integration.integrations.aws.config import AwsInstance


@dataclass(frozen=True)
class DiagnosticRequest:
    """What the user asked to check."""

    role_arn: str | None = None
    policy_files: Sequence[str] = ()
    boundary_files: Sequence[str] = ()


async def _read_from_iam(session: AioSession, settings: ClientSettings, role_arn: str | None) -> PrincipalPolicies:
    region = home_region(session)
    async with ClientPool(session, settings) as clients:
        try:
            arn = role_arn or (await identify(clients, region)).arn
            return await read_principal_policies(clients, region, principal_from_arn(arn))
        except BotoCoreError as error:
            raise IntegrationError(str(error)) from None


def _from_files(request: DiagnosticRequest, principal: Principal | None) -> PrincipalPolicies:
    """The documents given, for the principal when it is known (its account narrows ARNs)."""
    boundary = policies_from_files(request.boundary_files) if request.boundary_files else None
    return PrincipalPolicies(principal, policies_from_files(request.policy_files), boundary, from_files=True)


async def diagnose(
    registry: Registry, session: AioSession, settings: ClientSettings, request: DiagnosticRequest
) -> PermissionReport:
    """Check every declared step against the policy files given, else the principal's policies read from IAM."""
    if request.policy_files:
        principal = principal_from_arn(request.role_arn) if request.role_arn else None
        report = check_principal(registry, _from_files(request, principal))
        report.notes.insert(0, "Read from the policy files given (--policy-file); IAM was not read.")
        return report
    try:
        policies = await _read_from_iam(session, settings, request.role_arn)
    except IntegrationError as error:
        raise IntegrationError(f"{error}; pass the policies with --policy-file instead") from None
    return check_principal(registry, policies)


def _detail(check: StepCheck) -> str:
    if check.readiness is Readiness.READY:
        return ""
    parts = []
    for action in check.actions:
        if action.verdict.decision is Decision.DENIED:
            where = f" (explicit deny: {', '.join(s.describe() for s in action.verdict.statements)})" \
                if action.verdict.explicit else ""
            parts.append(action.action + where)
        elif action.verdict.decision is Decision.CONDITIONAL:
            parts.append(f"{action.action} (only under a Condition)")
    parts += [action for action in check.inherited_missing if action not in parts]
    if check.blocked_by:
        parts.append(f"needs {', '.join(check.blocked_by)}")
    return "; ".join(parts)


def format_report(report: PermissionReport) -> str:
    """A table: resource type, step, verdict, missing actions; then totals and notes."""
    rows = [(type_name, check.step_id, check.readiness.value, _detail(check)) for type_name, check in report.type_rows]
    header = ("RESOURCE TYPE", "STEP", "VERDICT", "MISSING ACTIONS")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    lines = [
        f"Permissions of {report.subject}",
        f"Policies: {', '.join(report.policy_sources) or '(none)'}",
        "",
    ]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip())
    total = len(rows)
    lines += [
        "",
        f"Total: {report.resource_types} resource types: {report.count(Readiness.READY)} ready, "
        f"{report.count(Readiness.SKIPPED)} will be skipped, {report.count(Readiness.UNCERTAIN)} uncertain"
        + (f" (and {total - report.resource_types} other rows: the preflight and what is derived from them)" if total > report.resource_types else ""),
    ]
    missing = sorted({action for check in report.checks for action in check.missing_actions})
    if missing:
        lines.append(f"Not allowed, and needed to see everything: {', '.join(missing)}")
    lines += ["", *(f"Note: {note}" for note in report.notes)]
    return "\n".join(lines)


@dataclass(frozen=True)
class AwsDiagnosis:
    """The permission report of an instance, as every integration's diagnosis reads."""

    report: PermissionReport

    @property
    def all_ready(self) -> bool:
        """Whether every resource type will be collected."""
        return self.report.all_ready

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return self.report.to_dict()

    def format(self) -> str:
        """The report as people read it."""
        return format_report(self.report)


async def diagnose_instance(instance: AwsInstance) -> AwsDiagnosis:
    """The diagnosis of a configured AWS instance: its role (or profile's caller) read from IAM."""
    from aws_integration.integrations.aws.engine.clients import new_session, settings_for
    from aws_integration.integrations.aws.registry import default_registry

    session = new_session(instance.profile)
    request = DiagnosticRequest(instance.role_arn)
    return AwsDiagnosis(await diagnose(default_registry(), session, settings_for(session), request))


def instructions() -> str:
    """The step-by-step setup of the inventory role, with placeholders for who assumes it."""
    from aws_integration.integrations.aws.registry import default_registry
    from aws_integration.integrations.aws.setup.instructions import render_instructions
    from aws_integration.integrations.aws.setup.templates import RoleSettings

    return render_instructions(default_registry(), RoleSettings())
