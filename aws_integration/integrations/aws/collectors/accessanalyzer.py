"""IAM Access Analyzer: the analyzers of each region, and their active findings (external and unused access)."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.awslambda import FUNCTION
from aws_integration.integrations.aws.collectors.iam import ROLE, USER
from aws_integration.integrations.aws.collectors.kms import KEY
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.collectors.s3 import BUCKET
from aws_integration.integrations.aws.collectors.secretsmanager import SECRET
from aws_integration.integrations.aws.collectors.sqs import QUEUE
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_ANALYZERS = ApiCall("accessanalyzer", "ListAnalyzers", "analyzers")
# IAM authorises ListFindingsV2 with access-analyzer:ListFindings (the API reference says so).
LIST_FINDINGS = ApiCall("accessanalyzer", "ListFindingsV2", "findings", page_size=100,
                        iam_action="access-analyzer:ListFindings")
ACTIVE = {"status": {"eq": ["ACTIVE"]}}
RESOURCE_TYPES: dict[str, EntityDecl] = {  # the finding's resourceType, and the entity type keyed by that ARN
    "AWS::S3::Bucket": BUCKET, "AWS::IAM::Role": ROLE, "AWS::IAM::User": USER, "AWS::KMS::Key": KEY,
    "AWS::Lambda::Function": FUNCTION, "AWS::SQS::Queue": QUEUE, "AWS::SecretsManager::Secret": SECRET,
}

ANALYZER = mapped_type(
    "aws_accessanalyzer_analyzer", ("Service",), "An IAM Access Analyzer analyzer: its zone of trust and what it looks for.",
    key="arn", display_name="name", tags="tags",
    name=("string: Its name.", "name"),
    arn=("string: Its ARN.", "arn"),
    type=("string: ACCOUNT or ORGANIZATION (external access), or ..._UNUSED_ACCESS.", "type"),
    status=("string: ACTIVE, CREATING, DISABLED or FAILED.", "status"),
    active=("boolean: Whether it is analysing.", equals("status", "ACTIVE")),
    lastResourceAnalyzed=("string: The resource it analysed last.", "lastResourceAnalyzed"),
    lastResourceAnalyzedOn=("timestamp: When it analysed a resource last.", "lastResourceAnalyzedAt"),
    createdOn=("timestamp: When it was created.", "createdAt"),
)


def _about(entity: EntityDecl, resource_type: str) -> Link:
    return Link("HAS", entity, lambda item: item.get("resource") if item.get("resourceType") == resource_type else None,
                inbound=True)


FINDING = mapped_type(
    "aws_accessanalyzer_finding", ("Finding",), "An active Access Analyzer finding: access from outside the zone "
    "of trust, or access granted and unused.",
    key=lambda item, scope: f"{item['AnalyzerArn']}/finding/{item['id']}", display_name=lambda item: (
        f"{item.get('findingType') or 'Finding'}: {item.get('resource') or item['id']}"),
    links=(Link("HAS", ANALYZER.decl, "AnalyzerArn", inbound=True),
           *(_about(entity, resource_type) for resource_type, entity in RESOURCE_TYPES.items())),
    findingId=("string: Its ID.", "id"),
    findingType=("string: ExternalAccess, UnusedIAMRole, UnusedIAMUserAccessKey, UnusedIAMUserPassword, "
                 "UnusedPermission and so on.", "findingType"),
    resource=("string: The ARN of the resource it is about.", "resource"),
    resourceType=("string: The kind of resource (AWS::S3::Bucket, AWS::IAM::Role, ...).", "resourceType"),
    resourceOwnerAccount=("string: The account that owns the resource.", "resourceOwnerAccount"),
    status=("string: ACTIVE (archived and resolved ones are left out).", "status"),
    error=("string: Why the analyzer could not analyse the resource.", "error"),
    analyzer=("string: The analyzer that found it.", "AnalyzerArn"),
    analyzedOn=("timestamp: When the resource was analysed.", "analyzedAt"),
    createdOn=("timestamp: When it was made.", "createdAt"),
    updatedOn=("timestamp: When it last changed.", "updatedAt"),
)


async def fetch_findings(context: FetchContext) -> list[RawItem]:
    """The active findings of each active analyzer in the region, each with its analyzer's ARN."""
    analyzers = [analyzer["arn"] for analyzer in await context.items(LIST_ANALYZERS) if analyzer.get("status") == "ACTIVE"]
    listings = await context.each(analyzers, lambda arn: context.items(LIST_FINDINGS, analyzerArn=arn, filter=ACTIVE))
    return [{**finding, "AnalyzerArn": arn} for arn, findings in zip(analyzers, listings) for finding in findings]


STEPS = (
    mapped_step("fetch-access-analyzers", "IAM Access Analyzer analyzers", "accessanalyzer", ANALYZER,
                calls=(LIST_ANALYZERS,)),
    mapped_step("fetch-access-analyzer-findings", "IAM Access Analyzer findings", "accessanalyzer", FINDING,
                calls=(LIST_ANALYZERS, LIST_FINDINGS), fetch=fetch_findings),
)
