"""IAM: users, groups, roles, managed policies, access keys, and who is assigned what."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from aws_integration.integrations.aws.collectors.common import build_entity, relate
from aws_integration.integrations.aws.collectors.iam_credentials import (
    CREDENTIAL_PROPERTIES, CREDENTIAL_REPORT_CALLS, fetch_credential_report,
)
from aws_integration.integrations.aws.collectors.iam_trust import SERVICE, Trust, parse_trust, trust_document
from aws_integration.integrations.aws.declarations import (
    ACCOUNT_ENTITY, ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described,
)
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext, account_key
from aws_integration.graph.placeholders import account_of_arn
from aws_integration.integrations.aws.permissions.grants import document_text, grants_of
from aws_integration.graph.model import Entity, Relationship

GRANT_PROPERTIES = described(
    document="string: The policy document in force (the default version's), as JSON text.",
    allowsAllActions="boolean: Whether a statement allows every action on every resource (administrator access).",
    allowsIamWrite="boolean: Whether it allows an IAM action of access level Write or Permissions management.",
    allowsPassRole="boolean: Whether it allows iam:PassRole.",
    allowsPrivilegeEscalation="boolean: Whether it allows every action of a well-known privilege-escalation path.",
    privilegeEscalationPaths="string[]: Those paths (docs/security.md lists them).",
)
INLINE_POLICY_PROPERTIES = described(
    policyName="string: The inline policy's name.",
) + GRANT_PROPERTIES
USER_POLICY = EntityDecl("aws_iam_user_policy", ("AccessPolicy",), "An inline policy of an IAM user.",
                         owned_by_account=False, properties=INLINE_POLICY_PROPERTIES)
GROUP_POLICY = EntityDecl("aws_iam_group_policy", ("AccessPolicy",), "An inline policy of an IAM group.",
                          owned_by_account=False, properties=INLINE_POLICY_PROPERTIES)
ROLE_POLICY = EntityDecl("aws_iam_role_policy", ("AccessPolicy",), "An inline policy of an IAM role.",
                         owned_by_account=False, properties=INLINE_POLICY_PROPERTIES)
PRINCIPAL_PROPERTIES = described(
    arn="string: Its ARN.",
    path="string: Its IAM path.",
    createdOn="timestamp: When it was created.",
    permissionsBoundaryArn="string: The ARN of the policy set as its permissions boundary.",
)
USER = EntityDecl("aws_iam_user", ("User",), "An IAM user.", properties=PRINCIPAL_PROPERTIES + described(
    userId="string: The user's unique ID.",
    username="string: The user's name.",
) + CREDENTIAL_PROPERTIES)
GROUP = EntityDecl("aws_iam_group", ("UserGroup",), "An IAM group.", properties=PRINCIPAL_PROPERTIES + described(
    groupId="string: The group's unique ID.",
    groupName="string: The group's name.",
    memberCount="integer: The users in the group.",
))
ROLE = EntityDecl("aws_iam_role", ("AccessRole",), "An IAM role.", properties=PRINCIPAL_PROPERTIES + described(
    roleId="string: The role's unique ID.",
    roleName="string: The role's name.",
    description="string: Its description.",
    maxSessionDuration="integer: The longest session it grants, in seconds.",
    serviceLinked="boolean: Whether an AWS service created it and manages it (path /aws-service-role/).",
    trustedServices="string[]: The AWS services its trust policy lets assume it.",
    trustedAccounts="string[]: The account IDs its trust policy lets assume it.",
    trustedPrincipals="string[]: The role and user ARNs its trust policy lets assume it.",
    trustedProviders="string[]: The SAML and OIDC providers its trust policy lets assume it.",
    trustsAnyone="boolean: Whether its trust policy lets any principal (*) assume it.",
    trustsOtherAccounts="boolean: Whether a principal of another account may assume it.",
    trustConditional="boolean: Whether a statement that lets principals in has conditions.",
))
POLICY = EntityDecl(
    "aws_iam_policy", ("AccessPolicy",), "A customer-managed IAM policy, or an AWS-managed one attached in the account.",
    properties=described(
        policyId="string: The policy's unique ID.",
        policyName="string: Its name.",
        arn="string: Its ARN.",
        path="string: Its IAM path.",
        awsManaged="boolean: Whether AWS manages it.",
        defaultVersionId="string: The ID of its version in force (v1).",
        attachmentCount="integer: The users, groups and roles it is attached to.",
        permissionsBoundaryUsageCount="integer: The users and roles it is the permissions boundary of.",
        isAttachable="boolean: Whether it can be attached.",
        description="string: Its description.",
        createdOn="timestamp: When it was created.",
        updatedOn="timestamp: When it was last updated.",
    ) + GRANT_PROPERTIES,
)
SAML_PROVIDER = EntityDecl(
    "aws_iam_saml_provider", ("Directory",), "A SAML identity provider of the account.",
    properties=described(
        arn="string: The provider's ARN.",
        name="string: Its name.",
        validUntil="timestamp: When its metadata document expires.",
        createdOn="timestamp: When it was created.",
    ),
)
OIDC_PROVIDER = EntityDecl(
    "aws_iam_oidc_provider", ("Directory",),
    "An OpenID Connect identity provider of the account (GitHub Actions, EKS, an identity platform).",
    properties=described(
        arn="string: The provider's ARN.",
        url="string: The issuer URL it trusts tokens from.",
        clientIds="string[]: The audiences (client IDs) it accepts.",
        thumbprints="string[]: The certificate thumbprints of the issuer.",
        createdOn="timestamp: When it was created.",
    ),
)
INSTANCE_PROFILE = EntityDecl(
    "aws_iam_instance_profile", ("AccessRole",), "An EC2 instance profile (a role for instances).",
    properties=described(
        arn="string: The profile's ARN.",
        name="string: Its name.",
        instanceProfileId="string: Its unique ID.",
        path="string: Its IAM path.",
        roleNames="string[]: The roles it holds.",
        createdOn="timestamp: When it was created.",
    ),
)
ACCESS_KEY = EntityDecl(
    "aws_iam_access_key", ("AccessKey",), "An IAM user's access key (metadata only).", owned_by_account=False,
    properties=described(
        accessKeyId="string: The access key ID (never its secret).",
        userName="string: The user it belongs to.",
        status="string: Active or Inactive.",
        active="boolean: Whether it is active.",
        createdOn="timestamp: When it was created.",
        lastUsedOn="timestamp: When it was last used.",
        lastUsedService="string: The service it was last used with.",
        lastUsedRegion="string: The region it was last used in.",
    ),
)


LIST_USERS = ApiCall("iam", "ListUsers", "Users")
USER_DETAILS = ApiCall("iam", "GetAccountAuthorizationDetails", "UserDetailList")
LIST_GROUPS = ApiCall("iam", "ListGroups", "Groups")
GET_GROUP = ApiCall("iam", "GetGroup", "Users")
GROUP_DETAILS = ApiCall("iam", "GetAccountAuthorizationDetails", "GroupDetailList")
LIST_ROLES = ApiCall("iam", "ListRoles", "Roles")
ROLE_DETAILS = ApiCall("iam", "GetAccountAuthorizationDetails", "RoleDetailList")
LIST_POLICIES = ApiCall("iam", "ListPolicies", "Policies")
POLICY_DETAILS = ApiCall("iam", "GetAccountAuthorizationDetails", "Policies")
GET_POLICY_VERSION = ApiCall("iam", "GetPolicyVersion")
LIST_ACCESS_KEYS = ApiCall("iam", "ListAccessKeys", "AccessKeyMetadata")
GET_ACCESS_KEY_LAST_USED = ApiCall("iam", "GetAccessKeyLastUsed")


async def _with_details(
    context: FetchContext, items: list[RawItem], name_key: str, param: str, details: Mapping[str, ApiCall]
) -> list[RawItem]:
    """Add to each item the full listing of each ``details`` call (field -> call)."""

    async def describe(item: RawItem) -> RawItem:
        listings = await context.each(details.values(), lambda call: context.items(call, **{param: item[name_key]}))
        return {**item, **dict(zip(details.keys(), listings))}

    return await context.each(items, describe)


def _principal_properties(item: RawItem) -> dict[str, object]:
    return {
        "arn": item["Arn"],
        "path": item.get("Path"),
        "createdOn": item.get("CreateDate"),
        "permissionsBoundaryArn": item.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
    }


def _assigned(decl: EntityDecl, key: str, item: RawItem) -> Iterator[Relationship]:
    for policy in item.get("AttachedPolicies", []):
        yield relate(decl, key, "ASSIGNED", POLICY, policy["PolicyArn"])


async def _with_authorization_details(
    context: FetchContext, listing: ApiCall, authorization_details: ApiCall, kind: str
) -> list[RawItem]:
    """The principals of ``listing`` with their tags and attached managed policies.

    ``GetAccountAuthorizationDetails`` gives those for every principal of ``kind`` in a
    few pages, where per-principal calls would cost two requests each (IAM's request
    rate is low). The listing still provides what the details leave out (a user's last
    password use, a role's description and session duration). A principal created
    between the two reads has no details yet: empty tags and policies until the next run.
    """
    listed, details = await context.each(
        ((listing, {}), (authorization_details, {"Filter": [kind]})),
        lambda call: context.items(call[0], **call[1]),
    )
    by_arn = {detail["Arn"]: detail for detail in details}
    return [{**item, **_authorization(by_arn.get(item["Arn"], {}), kind)} for item in listed]


def _authorization(detail: RawItem, kind: str) -> RawItem:
    """What the authorization details add to a principal: tags, managed and inline policies."""
    return {"Tags": detail.get("Tags", []), "AttachedPolicies": detail.get("AttachedManagedPolicies", []),
            "InlinePolicies": detail.get(f"{kind}PolicyList", [])}


def _inline(owner: EntityDecl, decl: EntityDecl, owner_key: str, item: RawItem,
            scope: TransformContext) -> Iterator[Entity | Relationship]:
    """Each inline policy of a principal, which the principal HAS."""
    for policy in item.get("InlinePolicies", []):
        name = policy["PolicyName"]
        key = f"{owner_key}:inline-policy/{name}"
        document = policy.get("PolicyDocument")
        yield build_entity(decl, scope, key=key, name=name, properties={
            "policyName": name, "document": document_text(document), **grants_of(document).properties()})
        yield relate(owner, owner_key, "HAS", decl, key)


async def fetch_users(context: FetchContext) -> list[RawItem]:
    """Users with their tags, attached and inline policies, and their row of the credential report."""
    users, report = await context.together(
        lambda: _with_authorization_details(context, LIST_USERS, USER_DETAILS, "User"),
        lambda: fetch_credential_report(context),
    )
    rows = {name: row.properties() for name, row in report.items()}
    return [{**user, "Credentials": rows.get(user["UserName"], {})} for user in users]


def transform_user(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_user`` with its credential state, ASSIGNED its managed policies."""
    key = item["Arn"]
    credentials = item.get("Credentials", {})
    yield build_entity(
        USER,
        scope,
        key=key,
        name=item["UserName"],
        tags=item.get("Tags"),
        properties={
            "userId": item.get("UserId"),
            "username": item["UserName"],
            **_principal_properties(item),
            **credentials,
            "passwordLastUsedOn": credentials.get("passwordLastUsedOn") or item.get("PasswordLastUsed"),
        },
    )
    yield from _assigned(USER, key, item)
    yield from _inline(USER, USER_POLICY, key, item, scope)


async def fetch_groups(context: FetchContext) -> list[RawItem]:
    """Groups with their members and attached managed policies."""
    groups, details = await context.each(
        ((LIST_GROUPS, {}), (GROUP_DETAILS, {"Filter": ["Group"]})), lambda call: context.items(call[0], **call[1]))
    by_arn = {detail["Arn"]: detail for detail in details}
    groups = [{**group, **_authorization(by_arn.get(group["Arn"], {}), "Group")} for group in groups]
    return await _with_details(context, groups, "GroupName", "GroupName", {"Users": GET_GROUP})


def transform_group(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_group``: CONTAINS its users, ASSIGNED its managed policies."""
    key = item["Arn"]
    members = item.get("Users", [])
    yield build_entity(
        GROUP,
        scope,
        key=key,
        name=item["GroupName"],
        properties={"groupId": item.get("GroupId"), "groupName": item["GroupName"], **_principal_properties(item),
                    "memberCount": len(members)},
    )
    for member in members:
        yield relate(GROUP, key, "CONTAINS", USER, member["Arn"])
    yield from _assigned(GROUP, key, item)
    yield from _inline(GROUP, GROUP_POLICY, key, item, scope)


async def fetch_roles(context: FetchContext) -> list[RawItem]:
    """Roles with their tags and attached managed policies."""
    return await _with_authorization_details(context, LIST_ROLES, ROLE_DETAILS, "Role")


def _trusted(key: str, trust: Trust, scope: TransformContext) -> Iterator[Entity | Relationship]:
    for account in sorted(trust.accounts):
        yield relate(ROLE, key, "TRUSTS", ACCOUNT_ENTITY, account_key(account))
    for role in sorted(trust.roles):
        yield relate(ROLE, key, "TRUSTS", ROLE, role)
    for user in sorted(trust.users):
        yield relate(ROLE, key, "TRUSTS", USER, user)
    # A principal of another account: the role trusts that account too (the placeholder derivation makes it).
    for account in sorted({found for arn in trust.roles | trust.users if (found := account_of_arn(arn))}
                          - trust.accounts - {scope.account_id}):
        yield relate(ROLE, key, "TRUSTS", ACCOUNT_ENTITY, account_key(account))
    for service in sorted(trust.services):
        yield build_entity(SERVICE, scope, key=f"aws_service:{service}", name=service,
                           properties={"name": service})
        yield relate(ROLE, key, "TRUSTS", SERVICE, f"aws_service:{service}")
    for provider in sorted(trust.providers):
        if ":saml-provider/" in provider:
            yield relate(ROLE, key, "TRUSTS", SAML_PROVIDER, provider)
        elif ":oidc-provider/" in provider:
            yield relate(ROLE, key, "TRUSTS", OIDC_PROVIDER, provider)


def transform_role(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_role``, ASSIGNED its managed policies, TRUSTING the principals of its trust policy."""
    key = item["Arn"]
    trust = parse_trust(trust_document(item.get("AssumeRolePolicyDocument")))
    yield build_entity(
        ROLE,
        scope,
        key=key,
        name=item["RoleName"],
        tags=item.get("Tags"),
        properties={
            "roleId": item.get("RoleId"),
            "roleName": item["RoleName"],
            **_principal_properties(item),
            "description": item.get("Description") or None,
            "maxSessionDuration": item.get("MaxSessionDuration"),
            "serviceLinked": "/aws-service-role/" in (item.get("Path") or ""),
            "trustedServices": sorted(trust.services) or None,
            "trustedAccounts": sorted(trust.accounts) or None,
            "trustedPrincipals": sorted(trust.roles | trust.users) or None,
            "trustedProviders": sorted(trust.providers) or None,
            "trustsAnyone": trust.anyone,
            "trustsOtherAccounts": bool(trust.accounts - {scope.account_id}
                                        or any(arn.split(":")[4] != scope.account_id for arn in trust.roles | trust.users)),
            "trustConditional": trust.conditional,
        },
    )
    yield from _assigned(ROLE, key, item)
    yield from _inline(ROLE, ROLE_POLICY, key, item, scope)
    yield from _trusted(key, trust, scope)


async def fetch_policies(context: FetchContext) -> list[RawItem]:
    """Customer-managed policies with their versions (one listing of the authorization details), and the
    AWS-managed ones attached to something here, each with the document of its default version."""
    local, aws_attached = await context.each(
        ((POLICY_DETAILS, {"Filter": ["LocalManagedPolicy"]}), (LIST_POLICIES, {"Scope": "AWS", "OnlyAttached": True})),
        lambda call: context.items(call[0], **call[1]),
    )

    async def with_document(policy: RawItem) -> RawItem:
        version = await context.call(GET_POLICY_VERSION, PolicyArn=policy["Arn"],
                                     VersionId=policy["DefaultVersionId"]) if policy.get("DefaultVersionId") else None
        return {**policy, "AwsManaged": True, "Document": ((version or {}).get("PolicyVersion") or {}).get("Document")}

    managed = await context.each(aws_attached, with_document)
    return [{**policy, "AwsManaged": False, "Document": _default_document(policy)} for policy in local] + managed


def _default_document(policy: RawItem) -> object:
    return next((version.get("Document") for version in policy.get("PolicyVersionList", [])
                 if version.get("IsDefaultVersion")), None)


def transform_policy(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_policy``, with its document and what it grants (the name is the ARN's last part when the
    authorization details leave it out, as moto does)."""
    name = item.get("PolicyName") or item["Arn"].rsplit("/", 1)[-1]
    yield build_entity(
        POLICY,
        scope,
        key=item["Arn"],
        name=name,
        tags=item.get("Tags"),
        properties={
            "policyId": item.get("PolicyId"),
            "policyName": name,
            "arn": item["Arn"],
            "path": item.get("Path"),
            "awsManaged": item["AwsManaged"],
            "defaultVersionId": item.get("DefaultVersionId"),
            "attachmentCount": item.get("AttachmentCount"),
            "permissionsBoundaryUsageCount": item.get("PermissionsBoundaryUsageCount"),
            "isAttachable": item.get("IsAttachable"),
            "description": item.get("Description") or None,
            "createdOn": item.get("CreateDate"),
            "updatedOn": item.get("UpdateDate"),
            "document": document_text(item.get("Document")),
            **grants_of(item.get("Document")).properties(),
        },
    )


async def fetch_access_keys(context: FetchContext) -> list[RawItem]:
    """Every user's access keys (from the users step) with when each was last used."""
    users = [item for _, item in context.dependency_items("fetch-iam-users")]
    per_user = await context.each(users, lambda user: context.items(LIST_ACCESS_KEYS, UserName=user["UserName"]))
    keys = [{**key, "UserArn": user["Arn"]} for user, user_keys in zip(users, per_user) for key in user_keys]

    async def last_used(key: RawItem) -> RawItem:
        response = await context.call(GET_ACCESS_KEY_LAST_USED, AccessKeyId=key["AccessKeyId"])
        return {**key, "LastUsed": (response or {}).get("AccessKeyLastUsed", {})}

    return await context.each(keys, last_used)


def transform_access_key(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_access_key`` (its ID and state, never a secret); its user HAS it."""
    key = item["AccessKeyId"]
    last_used = item.get("LastUsed", {})
    yield build_entity(
        ACCESS_KEY,
        scope,
        key=key,
        name=key,
        properties={
            "accessKeyId": key,
            "userName": item.get("UserName"),
            "status": item.get("Status"),
            "active": item.get("Status") == "Active",
            "createdOn": item.get("CreateDate"),
            "lastUsedOn": last_used.get("LastUsedDate"),
            "lastUsedService": last_used.get("ServiceName") if last_used.get("ServiceName") != "N/A" else None,
            "lastUsedRegion": last_used.get("Region") if last_used.get("Region") != "N/A" else None,
        },
    )
    yield relate(USER, item["UserArn"], "HAS", ACCESS_KEY, key)


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-iam-users",
        name="IAM users",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_USERS, USER_DETAILS, *CREDENTIAL_REPORT_CALLS),
        entities=(USER, USER_POLICY),
        relationships=(RelationshipDecl(USER.type, "ASSIGNED", POLICY.type),
                       RelationshipDecl(USER.type, "HAS", USER_POLICY.type)),
        fetch=fetch_users,
        transform=transform_user,
    ),
    StepDecl(
        id="fetch-iam-groups",
        name="IAM groups",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_GROUPS, GROUP_DETAILS, GET_GROUP),
        entities=(GROUP, GROUP_POLICY),
        relationships=(
            RelationshipDecl(GROUP.type, "CONTAINS", USER.type),
            RelationshipDecl(GROUP.type, "ASSIGNED", POLICY.type),
            RelationshipDecl(GROUP.type, "HAS", GROUP_POLICY.type),
        ),
        fetch=fetch_groups,
        transform=transform_group,
    ),
    StepDecl(
        id="fetch-iam-roles",
        name="IAM roles",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_ROLES, ROLE_DETAILS),
        entities=(ROLE, SERVICE, ROLE_POLICY),
        relationships=(
            RelationshipDecl(ROLE.type, "ASSIGNED", POLICY.type),
            RelationshipDecl(ROLE.type, "HAS", ROLE_POLICY.type),
            RelationshipDecl(ROLE.type, "TRUSTS", ACCOUNT_ENTITY.type),
            RelationshipDecl(ROLE.type, "TRUSTS", ROLE.type),
            RelationshipDecl(ROLE.type, "TRUSTS", USER.type),
            RelationshipDecl(ROLE.type, "TRUSTS", SERVICE.type),
            RelationshipDecl(ROLE.type, "TRUSTS", SAML_PROVIDER.type),
            RelationshipDecl(ROLE.type, "TRUSTS", OIDC_PROVIDER.type),
        ),
        fetch=fetch_roles,
        transform=transform_role,
    ),
    StepDecl(
        id="fetch-iam-policies",
        name="IAM managed policies",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(POLICY_DETAILS, LIST_POLICIES, GET_POLICY_VERSION),
        entities=(POLICY,),
        fetch=fetch_policies,
        transform=transform_policy,
    ),
    StepDecl(
        id="fetch-iam-access-keys",
        name="IAM access keys",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_ACCESS_KEYS, GET_ACCESS_KEY_LAST_USED),
        entities=(ACCESS_KEY,),
        relationships=(RelationshipDecl(USER.type, "HAS", ACCESS_KEY.type),),
        depends_on=("fetch-iam-users",),
        fetch=fetch_access_keys,
        transform=transform_access_key,
    ),
)
