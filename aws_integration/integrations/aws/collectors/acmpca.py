"""Private certificate authorities (ACM PCA): root or subordinate, key algorithm, status, revocation."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ApiCall

CONFIG = "CertificateAuthorityConfiguration"
REVOCATION = "RevocationConfiguration"

CERTIFICATE_AUTHORITY = mapped_type(
    "aws_acmpca_certificate_authority", ("Certificate",), "A private certificate authority of ACM PCA.",
    key="Arn", display_name=lambda item: read(item, f"{CONFIG}.Subject.CommonName") or item["Arn"].rsplit("/", 1)[-1],
    tags="Tags",
    authorityType=("string: ROOT or SUBORDINATE.", "Type"),
    status=("string: ACTIVE, PENDING_CERTIFICATE, DISABLED, EXPIRED and so on.", "Status"),
    active=("boolean: Whether it issues certificates.", equals("Status", "ACTIVE")),
    usageMode=("string: GENERAL_PURPOSE or SHORT_LIVED_CERTIFICATE.", "UsageMode"),
    keyAlgorithm=("string: Its key's algorithm (RSA_2048, EC_prime256v1 and so on).", f"{CONFIG}.KeyAlgorithm"),
    signingAlgorithm=("string: The algorithm it signs with.", f"{CONFIG}.SigningAlgorithm"),
    commonName=("string: Its subject's common name.", f"{CONFIG}.Subject.CommonName"),
    crlEnabled=("boolean: Whether it publishes a certificate revocation list.", f"{REVOCATION}.CrlConfiguration.Enabled"),
    ocspEnabled=("boolean: Whether it answers OCSP.", f"{REVOCATION}.OcspConfiguration.Enabled"),
    keyStorageStandard=("string: The FIPS level its keys are stored at.", "KeyStorageSecurityStandard"),
    notBefore=("timestamp: When its certificate becomes valid.", "NotBefore"),
    notAfter=("timestamp: When its certificate expires.", "NotAfter"),
    createdOn=("timestamp: When it was created.", "CreatedAt"),
)

STEPS = (
    mapped_step("fetch-acmpca-authorities", "Private certificate authorities", "acm-pca", CERTIFICATE_AUTHORITY,
                fetch=list_then_describe(
        ApiCall("acm-pca", "ListCertificateAuthorities", "CertificateAuthorities", page_size=1000),
        Detail("Tags", ApiCall("acm-pca", "ListTags", "Tags"), lambda item: {"CertificateAuthorityArn": item["Arn"]}),
    )),
)
