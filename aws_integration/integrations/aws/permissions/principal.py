"""Read the policies that govern an IAM principal, through the IAM API.

A role has inline policies, attached managed policies (read at their default
version, AWS-managed ones included) and perhaps a permissions boundary. A user has
the same, plus the inline and attached policies of each of its groups. An
assumed-role session ARN maps back to its role. The account root is not limited by
identity policies at all.

Every call is declared in :data:`READER_CALLS`, so the setup generator grants them and
a refusal names the exact IAM action that is missing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from aws_integration.integrations.aws.declarations import ApiCall
from aws_integration.integrations.aws.engine.clients import ClientPool
from aws_integration.integrations.aws.engine.errors import error_code, is_permission_error
from aws_integration.errors import IntegrationError
from aws_integration.integrations.aws.permissions.policy import Policy, PolicyError, parse_policy
from aws_integration.safe_load import UnsafeDocument, load_json


GET_ROLE = ApiCall("iam", "GetRole")
LIST_ROLE_POLICIES = ApiCall("iam", "ListRolePolicies", "PolicyNames")
GET_ROLE_POLICY = ApiCall("iam", "GetRolePolicy")
LIST_ATTACHED_ROLE_POLICIES = ApiCall("iam", "ListAttachedRolePolicies", "AttachedPolicies")
GET_USER = ApiCall("iam", "GetUser")
LIST_USER_POLICIES = ApiCall("iam", "ListUserPolicies", "PolicyNames")
GET_USER_POLICY = ApiCall("iam", "GetUserPolicy")
LIST_ATTACHED_USER_POLICIES = ApiCall("iam", "ListAttachedUserPolicies", "AttachedPolicies")
LIST_GROUPS_FOR_USER = ApiCall("iam", "ListGroupsForUser", "Groups")
LIST_GROUP_POLICIES = ApiCall("iam", "ListGroupPolicies", "PolicyNames")
GET_GROUP_POLICY = ApiCall("iam", "GetGroupPolicy")
LIST_ATTACHED_GROUP_POLICIES = ApiCall("iam", "ListAttachedGroupPolicies", "AttachedPolicies")
GET_POLICY = ApiCall("iam", "GetPolicy")
GET_POLICY_VERSION = ApiCall("iam", "GetPolicyVersion")

READER_CALLS: tuple[ApiCall, ...] = (
    GET_ROLE, LIST_ROLE_POLICIES, GET_ROLE_POLICY, LIST_ATTACHED_ROLE_POLICIES,
    GET_USER, LIST_USER_POLICIES, GET_USER_POLICY, LIST_ATTACHED_USER_POLICIES,
    LIST_GROUPS_FOR_USER, LIST_GROUP_POLICIES, GET_GROUP_POLICY, LIST_ATTACHED_GROUP_POLICIES,
    GET_POLICY, GET_POLICY_VERSION,
)
"""The IAM calls the permission diagnostic makes to read a principal's policies."""


class PrincipalKind(str, enum.Enum):
    """What kind of IAM identity a principal is."""

    ROLE = "role"
    USER = "user"
    ROOT = "root"


@dataclass(frozen=True)
class Principal:
    """An IAM role, user or account root, named as IAM knows it."""

    kind: PrincipalKind
    name: str
    account_id: str
    partition: str

    @property
    def label(self) -> str:
        """``role Inventory`` / ``user alice`` / ``the root user of 123456789012``."""
        if self.kind is PrincipalKind.ROOT:
            return f"the root user of {self.account_id}"
        return f"{self.kind.value} {self.name}"


def principal_from_arn(arn: str) -> Principal:
    """The principal behind a role, user, root or assumed-role session ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
        raise IntegrationError(f"not an IAM role, user or assumed-role ARN: {arn}")
    partition, service, account_id, resource = parts[1], parts[2], parts[4], parts[5]
    kind_name, _, rest = resource.partition("/")
    if service == "iam" and resource == "root":
        return Principal(PrincipalKind.ROOT, "root", account_id, partition)
    if service == "iam" and kind_name in ("role", "user") and rest:
        # A path may precede the name: role/service-role/Inventory.
        return Principal(PrincipalKind(kind_name), rest.rsplit("/", 1)[-1], account_id, partition)
    if service == "sts" and kind_name == "assumed-role" and "/" in rest:
        return Principal(PrincipalKind.ROLE, rest.split("/", 1)[0], account_id, partition)
    raise IntegrationError(
        f"cannot read policies for {arn}: only IAM roles, users and assumed-role sessions are supported"
    )


class PolicyReadDenied(IntegrationError):
    """The caller may not read the principal's policies; names the missing action."""

    def __init__(self, principal: Principal, call: ApiCall, code: str) -> None:
        self.principal = principal
        self.iam_action = call.iam_action
        super().__init__(f"cannot read the policies of {principal.label}: {call.iam_action} denied ({code})")


@dataclass
class PrincipalPolicies:
    """Everything that limits what a principal may do, as far as IAM shows it."""

    principal: Principal | None
    identity: list[Policy] = field(default_factory=list)
    boundary: list[Policy] | None = None
    unrestricted: bool = False
    from_files: bool = False

    @property
    def subject(self) -> str:
        """Whose policies these are, and where they were read, for reports."""
        if self.principal is None:
            return "the policy files given"
        return f"{self.principal.label} (policies from the files given)" if self.from_files else self.principal.label

    @property
    def sources(self) -> list[str]:
        """The names of the policies read, boundary marked."""
        names = [policy.name or "policy" for policy in self.identity]
        return names + [f"{policy.name} (permissions boundary)" for policy in self.boundary or []]


class PolicyReader:
    """Reads one principal's policies with a client pool's IAM client."""

    def __init__(self, clients: ClientPool, region: str, principal: Principal) -> None:
        self._clients = clients
        self._region = region
        self._principal = principal
        self._managed: dict[str, Policy] = {}
        self.api_calls = 0

    def _failure(self, error: Exception, call: ApiCall) -> IntegrationError:
        if isinstance(error, ClientError):
            code = error_code(error)
            if is_permission_error(error):
                return PolicyReadDenied(self._principal, call, code)
            if code == "NoSuchEntity":
                return IntegrationError(
                    f"{self._principal.label} does not exist in account {self._principal.account_id}"
                )
            return IntegrationError(f"{call.iam_action} failed for {self._principal.label}: {code}")
        return IntegrationError(f"{call.iam_action} failed for {self._principal.label}: {error}")

    async def _call(self, call: ApiCall, **params: Any) -> dict[str, Any]:
        client = await self._clients.get("iam", self._region)
        self.api_calls += 1
        try:
            response: dict[str, Any] = await getattr(client, call.method)(**params)
        except (ClientError, BotoCoreError) as error:
            raise self._failure(error, call) from None
        return response

    async def _items(self, call: ApiCall, **params: Any) -> list[Any]:
        client = await self._clients.get("iam", self._region)
        items: list[Any] = []
        try:
            async for page in client.get_paginator(call.method).paginate(**params):
                self.api_calls += 1
                items.extend(page.get(call.result_key or "", []))
        except (ClientError, BotoCoreError) as error:
            raise self._failure(error, call) from None
        return items

    @staticmethod
    def _parse(document: Any, name: str) -> Policy:
        try:
            return parse_policy(document, name=name)
        except PolicyError as error:
            raise IntegrationError(f"cannot read policy {name}: {error}") from None

    async def managed(self, arn: str) -> Policy:
        """A managed policy at its default version (each read once)."""
        if arn not in self._managed:
            policy = (await self._call(GET_POLICY, PolicyArn=arn))["Policy"]
            version = await self._call(GET_POLICY_VERSION, PolicyArn=arn, VersionId=policy["DefaultVersionId"])
            self._managed[arn] = self._parse(version["PolicyVersion"]["Document"], policy["PolicyName"])
        return self._managed[arn]

    async def _inline(self, listing: ApiCall, getter: ApiCall, owner: dict[str, str]) -> list[Policy]:
        policies = []
        for name in await self._items(listing, **owner):
            document = (await self._call(getter, PolicyName=name, **owner))["PolicyDocument"]
            policies.append(self._parse(document, name))
        return policies

    async def _attached(self, listing: ApiCall, owner: dict[str, str]) -> list[Policy]:
        return [await self.managed(entry["PolicyArn"]) for entry in await self._items(listing, **owner)]

    async def _boundary(self, entity: dict[str, Any]) -> list[Policy] | None:
        boundary = entity.get("PermissionsBoundary")
        return [await self.managed(boundary["PermissionsBoundaryArn"])] if boundary else None

    async def read(self) -> PrincipalPolicies:
        """All policies of the principal; raises :class:`PolicyReadDenied` naming a refused action."""
        principal = self._principal
        if principal.kind is PrincipalKind.ROOT:
            return PrincipalPolicies(principal, unrestricted=True)
        if principal.kind is PrincipalKind.ROLE:
            owner = {"RoleName": principal.name}
            role = (await self._call(GET_ROLE, **owner))["Role"]
            identity = await self._inline(LIST_ROLE_POLICIES, GET_ROLE_POLICY, owner)
            identity += await self._attached(LIST_ATTACHED_ROLE_POLICIES, owner)
            return PrincipalPolicies(principal, identity, await self._boundary(role))
        owner = {"UserName": principal.name}
        user = (await self._call(GET_USER, **owner))["User"]
        identity = await self._inline(LIST_USER_POLICIES, GET_USER_POLICY, owner)
        identity += await self._attached(LIST_ATTACHED_USER_POLICIES, owner)
        for group in await self._items(LIST_GROUPS_FOR_USER, **owner):
            group_owner = {"GroupName": group["GroupName"]}
            identity += await self._inline(LIST_GROUP_POLICIES, GET_GROUP_POLICY, group_owner)
            identity += await self._attached(LIST_ATTACHED_GROUP_POLICIES, group_owner)
        return PrincipalPolicies(principal, identity, await self._boundary(user))


async def read_policies(clients: ClientPool, region: str, principal: Principal) -> PrincipalPolicies:
    """The identity policies and permissions boundary of ``principal``."""
    return await PolicyReader(clients, region, principal).read()


def _unwrap(document: Any) -> Any:
    """The document itself, also out of ``aws iam get-role-policy``/``get-policy-version`` output."""
    if isinstance(document, dict):
        if "PolicyDocument" in document:
            return document["PolicyDocument"]
        version = document.get("PolicyVersion")
        if isinstance(version, dict) and "Document" in version:
            return version["Document"]
    return document


def policies_from_files(paths: Iterable[str]) -> list[Policy]:
    """Policy documents from files, used instead of reading IAM.

    A file holds one document, the JSON the AWS CLI prints for
    ``get-role-policy``/``get-user-policy`` or ``get-policy-version``, or a JSON array
    of those (what ``aws-integration setup --format policy`` prints).
    """
    policies = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise IntegrationError(f"cannot read policy file {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise IntegrationError(f"policy file {path}: not UTF-8 text") from None
        try:
            try:
                document: Any = load_json(text)
            except UnsafeDocument:
                document = text  # parse_policy explains what is wrong, or reads URL-encoded JSON
            documents = document if isinstance(document, list) else [document]
            if not documents:
                raise PolicyError("the file holds an empty list, not a policy document")
            for index, item in enumerate(documents):
                name = f"{path}[{index}]" if isinstance(document, list) else path
                policies.append(parse_policy(_unwrap(item), name=name))
        except PolicyError as error:
            raise IntegrationError(f"policy file {path}: {error}") from None
    return policies
