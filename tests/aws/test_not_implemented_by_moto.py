"""The types moto 5 has no calls for; here SSM managed instances, GuardDuty findings and Config rule compliance.

Under moto alone their steps end disabled for ``not_implemented`` (the run stays a success
and lists them as skipped, saying why). Through the proxy, the calls get the answers the
AWS API references document, which botocore parses as it would AWS's, and the graph has them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from aws_integration.integrations.aws.collectors.guardduty_findings import FINDINGS_MAX_AGE_DAYS, recent_unarchived
from aws_integration.sample.seed import HOME_REGION, SampleAccount, seed_sample_account
from tests.aws_proxy import Answer, AwsProxy
from tests.cli_runs import export, ingest
from tests.moto_quirks import MOTO_LACKS

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
HYBRID = "mi-0123456789abcdef0"
FINDING = "5ab9c6a2e7b4f0d1c8e3a6b2d9f4e7c1"
JSON_11 = (("Content-Type", "application/x-amz-json-1.1"),)
REST_JSON = (("Content-Type", "application/json"),)


def _ingest(store: Path, endpoint: str) -> dict[str, Any]:
    code, report, stderr = ingest(store, endpoint, "--no-permission-check", "--regions", HOME_REGION, attempts=2)
    assert code == 0 and "Traceback" not in stderr, stderr
    return report


def test_under_moto_the_three_steps_say_the_endpoint_does_not_implement_their_calls(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    report = _ingest(tmp_path / "graph.sqlite", endpoint)
    assert report["status"] == "success"
    steps = {step["stepId"]: step for step in report["steps"] if step["status"] != "success"}
    assert set(steps) == MOTO_LACKS
    assert {step["reason"] for step in steps.values()} == {"not_implemented"}
    assert steps["fetch-ssm-managed-instances"]["message"] == "the endpoint does not implement ssm:DescribeInstanceInformation"
    assert steps["fetch-guardduty-findings"]["retries"] == 0  # a 501 is not retried as a 500 would be
    skipped = {skipped["type"]: skipped["reason"] for skipped in report["skippedTypes"]}
    assert skipped["aws_ssm_managed_instance"] == skipped["aws_guardduty_finding"] == "not_implemented"


def _ssm(sample: SampleAccount) -> Answer:
    """DescribeInstanceInformation, as the SSM API reference documents it."""
    return Answer(200, json.dumps({"InstanceInformationList": [
        {"InstanceId": sample.web_instances[0], "PingStatus": "Online", "LastPingDateTime": 1_796_000_000.0,
         "AgentVersion": "3.3.40.0", "IsLatestVersion": False, "PlatformType": "Linux", "PlatformName": "Amazon Linux",
         "PlatformVersion": "2023", "ResourceType": "EC2Instance", "IPAddress": "10.0.1.10",
         "ComputerName": "ip-10-0-1-10.ec2.internal", "AssociationStatus": "Success"},
        {"InstanceId": HYBRID, "PingStatus": "ConnectionLost", "ResourceType": "ManagedInstance", "PlatformType": "Windows",
         "ComputerName": "OFFICE-PC", "IamRole": "SSMServiceRole", "AgentVersion": "3.2.1.0", "IsLatestVersion": False},
    ]}).encode(), JSON_11)


def _finding(sample: SampleAccount) -> dict[str, Any]:
    """One finding as GuardDuty's GetFindings documents it (its wire names are lowerCamelCase)."""
    return {
        "accountId": ACCOUNT, "region": HOME_REGION, "partition": "aws", "id": FINDING, "schemaVersion": "2.0",
        "arn": f"arn:aws:guardduty:{HOME_REGION}:{ACCOUNT}:detector/{sample.detector}/finding/{FINDING}",
        "type": "UnauthorizedAccess:EC2/SSHBruteForce", "title": "SSH brute force attacks against web-1.",
        "description": "203.0.113.5 is performing SSH brute force attacks against web-1.", "severity": 8.0,
        "confidence": 8.0, "createdAt": "2026-11-30T09:00:00.000Z", "updatedAt": "2026-12-01T10:30:00.000Z",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": sample.web_instances[0]}},
        "service": {"serviceName": "guardduty", "detectorId": sample.detector, "archived": False, "count": 42,
                    "eventFirstSeen": "2026-11-30T08:55:00.000Z", "eventLastSeen": "2026-12-01T10:29:00.000Z"},
    }


def _compliance() -> Answer:
    """DescribeComplianceByConfigRule, as the AWS Config API reference documents it."""
    return Answer(200, json.dumps({"ComplianceByConfigRules": [{"ConfigRuleName": "s3-bucket-encrypted", "Compliance": {
        "ComplianceType": "NON_COMPLIANT", "ComplianceContributorCount": {"CappedCount": 2, "CapExceeded": False}}}]}).encode(),
        JSON_11)


def test_with_aws_s_documented_answers_the_three_types_are_in_the_graph(endpoint: str, tmp_path: Path) -> None:
    sample = seed_sample_account(endpoint)
    findings = f"POST /detector/{sample.detector}/findings"
    replace = {
        ("ssm", "DescribeInstanceInformation"): lambda upstream: _ssm(sample),
        ("guardduty", findings): lambda upstream: Answer(200, json.dumps({"findingIds": [FINDING]}).encode(), REST_JSON),
        ("guardduty", f"{findings}/get"): lambda upstream: Answer(
            200, json.dumps({"findings": [_finding(sample)]}).encode(), REST_JSON),
        ("config", "DescribeComplianceByConfigRule"): lambda upstream: _compliance(),
    }
    store = tmp_path / "graph.sqlite"
    with AwsProxy(endpoint, replace=replace) as proxy:
        report = _ingest(store, proxy.url)
    served = {"fetch-ssm-managed-instances", "fetch-guardduty-findings", "fetch-config-rule-compliance"}
    assert report["status"] == "success"  # the breadth types moto lacks are served in test_not_implemented_by_moto_breadth
    assert {skipped["stepId"] for skipped in report["skippedTypes"]} == MOTO_LACKS - served
    assert proxy.counts.faults["replaced"] == 4

    exported = export(store)
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for entity in exported["entities"]:
        by_type.setdefault(entity["_type"], {})[entity["_key"]] = entity
    edges = {(rel["_type"], rel["_fromEntityKey"], rel["_toEntityKey"]) for rel in exported["relationships"]}
    web = f"arn:aws:ec2:{HOME_REGION}:{ACCOUNT}:instance/{sample.web_instances[0]}"

    managed = by_type["aws_ssm_managed_instance"]
    ec2_managed = managed[f"arn:aws:ssm:{HOME_REGION}:{ACCOUNT}:managed-instance/{sample.web_instances[0]}"]
    assert (ec2_managed["online"], ec2_managed["agentUpToDate"], ec2_managed["platformName"]) == (True, False, "Amazon Linux")
    assert isinstance(ec2_managed["lastPingOn"], int)
    hybrid = managed[f"arn:aws:ssm:{HOME_REGION}:{ACCOUNT}:managed-instance/{HYBRID}"]
    assert hybrid["displayName"] == "OFFICE-PC" and hybrid["online"] is False
    assert ("aws_instance_has_ssm_managed_instance", web, ec2_managed["_key"]) in edges
    assert not any(rel[2] == hybrid["_key"] and rel[0] == "aws_instance_has_ssm_managed_instance" for rel in edges)

    [finding] = by_type["aws_guardduty_finding"].values()
    assert (finding["severity"], finding["severityLabel"], finding["count"]) == (8.0, "high", 42)
    assert finding["findingType"] == "UnauthorizedAccess:EC2/SSHBruteForce" and finding["instanceId"] == sample.web_instances[0]
    assert isinstance(finding["lastSeenOn"], int) and finding["archived"] is False
    detector = f"arn:aws:guardduty:{HOME_REGION}:{ACCOUNT}:detector/{sample.detector}"
    assert ("aws_guardduty_detector_has_finding", detector, finding["_key"]) in edges
    assert ("aws_instance_has_guardduty_finding", web, finding["_key"]) in edges

    [compliance] = by_type["aws_config_rule_compliance"].values()
    assert (compliance["compliant"], compliance["nonCompliantResources"], compliance["capped"]) == (False, 2, False)
    [rule] = by_type["aws_config_rule"].values()
    assert ("aws_config_rule_has_compliance", rule["_key"], compliance["_key"]) in edges


def test_findings_are_asked_for_by_age_and_archive_state() -> None:
    criteria = recent_unarchived()["Criterion"]
    assert criteria["service.archived"] == {"Equals": ["false"]}
    since = criteria["updatedAt"]["GreaterThanOrEqual"]
    age = time.time() * 1000 - since
    assert FINDINGS_MAX_AGE_DAYS * 86_400_000 <= age < (FINDINGS_MAX_AGE_DAYS + 1) * 86_400_000
    assert since % 86_400_000 == 0  # the start of a UTC day: runs of one day ask the same question
    # 2026-12-03T23:59Z and 00:01Z of that day ask from 2026-11-03T00:00Z (1793664000000 ms).
    assert {recent_unarchived(1796342340)["Criterion"]["updatedAt"]["GreaterThanOrEqual"],  # type: ignore[index]
            recent_unarchived(1796256060)["Criterion"]["updatedAt"]["GreaterThanOrEqual"]} == {1793664000000}  # type: ignore[index]
