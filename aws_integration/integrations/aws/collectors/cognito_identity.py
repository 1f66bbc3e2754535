"""Cognito identity pools: who gets AWS credentials from them, guests included."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import TransformContext

POOL = "Pool"


def _pool_arn(item: RawItem, scope: TransformContext) -> str:
    return scope.arn("cognito-identity", f"identitypool/{item['IdentityPoolId']}")


IDENTITY_POOL = mapped_type(
    "aws_cognito_identity_pool", ("Directory",), "A Cognito identity pool: it hands out AWS credentials to identities.",
    key=_pool_arn, display_name="IdentityPoolName", tags=f"{POOL}.IdentityPoolTags",
    name=("string: The pool's name.", "IdentityPoolName"),
    identityPoolId=("string: Its ID.", "IdentityPoolId"),
    allowsGuests=("boolean: Whether unauthenticated identities get credentials.", f"{POOL}.AllowUnauthenticatedIdentities"),
    classicFlow=("boolean: Whether the basic (classic) authentication flow is allowed.", f"{POOL}.AllowClassicFlow"),
    loginProviders=("string[]: The public login providers it accepts (graph.facebook.com, accounts.google.com).",
                    lambda item: sorted(read(item, f"{POOL}.SupportedLoginProviders") or {}) or None),
    userPools=("string[]: The Cognito user pools whose users it accepts.",
               lambda item: sorted({provider["ProviderName"] for provider in read(item, f"{POOL}.CognitoIdentityProviders") or []
                                    if provider.get("ProviderName")}) or None),
    openIdProviders=("string[]: The OpenID Connect providers it accepts.", f"{POOL}.OpenIdConnectProviderARNs"),
    samlProviders=("string[]: The SAML providers it accepts.", f"{POOL}.SamlProviderARNs"),
    developerProvider=("string: Its developer-authenticated identity provider.", f"{POOL}.DeveloperProviderName"),
)

STEPS = (
    mapped_step("fetch-cognito-identity-pools", "Cognito identity pools", "cognito-identity", IDENTITY_POOL,
                fetch=list_then_describe(
        ApiCall("cognito-identity", "ListIdentityPools", "IdentityPools", page_size=60),
        Detail(POOL, ApiCall("cognito-identity", "DescribeIdentityPool", absent_errors=("ResourceNotFoundException",)),
               lambda item: {"IdentityPoolId": item["IdentityPoolId"]}),
    )),
)
