"""API Gateway: REST APIs (v1) and HTTP/WebSocket APIs (v2)."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

REST_API = EntityDecl("aws_api_gateway_rest_api", ("Gateway",), "An API Gateway REST API.", properties=described(
    apiId="string: The API ID.",
    name="string: Its name.",
    description="string: Its description.",
    endpointTypes="string[]: EDGE, REGIONAL or PRIVATE.",
    public="boolean: Whether its endpoint is reachable from the internet (not PRIVATE).",
    apiKeySource="string: HEADER or AUTHORIZER.",
    disableExecuteApiEndpoint="boolean: Whether its default execute-api endpoint is off.",
    createdOn="timestamp: When it was created.",
))
HTTP_API = EntityDecl("aws_apigatewayv2_api", ("Gateway",), "An API Gateway HTTP or WebSocket API.", properties=described(
    apiId="string: The API ID.",
    name="string: Its name.",
    protocolType="string: HTTP or WEBSOCKET.",
    apiEndpoint="string: Its default endpoint's URI.",
    public="boolean: Whether its default endpoint is on.",
    disableExecuteApiEndpoint="boolean: Whether its default execute-api endpoint is off.",
    corsAllowOrigins="string[]: The origins its CORS configuration allows.",
    createdOn="timestamp: When it was created.",
))
READ = "apigateway:GET"  # IAM authorises every API Gateway read as GET on the resource path


GET_REST_APIS = ApiCall("apigateway", "GetRestApis", "items", iam_action=READ)
GET_APIS = ApiCall("apigatewayv2", "GetApis", "Items", iam_action=READ)


def transform_rest_api(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_api_gateway_rest_api``."""
    endpoint_types = (item.get("endpointConfiguration") or {}).get("types") or []
    yield build_entity(
        REST_API,
        scope,
        key=scope.arn("apigateway", f"/restapis/{item['id']}", account=False),
        name=item.get("name") or item["id"],
        tags=item.get("tags"),
        properties={
            "apiId": item["id"],
            "name": item.get("name"),
            "description": item.get("description") or None,
            "endpointTypes": endpoint_types or None,
            "public": "PRIVATE" not in endpoint_types,
            "apiKeySource": item.get("apiKeySource"),
            "disableExecuteApiEndpoint": item.get("disableExecuteApiEndpoint"),
            "createdOn": item.get("createdDate"),
        },
    )


def transform_http_api(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_apigatewayv2_api``."""
    yield build_entity(
        HTTP_API,
        scope,
        key=scope.arn("apigateway", f"/apis/{item['ApiId']}", account=False),
        name=item.get("Name") or item["ApiId"],
        tags=item.get("Tags"),
        properties={
            "apiId": item["ApiId"],
            "name": item.get("Name"),
            "protocolType": item.get("ProtocolType"),
            "apiEndpoint": item.get("ApiEndpoint"),
            "public": not item.get("DisableExecuteApiEndpoint", False),
            "disableExecuteApiEndpoint": item.get("DisableExecuteApiEndpoint"),
            "corsAllowOrigins": ((item.get("CorsConfiguration") or {}).get("AllowOrigins")) or None,
            "createdOn": item.get("CreatedDate"),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-api-gateway-rest-apis", name="API Gateway REST APIs", service="apigateway", scope=Scope.REGIONAL,
        calls=(GET_REST_APIS,),
        entities=(REST_API,), transform=transform_rest_api,
    ),
    StepDecl(
        id="fetch-api-gateway-http-apis", name="API Gateway HTTP APIs", service="apigatewayv2", scope=Scope.REGIONAL,
        calls=(GET_APIS,),
        entities=(HTTP_API,), transform=transform_http_api,
    ),
)
