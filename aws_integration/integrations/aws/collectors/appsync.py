"""AppSync GraphQL APIs: how callers authenticate, whether the API is private, its WAF and logging."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem


def _authentication(item: RawItem) -> list[str]:
    extra = [provider.get("authenticationType") for provider in item.get("additionalAuthenticationProviders") or []]
    return sorted({kind for kind in (item.get("authenticationType"), *extra) if kind})


GRAPHQL_API = mapped_type(
    "aws_appsync_graphql_api", ("Gateway",), "An AppSync GraphQL API.",
    key="arn", display_name="name", tags="tags", links=(uses_role("logConfig.cloudWatchLogsRoleArn"),),
    name=("string: The API's name.", "name"),
    apiId=("string: Its ID.", "apiId"),
    authenticationTypes=("string[]: How callers authenticate (API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS, "
                         "OPENID_CONNECT, AWS_LAMBDA).", _authentication),
    apiKeyAuthentication=("boolean: Whether a shared API key lets callers in.",
                          lambda item: "API_KEY" in _authentication(item)),
    private=("boolean: Whether it is reachable only from VPCs.", equals("visibility", "PRIVATE")),
    wafWebAclArn=("string: The WAF web ACL in front of it.", "wafWebAclArn"),
    xrayEnabled=("boolean: Whether X-Ray traces it.", "xrayEnabled"),
    fieldLogLevel=("string: What it logs: NONE, ERROR, INFO, DEBUG or ALL.", "logConfig.fieldLogLevel"),
    userPoolId=("string: The Cognito user pool that signs callers in.", "userPoolConfig.userPoolId"),
    apiType=("string: GRAPHQL or MERGED.", "apiType"),
    graphqlUrl=("string: Its GraphQL endpoint.", lambda item: read(item, "uris.GRAPHQL")),
)

STEPS = (
    mapped_step("fetch-appsync-apis", "AppSync GraphQL APIs", "appsync", GRAPHQL_API,
                calls=(ApiCall("appsync", "ListGraphqlApis", "graphqlApis", page_size=25),)),
)
