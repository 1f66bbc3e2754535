"""ACM certificates: domains, validity, renewal, where they are in use."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, list_then_describe
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

CERTIFICATE = EntityDecl("aws_acm_certificate", ("Certificate",), "An ACM certificate.", properties=described(
    arn="string: The certificate's ARN.",
    domainName="string: Its primary domain name.",
    subjectAlternativeNames="string[]: Every name it is valid for.",
    status="string: ISSUED, PENDING_VALIDATION, EXPIRED, REVOKED, FAILED and the like.",
    type="string: AMAZON_ISSUED, IMPORTED or PRIVATE.",
    keyAlgorithm="string: RSA_2048, EC_prime256v1 and the like.",
    issuer="string: Its issuer.",
    notBefore="timestamp: When it becomes valid.",
    expiresOn="timestamp: When it expires.",
    inUse="boolean: Whether an AWS resource uses it.",
    inUseByCount="integer: The AWS resources that use it.",
    renewalEligibility="string: ELIGIBLE or INELIGIBLE for managed renewal.",
    createdOn="timestamp: When it was requested or imported.",
))


def _certificate(item: RawItem) -> dict[str, str]:
    return {"CertificateArn": item["CertificateArn"]}


def transform_certificate(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_acm_certificate``."""
    details = item.get("Certificate") or {}
    key = item["CertificateArn"]
    yield build_entity(
        CERTIFICATE,
        scope,
        key=key,
        name=item.get("DomainName") or key,
        tags=item.get("Tags"),
        properties={
            "arn": key,
            "domainName": item.get("DomainName"),
            "subjectAlternativeNames": details.get("SubjectAlternativeNames"),
            "status": details.get("Status") or item.get("Status"),
            "type": details.get("Type"),
            "keyAlgorithm": details.get("KeyAlgorithm"),
            "issuer": details.get("Issuer"),
            "notBefore": details.get("NotBefore"),
            "expiresOn": details.get("NotAfter"),
            "inUse": bool(details.get("InUseBy")),
            "inUseByCount": len(details.get("InUseBy") or []),
            "renewalEligibility": details.get("RenewalEligibility"),
            "createdOn": details.get("CreatedAt"),
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-acm-certificates",
        name="ACM certificates",
        service="acm",
        scope=Scope.REGIONAL,
        entities=(CERTIFICATE,),
        fetch=list_then_describe(
            ApiCall("acm", "ListCertificates", "CertificateSummaryList"),
            Detail("Certificate", ApiCall("acm", "DescribeCertificate"), _certificate, pick="Certificate"),
            Detail("Tags", ApiCall("acm", "ListTagsForCertificate"), _certificate, pick="Tags"),
        ),
        transform=transform_certificate,
    ),
)
