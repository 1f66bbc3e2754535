"""WAF (v2) web ACLs: regional ones per region, CloudFront's in us-east-1; default action, rules, logging."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import listed_by_token
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_WEB_ACLS = ApiCall("wafv2", "ListWebACLs")
GET_WEB_ACL = ApiCall("wafv2", "GetWebACL", absent_errors=("WAFNonexistentItemException",))
LIST_TAGS = ApiCall("wafv2", "ListTagsForResource")
PAGE_SIZE = 100  # ListWebACLs's largest page
CLOUDFRONT_REGION = "us-east-1"  # CloudFront's web ACLs are managed there (aws partition)


def _managed_rule_groups(item: RawItem) -> list[str]:
    return sorted({f"{group['VendorName']}/{group['Name']}" for rule in item.get("Rules") or []
                   if (group := read(rule, "Statement.ManagedRuleGroupStatement"))})


WEB_ACL = mapped_type(
    "aws_wafv2_web_acl", ("Firewall",), "A WAF web ACL: a region's, or CloudFront's (listed with us-east-1's).",
    key="ARN", display_name="Name", tags="Tags",
    name=("string: The web ACL's name.", "Name"),
    webAclId=("string: Its ID.", "Id"),
    scope=("string: REGIONAL or CLOUDFRONT.", "Scope"),
    description=("string: Its description.", "Description"),
    defaultAction=("string: ALLOW or BLOCK: what befalls a request no rule matches.",
                   lambda item: "ALLOW" if "Allow" in (item.get("DefaultAction") or {}) else
                   "BLOCK" if "Block" in (item.get("DefaultAction") or {}) else None),
    allowsByDefault=("boolean: Whether requests no rule matches are let through.",
                     lambda item: "Allow" in (item.get("DefaultAction") or {}) if item.get("DefaultAction") else None),
    ruleCount=("integer: Its rules.", lambda item: len(item.get("Rules") or [])),
    managedRuleGroups=("string[]: The managed rule groups it applies (vendor/name).", _managed_rule_groups),
    capacity=("integer: The web ACL capacity units its rules use.", "Capacity"),
    metricsEnabled=("boolean: Whether it publishes CloudWatch metrics.", "VisibilityConfig.CloudWatchMetricsEnabled"),
    sampledRequests=("boolean: Whether it keeps samples of the requests it matched.",
                     equals("VisibilityConfig.SampledRequestsEnabled", True)),
)


async def _web_acls_of(context: FetchContext, scope: str) -> list[RawItem]:
    listed = await listed_by_token(context, LIST_WEB_ACLS, "WebACLs", token="NextMarker", Scope=scope, Limit=PAGE_SIZE)

    async def describe(summary: RawItem) -> RawItem | None:
        found, tags = await context.together(
            lambda: context.call(GET_WEB_ACL, Name=summary["Name"], Id=summary["Id"], Scope=scope),
            lambda: context.call(LIST_TAGS, ResourceARN=summary["ARN"], Limit=PAGE_SIZE),
        )
        if not found:
            return None
        return {**summary, **found["WebACL"], "Scope": scope, "Tags": read(tags or {}, "TagInfoForResource.TagList") or []}

    return [item for item in await context.each(listed, describe) if item is not None]


async def fetch_web_acls(context: FetchContext) -> list[RawItem]:
    """The region's web ACLs with their rules and tags; in us-east-1 (aws partition), CloudFront's too."""
    scopes = ["REGIONAL"]
    if context.region == CLOUDFRONT_REGION and context.scope.partition == "aws":
        scopes.append("CLOUDFRONT")
    return [acl for scope in scopes for acl in await _web_acls_of(context, scope)]


STEPS = (
    mapped_step("fetch-wafv2-web-acls", "WAF web ACLs", "wafv2", WEB_ACL,
                calls=(LIST_WEB_ACLS, GET_WEB_ACL, LIST_TAGS), fetch=fetch_web_acls),
)
