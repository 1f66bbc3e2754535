"""OpenSearch Service domains: public or in a VPC, encryption at rest and between nodes, HTTPS, access policy."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import batched
from aws_integration.integrations.aws.collectors.mapped import in_subnets, mapped_step, mapped_type, protected_by, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_DOMAIN_NAMES = ApiCall("opensearch", "ListDomainNames")
DESCRIBE_DOMAINS = ApiCall("opensearch", "DescribeDomains")
LIST_TAGS = ApiCall("opensearch", "ListTags")
DESCRIBE_BATCH = 5  # DescribeDomains takes at most five names

DOMAIN = mapped_type(
    "aws_opensearch_domain", ("DataStore", "Database"), "An OpenSearch Service (or Elasticsearch) domain.",
    key="ARN", display_name="DomainName", tags="Tags",
    links=(
        uses_key("EncryptionAtRestOptions.KmsKeyId"),
        in_subnets("VPCOptions.SubnetIds"),
        protected_by("VPCOptions.SecurityGroupIds"),
    ),
    name=("string: The domain's name.", "DomainName"),
    arn=("string: Its ARN.", "ARN"),
    engineVersion=("string: Its engine and version (OpenSearch_2.11, Elasticsearch_7.10).", "EngineVersion"),
    endpoint=("string: Its endpoint (public domains).", "Endpoint"),
    public=("boolean: Whether it has a public endpoint (not inside a VPC).", lambda item: not item.get("VPCOptions")),
    encrypted=("boolean: Whether its data is encrypted at rest.", "EncryptionAtRestOptions.Enabled"),
    kmsKeyId=("string: The key that encrypts it.", "EncryptionAtRestOptions.KmsKeyId"),
    nodeToNodeEncryption=("boolean: Whether traffic between its nodes is encrypted.", "NodeToNodeEncryptionOptions.Enabled"),
    enforceHttps=("boolean: Whether it refuses plain HTTP.", "DomainEndpointOptions.EnforceHTTPS"),
    tlsPolicy=("string: The TLS security policy of its endpoint.", "DomainEndpointOptions.TLSSecurityPolicy"),
    fineGrainedAccessControl=("boolean: Whether fine-grained access control is on.", "AdvancedSecurityOptions.Enabled"),
    accessPolicy=("string: Its access policy, as JSON text.", lambda item: item.get("AccessPolicies") or None),
    instanceType=("string: Its data nodes' instance type.", "ClusterConfig.InstanceType"),
    instanceCount=("integer: Its data nodes.", "ClusterConfig.InstanceCount"),
)


async def fetch_domains(context: FetchContext) -> list[RawItem]:
    """Every domain, described five at a time, with its tags."""
    names = [domain["DomainName"] for domain in ((await context.call(LIST_DOMAIN_NAMES)) or {}).get("DomainNames", [])]
    pages = await context.each(batched(names, DESCRIBE_BATCH),
                               lambda batch: context.call(DESCRIBE_DOMAINS, DomainNames=batch))
    domains = [domain for page in pages for domain in (page or {}).get("DomainStatusList", [])]
    tags = await context.each(domains, lambda domain: context.call(LIST_TAGS, ARN=domain["ARN"]))
    return [{**domain, "Tags": (answer or {}).get("TagList", [])} for domain, answer in zip(domains, tags)]


STEPS = (
    mapped_step("fetch-opensearch-domains", "OpenSearch domains", "opensearch", DOMAIN,
                calls=(LIST_DOMAIN_NAMES, DESCRIBE_DOMAINS, LIST_TAGS), fetch=fetch_domains),
)
