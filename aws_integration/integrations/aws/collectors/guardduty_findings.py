"""GuardDuty findings of the last days: what threat, how severe, on which resource (archived ones left out)."""

from __future__ import annotations

import time

from aws_integration.integrations.aws.collectors.common import batched
from aws_integration.integrations.aws.collectors.ec2 import INSTANCE
from aws_integration.integrations.aws.collectors.guardduty import DETECTOR, LIST_DETECTORS, detector_arn
from aws_integration.integrations.aws.collectors.mapped import Link, iso, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

FINDINGS_MAX_AGE_DAYS = 30  # findings not updated since are left out (GuardDuty keeps them 90 days)
GET_FINDINGS_BATCH = 50  # GetFindings takes at most 50 IDs
LIST_FINDINGS = ApiCall("guardduty", "ListFindings", "FindingIds", page_size=50)
GET_FINDINGS = ApiCall("guardduty", "GetFindings")


def _severity_label(item: RawItem) -> str | None:
    """GuardDuty's bands: 7.0 and above high (9.0 and above critical), 4.0 to 6.9 medium, below low."""
    severity = item.get("Severity")
    if not isinstance(severity, (int, float)):
        return None
    return "critical" if severity >= 9 else "high" if severity >= 7 else "medium" if severity >= 4 else "low"


FINDING = mapped_type(
    "aws_guardduty_finding", ("Finding",), f"A GuardDuty finding updated in the last {FINDINGS_MAX_AGE_DAYS} days.",
    key="Arn", display_name="Title",
    links=(Link("HAS", DETECTOR, "DetectorArn", inbound=True),
           Link("HAS", INSTANCE, "Resource.InstanceDetails.InstanceId", inbound=True, ec2_kind="instance")),
    findingId=("string: Its ID.", "Id"),
    findingType=("string: What GuardDuty saw (Recon:EC2/PortProbeUnprotectedPort, UnauthorizedAccess:IAMUser/...).", "Type"),
    title=("string: Its title.", "Title"),
    description=("string: Its description.", "Description"),
    severity=("number: Its severity, 1.0 to 10.0.", "Severity"),
    severityLabel=("string: low, medium, high or critical.", _severity_label),
    resourceType=("string: The kind of resource it is about (Instance, AccessKey, S3Bucket, EKSCluster...).",
                  "Resource.ResourceType"),
    instanceId=("string: The instance it is about.", "Resource.InstanceDetails.InstanceId"),
    accessKeyId=("string: The access key it is about.", "Resource.AccessKeyDetails.AccessKeyId"),
    principal=("string: The user or role it is about.", "Resource.AccessKeyDetails.UserName"),
    count=("integer: How many times GuardDuty saw it.", "Service.Count"),
    archived=("boolean: Whether it was archived.", "Service.Archived"),
    firstSeenOn=("timestamp: When GuardDuty first saw it.", iso("Service.EventFirstSeen")),
    lastSeenOn=("timestamp: When GuardDuty last saw it.", iso("Service.EventLastSeen")),
    createdOn=("timestamp: When it was made.", iso("CreatedAt")),
    updatedOn=("timestamp: When it last changed.", iso("UpdatedAt")),
)


def recent_unarchived(now: float | None = None) -> dict[str, object]:
    """The finding criteria: not archived, updated since the start of the UTC day
    :data:`FINDINGS_MAX_AGE_DAYS` days before ``now`` (by default the current time).

    Starting at a day boundary, every run of one day asks the same question (a recorded run
    replays), at the cost of up to a day more of findings.
    """
    today = int(time.time() if now is None else now) // 86_400
    since = (today - FINDINGS_MAX_AGE_DAYS) * 86_400_000
    return {"Criterion": {"updatedAt": {"GreaterThanOrEqual": since}, "service.archived": {"Equals": ["false"]}}}


async def fetch_findings(context: FetchContext) -> list[RawItem]:
    """Each detector's recent findings, fifty at a time, each with its detector's ARN."""
    findings: list[RawItem] = []
    for detector_id in await context.items(LIST_DETECTORS):
        ids = await context.items(LIST_FINDINGS, DetectorId=detector_id, FindingCriteria=recent_unarchived())
        pages = await context.each(batched(ids, GET_FINDINGS_BATCH), lambda batch: context.call(
            GET_FINDINGS, DetectorId=detector_id, FindingIds=batch))
        detector = detector_arn(context.scope, detector_id)
        findings += [{**finding, "DetectorArn": detector} for page in pages for finding in (page or {}).get("Findings", [])]
    return findings


STEPS = (
    mapped_step("fetch-guardduty-findings", "GuardDuty findings", "guardduty", FINDING,
                calls=(LIST_DETECTORS, LIST_FINDINGS, GET_FINDINGS), fetch=fetch_findings),
)
