"""The breadth types moto 5 cannot serve, in the graph from the answers AWS's API references document.

Placement groups, capacity reservations, IAM Access Analyzer, Security Hub's enabled standards,
CodeCommit and Lightsail: moto has no code for their calls (under moto alone their steps end
``not_implemented``: tests/aws/test_not_implemented_by_moto.py). DocumentDB: moto's RDS refuses
the ``docdb`` engine. EBS's default key: moto has no GetEbsDefaultKmsKeyId. Macie where it was
never turned on: moto answers ResourceNotFoundException, AWS AccessDeniedException. The proxy serves
each call the documented answer, which botocore parses as it would AWS's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from aws_integration.sample.seed import HOME_REGION, seed_sample_account
from tests.aws_proxy import Answer, AwsProxy
from tests.cli_runs import export, ingest

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
EC2_XML = (("Content-Type", "text/xml"),)
JSON_11 = (("Content-Type", "application/x-amz-json-1.1"),)
REST_JSON = (("Content-Type", "application/json"),)
ANALYZER = f"arn:aws:access-analyzer:{HOME_REGION}:{ACCOUNT}:analyzer/account-zone"
PUBLIC_BUCKET_FINDING = "0b1f3c1e-2a4d-4b8e-9f1a-7c6d5e4f3a2b"
REPOSITORY = f"arn:aws:codecommit:{HOME_REGION}:{ACCOUNT}:payments"
DOCDB = f"arn:aws:rds:{HOME_REGION}:{ACCOUNT}:cluster:catalog"


def _ec2(operation: str, body: str) -> Answer:
    return Answer(200, (f'<{operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                        f"<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>{body}</{operation}Response>").encode(),
                  EC2_XML)


PLACEMENT_GROUPS = _ec2("DescribePlacementGroups", (
    "<placementGroupSet><item><groupName>hpc</groupName><state>available</state><strategy>cluster</strategy>"
    f"<groupId>pg-0123456789abcdef0</groupId><groupArn>arn:aws:ec2:{HOME_REGION}:{ACCOUNT}:placement-group/hpc</groupArn>"
    "<tagSet><item><key>Team</key><value>research</value></item></tagSet></item></placementGroupSet>"))
CAPACITY_RESERVATIONS = _ec2("DescribeCapacityReservations", (
    "<capacityReservationSet><item><capacityReservationId>cr-0123456789abcdef0</capacityReservationId>"
    f"<ownerId>{ACCOUNT}</ownerId><capacityReservationArn>arn:aws:ec2:{HOME_REGION}:{ACCOUNT}:capacity-reservation/"
    "cr-0123456789abcdef0</capacityReservationArn><instanceType>m5.large</instanceType>"
    "<instancePlatform>Linux/UNIX</instancePlatform><availabilityZone>us-east-1a</availabilityZone>"
    "<tenancy>default</tenancy><totalInstanceCount>4</totalInstanceCount><availableInstanceCount>3</availableInstanceCount>"
    "<ebsOptimized>true</ebsOptimized><state>active</state><endDateType>unlimited</endDateType>"
    "<instanceMatchCriteria>open</instanceMatchCriteria><createDate>2026-11-01T08:00:00.000Z</createDate>"
    "<tagSet><item><key>Team</key><value>web</value></item></tagSet></item></capacityReservationSet>"))
DOCDB_CLUSTER = (
    "<DBCluster><DBClusterIdentifier>catalog</DBClusterIdentifier><Engine>docdb</Engine><EngineVersion>5.0.0</EngineVersion>"
    f"<DBClusterArn>{DOCDB}</DBClusterArn><Status>available</Status><StorageEncrypted>false</StorageEncrypted>"
    "<Port>27017</Port><DeletionProtection>false</DeletionProtection><BackupRetentionPeriod>1</BackupRetentionPeriod>"
    "<DBClusterMembers><DBClusterMember><DBInstanceIdentifier>catalog-1</DBInstanceIdentifier>"
    "<IsClusterWriter>true</IsClusterWriter></DBClusterMember></DBClusterMembers>"
    "<EnabledCloudwatchLogsExports><member>audit</member></EnabledCloudwatchLogsExports></DBCluster>")


DOCDB_INSTANCE = (
    "<DBInstance><DBInstanceIdentifier>catalog-1</DBInstanceIdentifier><Engine>docdb</Engine>"
    f"<DBInstanceArn>arn:aws:rds:{HOME_REGION}:{ACCOUNT}:db:catalog-1</DBInstanceArn>"
    "<DBInstanceStatus>available</DBInstanceStatus><DBClusterIdentifier>catalog</DBClusterIdentifier></DBInstance>")


def _adding(listing: str, member: str) -> Any:
    """moto's RDS listing with a DocumentDB member added (the RDS API answers every engine's)."""
    def answer(upstream: Answer) -> Answer:
        body = upstream.body.decode().replace(f"<{listing}/>", f"<{listing}></{listing}>")
        return Answer(upstream.status, body.replace(f"<{listing}>", f"<{listing}>{member}", 1).encode(), upstream.headers)
    return answer


def _json(payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = JSON_11) -> Any:
    return lambda upstream: Answer(200, json.dumps(payload).encode(), headers)


REPLACE = {
    ("ec2", "DescribePlacementGroups"): lambda upstream: PLACEMENT_GROUPS,
    ("ec2", "DescribeCapacityReservations"): lambda upstream: CAPACITY_RESERVATIONS,
    ("rds", "DescribeDBClusters"): _adding("DBClusters", DOCDB_CLUSTER),
    ("rds", "DescribeDBInstances"): _adding("DBInstances", DOCDB_INSTANCE),
    ("access-analyzer", "GET /analyzer"): _json({"analyzers": [
        {"arn": ANALYZER, "name": "account-zone", "type": "ACCOUNT", "status": "ACTIVE", "createdAt": "2026-10-01T00:00:00Z",
         "lastResourceAnalyzed": "arn:aws:s3:::sample-public-assets", "lastResourceAnalyzedAt": "2026-12-01T00:00:00Z",
         "tags": {"Team": "security"}}]}, REST_JSON),
    ("access-analyzer", "POST /findingv2"): _json({"findings": [
        {"id": PUBLIC_BUCKET_FINDING, "findingType": "ExternalAccess", "resource": "arn:aws:s3:::sample-public-assets",
         "resourceType": "AWS::S3::Bucket", "resourceOwnerAccount": ACCOUNT, "status": "ACTIVE",
         "analyzedAt": "2026-12-01T00:00:00Z", "createdAt": "2026-11-20T00:00:00Z", "updatedAt": "2026-12-01T00:00:00Z"}]},
        REST_JSON),
    ("securityhub", "POST /standards/get"): _json({"StandardsSubscriptions": [
        {"StandardsSubscriptionArn": f"arn:aws:securityhub:{HOME_REGION}:{ACCOUNT}:subscription/"
                                     "aws-foundational-security-best-practices/v/1.0.0",
         "StandardsArn": f"arn:aws:securityhub:{HOME_REGION}::standards/aws-foundational-security-best-practices/v/1.0.0",
         "StandardsInput": {}, "StandardsStatus": "READY", "StandardsControlsUpdatable": "READY_FOR_UPDATES"}]}, REST_JSON),
    # Macie never turned on: AWS answers a refusal that names it (a refused permission says "not authorized").
    ("macie2", "GET /macie"): lambda upstream: Answer(403, b'{"message": "Macie is not enabled."}', (
        *REST_JSON, ("x-amzn-ErrorType", "AccessDeniedException"))),
    ("codecommit", "ListRepositories"): _json({"repositories": [{"repositoryName": "payments", "repositoryId": "f7579e13"}]}),
    ("codecommit", "BatchGetRepositories"): _json({"repositories": [
        {"accountId": ACCOUNT, "repositoryId": "f7579e13", "repositoryName": "payments", "defaultBranch": "main",
         "Arn": REPOSITORY, "cloneUrlHttp": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/payments",
         "creationDate": 1_790_000_000.0, "lastModifiedDate": 1_796_000_000.0}], "repositoriesNotFound": []}),
    ("codecommit", "ListTagsForResource"): _json({"tags": {"Team": "payments"}}),
    ("lightsail", "GetInstances"): _json({"instances": [
        {"name": "blog", "arn": f"arn:aws:lightsail:{HOME_REGION}:{ACCOUNT}:Instance/0a1b2c3d", "blueprintId": "wordpress",
         "bundleId": "small_3_0", "state": {"code": 16, "name": "running"}, "publicIpAddress": "203.0.113.10",
         "privateIpAddress": "172.26.1.10", "isStaticIp": False, "sshKeyName": "LightsailDefaultKeyPair",
         "location": {"availabilityZone": "us-east-1a", "regionName": HOME_REGION}, "createdAt": 1_790_000_000.0,
         "metadataOptions": {"httpTokens": "optional"}, "tags": [{"key": "Team", "value": "marketing"}],
         "networking": {"ports": [
             {"fromPort": 22, "toPort": 22, "protocol": "tcp", "accessDirection": "inbound", "cidrs": ["0.0.0.0/0"]},
             {"fromPort": 443, "toPort": 443, "protocol": "tcp", "accessDirection": "inbound", "cidrs": ["0.0.0.0/0"],
              "ipv6Cidrs": ["::/0"]},
             {"fromPort": 3306, "toPort": 3306, "protocol": "tcp", "accessDirection": "inbound", "cidrs": ["10.0.0.0/8"]}]}}]}),
}


def test_with_aws_s_documented_answers_the_breadth_types_moto_lacks_are_in_the_graph(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    boto3.client("securityhub", region_name=HOME_REGION, endpoint_url=endpoint).enable_security_hub()
    boto3.client("ec2", region_name=HOME_REGION, endpoint_url=endpoint).enable_ebs_encryption_by_default()
    default_key = boto3.client("kms", region_name=HOME_REGION, endpoint_url=endpoint).create_key()["KeyMetadata"]["Arn"]
    default_key_answer = _ec2("GetEbsDefaultKmsKeyId", f"<kmsKeyId>{default_key}</kmsKeyId>")
    store = tmp_path / "graph.sqlite"
    with AwsProxy(endpoint, replace={**REPLACE, ("ec2", "GetEbsDefaultKmsKeyId"): lambda upstream: default_key_answer}) as proxy:
        code, report, stderr = ingest(store, proxy.url, "--no-permission-check", "--regions", HOME_REGION)
    assert code == 0 and "Traceback" not in stderr, stderr
    lacking = {step["stepId"] for step in report["steps"] if step["status"] != "success"}
    assert lacking == {"fetch-ssm-managed-instances", "fetch-guardduty-findings", "fetch-config-rule-compliance"}

    exported = export(store)
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for entity in exported["entities"]:
        by_type.setdefault(entity["_type"], {})[entity["_key"]] = entity
    edges = {(rel["_type"], rel["_fromEntityKey"], rel["_toEntityKey"]): rel for rel in exported["relationships"]}

    [group] = by_type["aws_ec2_placement_group"].values()
    assert (group["strategy"], group["tag.Team"], group["_key"]) == (
        "cluster", "research", f"arn:aws:ec2:{HOME_REGION}:{ACCOUNT}:placement-group/hpc")
    [reservation] = by_type["aws_ec2_capacity_reservation"].values()
    assert (reservation["availableInstanceCount"], reservation["totalInstanceCount"], reservation["tag.Team"]) == (3, 4, "web")
    assert isinstance(reservation["createdOn"], int) and reservation["instanceMatchCriteria"] == "open"

    [ebs] = by_type["aws_ebs_default_encryption"].values()
    assert (ebs["enabled"], ebs["kmsKeyId"], ebs["region"]) == (True, default_key, HOME_REGION)
    assert ("aws_ebs_default_encryption_uses_kms_key", ebs["_key"], default_key) in edges

    [docdb] = by_type["aws_docdb_cluster"].values()
    assert (docdb["_key"], docdb["encrypted"], docdb["port"], docdb["auditLogExports"]) == (DOCDB, False, 27017, ["audit"])
    assert ("aws_docdb_cluster_contains_db_instance", DOCDB, f"arn:aws:rds:{HOME_REGION}:{ACCOUNT}:db:catalog-1") in edges
    assert DOCDB not in by_type.get("aws_rds_cluster", {})  # one key, one type: the RDS step leaves it out
    assert DOCDB not in by_type.get("aws_neptune_cluster", {})

    [analyzer] = by_type["aws_accessanalyzer_analyzer"].values()
    assert (analyzer["_key"], analyzer["active"], analyzer["tag.Team"]) == (ANALYZER, True, "security")
    [finding] = by_type["aws_accessanalyzer_finding"].values()
    assert (finding["findingType"], finding["resourceType"]) == ("ExternalAccess", "AWS::S3::Bucket")
    assert ("aws_accessanalyzer_analyzer_has_finding", ANALYZER, finding["_key"]) in edges
    assert ("aws_s3_bucket_has_accessanalyzer_finding", "arn:aws:s3:::sample-public-assets", finding["_key"]) in edges

    [standard] = by_type["aws_securityhub_standard"].values()
    assert (standard["name"], standard["ready"]) == ("aws-foundational-security-best-practices/v/1.0.0", True)
    hub = f"arn:aws:securityhub:{HOME_REGION}:{ACCOUNT}:hub/default"
    assert ("aws_securityhub_hub_has_standard", hub, standard["_key"]) in edges

    [repository] = by_type["aws_codecommit_repository"].values()
    assert (repository["_key"], repository["defaultBranch"], repository["tag.Team"]) == (REPOSITORY, "main", "payments")

    assert "aws_macie_session" not in by_type  # Macie is off: no session, and the step succeeded

    [blog] = by_type["aws_lightsail_instance"].values()
    assert (blog["public"], blog["remoteAccessOpen"], blog["openToInternet"]) == (True, True, ["tcp:22", "tcp:443"])
    assert (blog["blueprint"], blog["running"], blog["tag.Team"]) == ("wordpress", True, "marketing")
