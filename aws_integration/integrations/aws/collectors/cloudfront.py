"""CloudFront distributions: TLS policy, WAF, origins (and the S3 buckets they serve)."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe, relate
from aws_integration.integrations.aws.collectors.s3 import BUCKET
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

DISTRIBUTION = EntityDecl("aws_cloudfront_distribution", ("Gateway",), "A CloudFront distribution.", properties=described(
    distributionId="string: The distribution ID.",
    arn="string: Its ARN.",
    domainName="string: Its cloudfront.net domain name.",
    aliases="string[]: Its alternate domain names (CNAMEs).",
    status="string: Deployed or InProgress.",
    enabled="boolean: Whether it serves requests.",
    public="boolean: Always true: a distribution serves the internet.",
    priceClass="string: Its price class (edge locations it uses).",
    httpVersion="string: The highest HTTP version it speaks.",
    ipv6Enabled="boolean: Whether it answers on IPv6.",
    webAclId="string: The WAF web ACL that guards it.",
    minimumProtocolVersion="string: The oldest TLS version it accepts from viewers.",
    defaultCertificate="boolean: Whether it uses the cloudfront.net certificate.",
    origins="string[]: The domain names of its origins.",
    lastModified="timestamp: When it was last changed.",
))
_S3_ORIGIN = ".s3."


def _bucket_of(domain: str) -> str | None:
    """The bucket an S3 origin domain names (``name.s3.amazonaws.com``, ``name.s3.eu-west-1.amazonaws.com``)."""
    if _S3_ORIGIN in domain:
        return domain.split(_S3_ORIGIN, 1)[0]
    return None


def transform_distribution(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_cloudfront_distribution``; it USES the S3 buckets it serves."""
    key = item["ARN"]
    origins = [origin.get("DomainName", "") for origin in (item.get("Origins") or {}).get("Items", [])]
    certificate = item.get("ViewerCertificate") or {}
    yield build_entity(
        DISTRIBUTION,
        scope,
        key=key,
        name=item.get("DomainName") or item["Id"],
        tags=item.get("Tags"),
        properties={
            "distributionId": item["Id"],
            "arn": key,
            "domainName": item.get("DomainName"),
            "aliases": (item.get("Aliases") or {}).get("Items"),
            "status": item.get("Status"),
            "enabled": item.get("Enabled"),
            "public": True,
            "priceClass": item.get("PriceClass"),
            "httpVersion": item.get("HttpVersion"),
            "ipv6Enabled": item.get("IsIPV6Enabled"),
            "webAclId": item.get("WebACLId") or None,
            "minimumProtocolVersion": certificate.get("MinimumProtocolVersion"),
            "defaultCertificate": certificate.get("CloudFrontDefaultCertificate"),
            "origins": origins or None,
            "lastModified": item.get("LastModifiedTime"),
        },
    )
    for bucket in dict.fromkeys(filter(None, map(_bucket_of, origins))):
        yield relate(DISTRIBUTION, key, "USES", BUCKET, f"arn:{scope.partition}:s3:::{bucket}")


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-cloudfront-distributions",
        name="CloudFront distributions",
        service="cloudfront",
        scope=Scope.GLOBAL,
        entities=(DISTRIBUTION,),
        relationships=(RelationshipDecl(DISTRIBUTION.type, "USES", BUCKET.type),),
        fetch=list_then_describe(
            ApiCall("cloudfront", "ListDistributions", "DistributionList.Items"),
            Detail("Tags", ApiCall("cloudfront", "ListTagsForResource"),
                   lambda item: {"Resource": item["ARN"]}, pick="Tags.Items"),
        ),
        transform=transform_distribution,
    ),
)
