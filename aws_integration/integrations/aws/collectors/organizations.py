"""The AWS Organization the account belongs to, its organizational units (which hold which accounts)
and its service control policies (where they are attached).

Any member account may describe its organization; the tree and its policies are read in
the management account's run only (AWS refuses members, and every account of an
organization run would read the same tree). An account outside any organization has none.
"""

from __future__ import annotations

from typing import Any

from aws_integration.graph.placeholders import account_key
from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ACCOUNT_ENTITY, ApiCall, RawItem, Scope
from aws_integration.integrations.aws.engine.context import FetchContext

NOT_IN_USE = ("AWSOrganizationsNotInUseException",)
DESCRIBE_ORGANIZATION = ApiCall("organizations", "DescribeOrganization", absent_errors=NOT_IN_USE)
LIST_ROOTS = ApiCall("organizations", "ListRoots", "Roots", absent_errors=NOT_IN_USE)
LIST_UNITS = ApiCall("organizations", "ListOrganizationalUnitsForParent", "OrganizationalUnits")
LIST_ACCOUNTS_FOR_PARENT = ApiCall("organizations", "ListAccountsForParent", "Accounts")
LIST_POLICIES = ApiCall("organizations", "ListPolicies", "Policies", absent_errors=NOT_IN_USE)
DESCRIBE_POLICY = ApiCall("organizations", "DescribePolicy", absent_errors=("PolicyNotFoundException",))
LIST_TARGETS = ApiCall("organizations", "ListTargetsForPolicy", "Targets")
LIST_TAGS = ApiCall("organizations", "ListTagsForResource", "Tags")
SCP = "SERVICE_CONTROL_POLICY"


def _account_keys(path: str) -> Any:
    """The graph keys of the accounts the item lists at ``path``."""
    return lambda item: [account_key(str(account["Id"])) for account in read(item, path) or [] if account.get("Id")]


def _ids(accounts: Any) -> list[str]:
    """The IDs of the accounts listed, in order."""
    return sorted(str(account["Id"]) for account in accounts or [] if account.get("Id"))


ORGANIZATION = mapped_type(
    "aws_organization", ("Organization",), "The AWS Organization the account belongs to.",
    key="Arn", display_name="Id", owned_by_account=False,
    organizationId=("string: Its ID (o-...).", "Id"),
    featureSet=("string: ALL (every feature, policies included) or CONSOLIDATED_BILLING.", "FeatureSet"),
    allFeatures=("boolean: Whether every feature is on (service control policies need it).",
                 lambda item: item.get("FeatureSet") == "ALL" if item.get("FeatureSet") else None),
    managementAccountId=("string: Its management account.", "MasterAccountId"),
    policyTypes=("string[]: The policy types its root has turned on.",
                 lambda item: sorted(kind["Type"] for kind in item.get("AvailablePolicyTypes") or []
                                     if kind.get("Status") == "ENABLED" and kind.get("Type"))),
)

ACCOUNTS_HELD = Link("HAS", ACCOUNT_ENTITY, _account_keys("Accounts"))

ROOT = mapped_type(
    "aws_organizations_root", ("Group",), "The root of an organization: the top of its tree of units and accounts.",
    key="Arn", display_name="Name", tags="Tags", owned_by_account=False,
    links=(Link("HAS", ORGANIZATION.decl, "OrganizationArn", inbound=True), ACCOUNTS_HELD),
    name=("string: The root's name.", "Name"),
    rootId=("string: Its ID (r-...).", "Id"),
    scpEnabled=("boolean: Whether service control policies apply under it.",
                lambda item: any(kind.get("Type") == SCP and kind.get("Status") == "ENABLED"
                                 for kind in item.get("PolicyTypes") or [])),
    accountIds=("string[]: The accounts directly under it.", lambda item: _ids(item.get("Accounts"))),
)


UNIT = mapped_type(
    "aws_organizations_unit", ("Group",), "An organizational unit: a group of accounts that policies attach to.",
    key="Arn", display_name="Name", tags="Tags", owned_by_account=False,
    links=(Link("HAS", ROOT.decl, "ParentRootArn", inbound=True), ACCOUNTS_HELD),
    name=("string: The unit's name.", "Name"),
    unitId=("string: Its ID (ou-...).", "Id"),
    parentId=("string: The root or unit it is in.", "ParentId"),
    accountIds=("string[]: The accounts directly in it.", lambda item: _ids(item.get("Accounts"))),
)
UNIT = UNIT.with_links(Link("HAS", UNIT.decl, "ParentUnitArn", inbound=True))  # units nest in units

SERVICE_CONTROL_POLICY = mapped_type(
    "aws_organizations_policy", ("ControlPolicy",), "A service control policy of the organization.",
    key="Arn", display_name="Name", tags="Tags", owned_by_account=False,
    links=(
        Link("ASSIGNED", ROOT.decl, "TargetArns.ROOT", inbound=True),
        Link("ASSIGNED", UNIT.decl, "TargetArns.ORGANIZATIONAL_UNIT", inbound=True),
        Link("ASSIGNED", ACCOUNT_ENTITY, "TargetArns.ACCOUNT", inbound=True),
    ),
    name=("string: The policy's name.", "Name"),
    policyId=("string: Its ID (p-...).", "Id"),
    description=("string: Its description.", "Description"),
    awsManaged=("boolean: Whether AWS manages it (FullAWSAccess).", "AwsManaged"),
    policyDocument=("string: Its document, as JSON text.", "Content"),
    targetCount=("integer: The roots, units and accounts it is attached to.", lambda item: len(item.get("Targets") or [])),
)


async def fetch_organization(context: FetchContext) -> list[RawItem]:
    """The organization, when the account is in one (any member may ask)."""
    answer = await context.call(DESCRIBE_ORGANIZATION)
    return [answer["Organization"]] if answer and answer.get("Organization") else []


def _organization_arn(root_arn: str) -> str:
    """``arn:...:root/o-1/r-1`` -> ``arn:...:organization/o-1``."""
    prefix, _, path = root_arn.partition(":root/")
    return f"{prefix}:organization/{path.split('/')[0]}"


async def _is_management_account(context: FetchContext) -> bool:
    """Whether the account being read manages its organization (the one run that reads its tree)."""
    answer = await context.call(DESCRIBE_ORGANIZATION)
    return bool(answer) and read(answer, "Organization.MasterAccountId") == context.scope.account_id


async def _with_accounts_and_tags(context: FetchContext, node: RawItem) -> RawItem:
    accounts, tags = await context.together(
        lambda: context.items(LIST_ACCOUNTS_FOR_PARENT, ParentId=node["Id"]),
        lambda: context.items(LIST_TAGS, ResourceId=node["Id"]),
    )
    return {**node, "Accounts": accounts, "Tags": tags}


async def fetch_roots(context: FetchContext) -> list[RawItem]:
    """Each root with the accounts directly under it and its tags (in the management account)."""
    if not await _is_management_account(context):
        return []
    roots = await context.items(LIST_ROOTS)
    return [{**root, "OrganizationArn": _organization_arn(root["Arn"])}
            for root in await context.each(roots, lambda root: _with_accounts_and_tags(context, root))]


async def fetch_units(context: FetchContext) -> list[RawItem]:
    """Every unit, level by level from the roots down, with its parent, accounts and tags (in the management account)."""
    if not await _is_management_account(context):
        return []
    parents = [(root["Id"], {"ParentRootArn": root["Arn"]}) for root in await context.items(LIST_ROOTS)]
    units: list[RawItem] = []
    while parents:
        levels = await context.each(parents, lambda parent: context.items(LIST_UNITS, ParentId=parent[0]))
        found = [{**unit, "ParentId": parent_id, **placed} for (parent_id, placed), children in zip(parents, levels)
                 for unit in children]
        units += await context.each(found, lambda unit: _with_accounts_and_tags(context, unit))
        parents = [(unit["Id"], {"ParentUnitArn": unit["Arn"]}) for unit in found]
    return units


def _target_keys(targets: list[RawItem]) -> dict[str, list[str]]:
    keyed: dict[str, list[str]] = {}
    for target in targets:
        kind, value = target.get("Type"), target.get("TargetId") if target.get("Type") == "ACCOUNT" else target.get("Arn")
        if kind and value:
            keyed.setdefault(kind, []).append(account_key(value) if kind == "ACCOUNT" else value)
    return keyed


async def fetch_policies(context: FetchContext) -> list[RawItem]:
    """Every service control policy with its document, its targets and its tags (in the management account)."""
    if not await _is_management_account(context):
        return []
    listed = await context.items(LIST_POLICIES, Filter=SCP)

    async def describe(summary: RawItem) -> RawItem | None:
        found, targets, tags = await context.together(
            lambda: context.call(DESCRIBE_POLICY, PolicyId=summary["Id"]),
            lambda: context.items(LIST_TARGETS, PolicyId=summary["Id"]),
            lambda: context.items(LIST_TAGS, ResourceId=summary["Id"]),
        )
        if found is None:
            return None
        return {**summary, "Content": read(found, "Policy.Content"), "Targets": targets,
                "TargetArns": _target_keys(targets), "Tags": tags}

    return [policy for policy in await context.each(listed, describe) if policy is not None]


STEPS = (
    mapped_step("fetch-organization", "Organization", "organizations", ORGANIZATION, scope=Scope.GLOBAL,
                calls=(DESCRIBE_ORGANIZATION,), fetch=fetch_organization),
    mapped_step("fetch-organizations-roots", "Organization roots", "organizations", ROOT, scope=Scope.GLOBAL,
                calls=(DESCRIBE_ORGANIZATION, LIST_ROOTS, LIST_ACCOUNTS_FOR_PARENT, LIST_TAGS), fetch=fetch_roots),
    mapped_step("fetch-organizations-units", "Organizational units", "organizations", UNIT, scope=Scope.GLOBAL,
                calls=(DESCRIBE_ORGANIZATION, LIST_ROOTS, LIST_UNITS, LIST_ACCOUNTS_FOR_PARENT, LIST_TAGS),
                fetch=fetch_units),
    mapped_step("fetch-organizations-policies", "Service control policies", "organizations", SERVICE_CONTROL_POLICY,
                scope=Scope.GLOBAL, calls=(DESCRIBE_ORGANIZATION, LIST_POLICIES, DESCRIBE_POLICY, LIST_TARGETS, LIST_TAGS),
                fetch=fetch_policies),
)
