"""IAM account settings: the password policy, MFA devices, SAML providers, instance profiles."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import OneAnswer, build_entity, relate
from aws_integration.integrations.aws.collectors.iam import INSTANCE_PROFILE, OIDC_PROVIDER, ROLE, SAML_PROVIDER, USER
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

PASSWORD_POLICY = EntityDecl(
    "aws_iam_account_password_policy", ("PasswordPolicy",), "The account's IAM password policy.",
    properties=described(
        exists="boolean: Whether the account has a password policy (false: IAM's defaults apply).",
        minimumPasswordLength="integer: The shortest password allowed.",
        requireSymbols="boolean: Whether a password needs a symbol.",
        requireNumbers="boolean: Whether a password needs a digit.",
        requireUppercaseCharacters="boolean: Whether a password needs an upper-case letter.",
        requireLowercaseCharacters="boolean: Whether a password needs a lower-case letter.",
        allowUsersToChangePassword="boolean: Whether users may change their own password.",
        expirePasswords="boolean: Whether passwords expire.",
        maxPasswordAge="integer: The days a password lasts.",
        passwordReusePrevention="integer: The previous passwords a new one may not repeat.",
        hardExpiry="boolean: Whether an expired password locks the user out until an administrator resets it.",
    ),
)
MFA_DEVICE = EntityDecl("aws_iam_mfa_device", ("AccessKey",), "An MFA device (virtual or hardware) of an IAM user.", properties=described(
    serialNumber="string: The device's serial number (a virtual device's ARN).",
    userName="string: The user it is enabled for.",
    virtual="boolean: Whether it is a virtual (app) device.",
    enabledOn="timestamp: When it was enabled.",
))


GET_ACCOUNT_PASSWORD_POLICY = ApiCall("iam", "GetAccountPasswordPolicy", absent_errors=("NoSuchEntity",))
LIST_MFA_DEVICES = ApiCall("iam", "ListMFADevices", "MFADevices")
LIST_VIRTUAL_MFA_DEVICES = ApiCall("iam", "ListVirtualMFADevices", "VirtualMFADevices")
LIST_SAML_PROVIDERS = ApiCall("iam", "ListSAMLProviders")
LIST_OIDC_PROVIDERS = ApiCall("iam", "ListOpenIDConnectProviders")
GET_OIDC_PROVIDER = ApiCall("iam", "GetOpenIDConnectProvider", absent_errors=("NoSuchEntity",))
LIST_INSTANCE_PROFILES = ApiCall("iam", "ListInstanceProfiles", "InstanceProfiles")


async def fetch_password_policy(context: FetchContext) -> list[RawItem]:
    """The password policy; an account without one gives an item that says so."""
    response = await context.call(GET_ACCOUNT_PASSWORD_POLICY)
    return [{"PasswordPolicy": (response or {}).get("PasswordPolicy"), "Exists": response is not None}]


def transform_password_policy(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_account_password_policy`` (``exists`` false when the account has none: IAM's defaults apply)."""
    policy = item.get("PasswordPolicy") or {}
    yield build_entity(
        PASSWORD_POLICY,
        scope,
        key=f"{scope.account_key}:password-policy",
        name="IAM password policy",
        properties={
            "exists": item["Exists"],
            "minimumPasswordLength": policy.get("MinimumPasswordLength"),
            "requireSymbols": policy.get("RequireSymbols", False),
            "requireNumbers": policy.get("RequireNumbers", False),
            "requireUppercaseCharacters": policy.get("RequireUppercaseCharacters", False),
            "requireLowercaseCharacters": policy.get("RequireLowercaseCharacters", False),
            "allowUsersToChangePassword": policy.get("AllowUsersToChangePassword", False),
            "expirePasswords": policy.get("ExpirePasswords", False),
            "maxPasswordAge": policy.get("MaxPasswordAge"),
            "passwordReusePrevention": policy.get("PasswordReusePrevention"),
            "hardExpiry": policy.get("HardExpiry", False),
        },
    )


async def fetch_mfa_devices(context: FetchContext) -> list[RawItem]:
    """Every user's MFA devices (users from the users step), virtual ones marked."""
    users = [item for _, item in context.dependency_items("fetch-iam-users")]
    per_user = await context.each(users, lambda user: context.items(LIST_MFA_DEVICES, UserName=user["UserName"]))
    virtual = await context.items(LIST_VIRTUAL_MFA_DEVICES, AssignmentStatus="Assigned")
    virtual_serials = {device["SerialNumber"] for device in virtual}
    return [{**device, "UserArn": user["Arn"], "Virtual": device["SerialNumber"] in virtual_serials}
            for user, devices in zip(users, per_user) for device in devices]


def transform_mfa_device(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_mfa_device``; its user HAS it."""
    key = item["SerialNumber"]
    yield build_entity(
        MFA_DEVICE,
        scope,
        key=key,
        name=key.rsplit("/", 1)[-1],
        properties={"serialNumber": key, "userName": item.get("UserName"), "virtual": item["Virtual"],
                    "enabledOn": item.get("EnableDate")},
    )
    yield relate(USER, item["UserArn"], "HAS", MFA_DEVICE, key)


def transform_saml_provider(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_saml_provider``."""
    key = item["Arn"]
    yield build_entity(
        SAML_PROVIDER,
        scope,
        key=key,
        name=key.rsplit("/", 1)[-1],
        properties={"arn": key, "name": key.rsplit("/", 1)[-1], "validUntil": item.get("ValidUntil"),
                    "createdOn": item.get("CreateDate")},
    )


def transform_oidc_provider(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_oidc_provider``, named by the issuer it trusts."""
    key = item["Arn"]
    url = item.get("Url") or key.split(":oidc-provider/", 1)[-1]
    yield build_entity(
        OIDC_PROVIDER, scope, key=key, name=url, tags=item.get("Tags"),
        properties={"arn": key, "url": url, "clientIds": item.get("ClientIDList"),
                    "thumbprints": item.get("ThumbprintList"), "createdOn": item.get("CreateDate")},
    )


def transform_instance_profile(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_iam_instance_profile``; it USES its role."""
    key = item["Arn"]
    yield build_entity(
        INSTANCE_PROFILE,
        scope,
        key=key,
        name=item["InstanceProfileName"],
        tags=item.get("Tags"),
        properties={"arn": key, "name": item["InstanceProfileName"], "instanceProfileId": item.get("InstanceProfileId"),
                    "path": item.get("Path"), "roleNames": [role["RoleName"] for role in item.get("Roles", [])] or None,
                    "createdOn": item.get("CreateDate")},
    )
    for role in item.get("Roles", []):
        yield relate(INSTANCE_PROFILE, key, "USES", ROLE, role["Arn"])


async def fetch_oidc_providers(context: FetchContext) -> list[RawItem]:
    """Each provider (ListOpenIDConnectProviders is not paginated) with its issuer, audiences and tags."""
    listed = (await context.call(LIST_OIDC_PROVIDERS) or {}).get("OpenIDConnectProviderList", [])
    found = await context.each(listed, lambda entry: context.call(GET_OIDC_PROVIDER, OpenIDConnectProviderArn=entry["Arn"]))
    return [{**detail, "Arn": entry["Arn"]} for entry, detail in zip(listed, found) if detail is not None]


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-iam-password-policy",
        name="IAM password policy",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(GET_ACCOUNT_PASSWORD_POLICY,),
        entities=(PASSWORD_POLICY,),
        fetch=fetch_password_policy,
        transform=transform_password_policy,
    ),
    StepDecl(
        id="fetch-iam-mfa-devices",
        name="IAM MFA devices",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_MFA_DEVICES,
               LIST_VIRTUAL_MFA_DEVICES),
        entities=(MFA_DEVICE,),
        relationships=(RelationshipDecl(USER.type, "HAS", MFA_DEVICE.type),),
        depends_on=("fetch-iam-users",),
        fetch=fetch_mfa_devices,
        transform=transform_mfa_device,
    ),
    StepDecl(
        id="fetch-iam-saml-providers",
        name="IAM SAML providers",
        service="iam",
        scope=Scope.GLOBAL,
        entities=(SAML_PROVIDER,),
        fetch=OneAnswer(LIST_SAML_PROVIDERS, "SAMLProviderList"),
        transform=transform_saml_provider,
    ),
    StepDecl(
        id="fetch-iam-oidc-providers",
        name="IAM OpenID Connect providers",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_OIDC_PROVIDERS, GET_OIDC_PROVIDER),
        entities=(OIDC_PROVIDER,),
        fetch=fetch_oidc_providers,
        transform=transform_oidc_provider,
    ),
    StepDecl(
        id="fetch-iam-instance-profiles",
        name="IAM instance profiles",
        service="iam",
        scope=Scope.GLOBAL,
        calls=(LIST_INSTANCE_PROFILES,),
        entities=(INSTANCE_PROFILE,),
        relationships=(RelationshipDecl(INSTANCE_PROFILE.type, "USES", ROLE.type),),
        transform=transform_instance_profile,
    ),
)
