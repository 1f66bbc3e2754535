"""Data and compute services in moto: KMS, Lambda, RDS, DynamoDB, SNS, SQS, CloudWatch Logs, Secrets Manager.

One account is seeded with real resources of each; one run collects it; each test
asserts one service's entities, key properties, tags and relationships.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import REGION, collected_world, edges, entities_of, failed_steps

SECRET_VALUE = "hunter2-never-stored"
ENV_VALUE = "env-value-never-stored"
LOG_GROUPS = 55  # moto pages DescribeLogGroups by 50


@dataclass
class Seeded:
    """What the seeding created."""

    key_arn: str = ""
    asymmetric_key_arn: str = ""
    role_arn: str = ""
    subnet_id: str = ""
    group_id: str = ""
    ids: dict[str, Any] = field(default_factory=dict)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _seed() -> Seeded:
    seeded = Seeded()
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="application data key",
                         Tags=[{"TagKey": "Environment", "TagValue": "production"}])["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    seeded.key_arn = key["Arn"]
    seeded.asymmetric_key_arn = kms.create_key(Description="signing key", KeySpec="RSA_2048",
                                               KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]

    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    seeded.role_arn = iam.create_role(RoleName="orders-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    seeded.subnet_id = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    seeded.group_id = ec2.create_security_group(GroupName="orders", Description="orders", VpcId=vpc)["GroupId"]

    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="orders-api", Runtime="python3.12", Role=seeded.role_arn, Handler="handler.handler",
        Code={"ZipFile": _zip()}, KMSKeyArn=seeded.key_arn, Tags={"Team": "orders"},
        VpcConfig={"SubnetIds": [seeded.subnet_id], "SecurityGroupIds": [seeded.group_id]},
        Environment={"Variables": {"DB_PASSWORD": ENV_VALUE}},
    )

    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
        MasterUsername="admin", MasterUserPassword=SECRET_VALUE, StorageEncrypted=True, KmsKeyId=seeded.key_arn,
        PubliclyAccessible=True, VpcSecurityGroupIds=[seeded.group_id], Tags=[{"Key": "Classification", "Value": "Restricted"}],
    )
    rds.create_db_cluster(DBClusterIdentifier="reports", Engine="aurora-postgresql", MasterUsername="admin",
                          MasterUserPassword=SECRET_VALUE, StorageEncrypted=True)
    rds.create_db_instance(DBInstanceIdentifier="reports-1", DBClusterIdentifier="reports", Engine="aurora-postgresql",
                           DBInstanceClass="db.r6g.large")

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": seeded.key_arn},
        Tags=[{"Key": "Owner", "Value": "Orders@Example.com"}],
    )["TableDescription"]
    dynamodb.update_continuous_backups(TableName="orders",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    dynamodb.create_table(TableName="plain", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    seeded.ids["table"] = table["TableArn"]

    sns = boto3.client("sns", region_name=REGION)
    seeded.ids["topic"] = sns.create_topic(Name="order-events", Attributes={"KmsMasterKeyId": seeded.key_arn},
                                           Tags=[{"Key": "Team", "Value": "orders"}])["TopicArn"]
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="order-jobs", Attributes={"KmsMasterKeyId": seeded.key_arn}, tags={"Team": "orders"})
    sqs.create_queue(QueueName="order-jobs.fifo", Attributes={"FifoQueue": "true"})

    logs = boto3.client("logs", region_name=REGION)
    for index in range(LOG_GROUPS):
        logs.create_log_group(logGroupName=f"/app/group-{index:02d}")
    logs.create_log_group(logGroupName="/aws/lambda/orders-api", kmsKeyId=seeded.key_arn, tags={"Team": "orders"})
    logs.put_retention_policy(logGroupName="/aws/lambda/orders-api", retentionInDays=30)

    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="orders/db-password", SecretString=SECRET_VALUE, KmsKeyId=seeded.key_arn,
        Tags=[{"Key": "Team", "Value": "orders"}],
    )
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)




def test_every_step_succeeds_and_no_secret_is_collected(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []
    text = json.dumps([entity.to_dict() for entity in graph.entities])
    assert SECRET_VALUE not in text and ENV_VALUE not in text


def test_kms_keys(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    keys = {entity.key: entity for entity in graph.entities if entity.type == "aws_kms_key"}
    key = keys[seeded.key_arn].properties
    assert key["rotationEnabled"] is True and key["enabled"] is True and key["awsManaged"] is False
    assert key["tag.Environment"] == "production" and key["keySpec"] == "SYMMETRIC_DEFAULT"
    assert keys[seeded.key_arn].display_name == "application data key"
    assert keys[seeded.asymmetric_key_arn].properties["keySpec"] == "RSA_2048"


def test_lambda_functions(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    function = entities_of(graph, "aws_lambda_function")["orders-api"]
    props = function.properties
    assert (props["runtime"], props["role"], props["tag.Team"]) == ("python3.12", seeded.role_arn, "orders")
    assert props["environmentVariableNames"] == ["DB_PASSWORD"] and props["subnetIds"] == [seeded.subnet_id]
    assert (function.key, seeded.role_arn) in edges(graph, "aws_lambda_function_uses_iam_role")
    assert (function.key, seeded.key_arn) in edges(graph, "aws_lambda_function_uses_kms_key")
    subnet_key = f"arn:aws:ec2:{REGION}:123456789012:subnet/{seeded.subnet_id}"
    group_key = f"arn:aws:ec2:{REGION}:123456789012:security-group/{seeded.group_id}"
    assert (subnet_key, function.key) in edges(graph, "aws_subnet_has_lambda_function")
    assert (group_key, function.key) in edges(graph, "aws_security_group_protects_lambda_function")


def test_rds_instances_and_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    databases = entities_of(graph, "aws_db_instance")
    orders = databases["orders-db"]
    assert orders.classes == ("DataStore", "Database", "Host")
    props = orders.properties
    assert props["encrypted"] is True and props["publiclyAccessible"] is True and props["engine"] == "postgres"
    assert props["classification"] == "restricted" and props["tag.Classification"] == "Restricted"
    assert (orders.key, seeded.key_arn) in edges(graph, "aws_db_instance_uses_kms_key")
    group_key = f"arn:aws:ec2:{REGION}:123456789012:security-group/{seeded.group_id}"
    assert (group_key, orders.key) in edges(graph, "aws_security_group_protects_db_instance")
    cluster = entities_of(graph, "aws_rds_cluster")["reports"]
    assert cluster.properties["encrypted"] is True and cluster.properties["memberCount"] == 1
    assert (cluster.key, databases["reports-1"].key) in edges(graph, "aws_rds_cluster_contains_db_instance")


def test_dynamodb_tables(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    tables = entities_of(graph, "aws_dynamodb_table")
    orders = tables["orders"].properties
    assert orders["encryptionType"] == "KMS" and orders["pointInTimeRecovery"] is True
    assert orders["owner"] == "orders@example.com" and orders["billingMode"] == "PAY_PER_REQUEST"
    assert tables["plain"].properties["encryptionType"] == "AWS_OWNED" and tables["plain"].properties["encrypted"] is True
    assert tables["plain"].properties["pointInTimeRecovery"] is False
    assert (seeded.ids["table"], seeded.key_arn) in edges(graph, "aws_dynamodb_table_uses_kms_key")


def test_sns_topics_and_sqs_queues(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    topic = entities_of(graph, "aws_sns_topic")["order-events"]
    assert topic.properties["encrypted"] is True and topic.properties["tag.Team"] == "orders"
    assert (seeded.ids["topic"], seeded.key_arn) in edges(graph, "aws_sns_topic_uses_kms_key")
    queues = entities_of(graph, "aws_sqs_queue")
    jobs = queues["order-jobs"]
    assert jobs.properties["encrypted"] is True and jobs.properties["tag.Team"] == "orders"
    assert jobs.key == f"arn:aws:sqs:{REGION}:123456789012:order-jobs"
    assert queues["order-jobs.fifo"].properties["fifo"] is True
    assert (jobs.key, seeded.key_arn) in edges(graph, "aws_sqs_queue_uses_kms_key")


def test_log_groups_across_pages(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    groups = entities_of(graph, "aws_cloudwatch_log_group")
    assert len(groups) == LOG_GROUPS + 1  # more than one page of 50
    function_logs = groups["/aws/lambda/orders-api"].properties
    assert function_logs["retentionInDays"] == 30 and function_logs["encrypted"] is True
    assert function_logs["tag.Team"] == "orders"
    assert groups["/app/group-00"].properties["retained"] is False
    steps = {step.step_id: step for step in graph.report.steps}
    assert steps["fetch-log-groups"].api_calls >= 2 + LOG_GROUPS + 1  # two pages, then one tag call per group


def test_secrets_metadata_only(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    secret = entities_of(graph, "aws_secretsmanager_secret")["orders/db-password"]
    assert secret.properties["rotationEnabled"] is False and secret.properties["tag.Team"] == "orders"
    assert (secret.key, seeded.key_arn) in edges(graph, "aws_secretsmanager_secret_uses_kms_key")
