"""The services security teams query beyond compute, network and data: management, integration,
analytics, build and ML. One seeded moto account, one run, one test per service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest

from aws_integration.integrations.aws.collectors import kafka
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

PARAMETER_VALUE = "parameter-value-never-stored"
BUILD_SECRET = "build-variable-value-never-stored"
PARAMETERS = 53  # more than one page of DescribeParameters (50)


@dataclass
class Seeded:
    """What the seeding created."""

    role: str = ""
    key: str = ""
    topic: str = ""
    ids: dict[str, str] = field(default_factory=dict)


def _seed_management(seeded: Seeded) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    template = json.dumps({"Description": "shop stack", "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    seeded.ids["stack"] = cloudformation.create_stack(
        StackName="shop", TemplateBody=template, RoleARN=seeded.role, NotificationARNs=[seeded.topic],
        EnableTerminationProtection=True, Tags=[{"Key": "Team", "Value": "shop"}])["StackId"]
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName="high-cpu", MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average", Period=300,
        EvaluationPeriods=2, Threshold=90.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=[seeded.topic],
        Tags=[{"Key": "Team", "Value": "shop"}])
    events = boto3.client("events", region_name=REGION)
    seeded.ids["bus"] = events.create_event_bus(Name="orders", Tags=[{"Key": "Team", "Value": "shop"}])["EventBusArn"]
    events.put_permission(EventBusName="orders", Action="events:PutEvents", Principal="*", StatementId="anyone")
    seeded.ids["rule"] = events.put_rule(
        Name="order-placed", EventBusName="orders", EventPattern=json.dumps({"source": ["shop.orders"]}),
        RoleArn=seeded.role, Tags=[{"Key": "Team", "Value": "shop"}])["RuleArn"]
    seeded.ids["machine"] = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name="fulfil", definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=seeded.role, tags=[{"key": "Team", "value": "shop"}])["stateMachineArn"]
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/shop/db-password", Value=PARAMETER_VALUE, Type="SecureString", KeyId=seeded.key,
                      Tags=[{"Key": "Team", "Value": "shop"}])
    for index in range(PARAMETERS - 1):
        ssm.put_parameter(Name=f"/shop/flag-{index:02d}", Value="on", Type="String")


def _seed_analytics(seeded: Seeded) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="shop-stream")
    boto3.client("firehose", region_name=REGION).create_delivery_stream(
        DeliveryStreamName="clicks", S3DestinationConfiguration={"RoleARN": seeded.role, "BucketARN": "arn:aws:s3:::shop-stream"},
        Tags=[{"Key": "Team", "Value": "shop"}])
    glue = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput={"Name": "orders", "Description": "orders lake"}, Tags={"Team": "shop"})
    glue.create_job(Name="nightly", Role=seeded.role, Command={"Name": "glueetl", "ScriptLocation": "s3://shop-stream/etl.py"},
                    Tags={"Team": "shop"})
    glue.create_crawler(Name="orders-crawler", Role=seeded.role, DatabaseName="orders",
                        Targets={"S3Targets": [{"Path": "s3://shop-stream/orders/"}]}, Tags={"Team": "shop"})
    boto3.client("athena", region_name=REGION).create_work_group(
        Name="analysts", Tags=[{"Key": "Team", "Value": "shop"}], Configuration={
            "EnforceWorkGroupConfiguration": True, "ResultConfiguration": {
                "OutputLocation": "s3://shop-stream/results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": seeded.key}}})
    seeded.ids["emr"] = boto3.client("emr", region_name=REGION).run_job_flow(
        Name="spark", ReleaseLabel="emr-6.15.0", ServiceRole=seeded.role, JobFlowRole="EMR_EC2_DefaultRole",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        Tags=[{"Key": "Team", "Value": "shop"}])["JobFlowId"]
    seeded.ids["msk"] = boto3.client("kafka", region_name=REGION).create_cluster_v2(
        ClusterName="events", Tags={"Team": "shop"}, Provisioned={
            "BrokerNodeGroupInfo": {"InstanceType": "kafka.m5.large", "ClientSubnets": ["subnet-1", "subnet-2"]},
            "KafkaVersion": "3.5.1", "NumberOfBrokerNodes": 2,
            "EncryptionInfo": {"EncryptionAtRest": {"DataVolumeKMSKeyId": seeded.key},
                               "EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT"}}})["ClusterArn"]
    boto3.client("opensearch", region_name=REGION).create_domain(
        DomainName="search", EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": seeded.key},
        NodeToNodeEncryptionOptions={"Enabled": True}, DomainEndpointOptions={"EnforceHTTPS": True},
        TagList=[{"Key": "Team", "Value": "shop"}])
    boto3.client("opensearch", region_name=REGION).create_domain(
        DomainName="internal-search", VPCOptions={"SubnetIds": ["subnet-0a1"], "SecurityGroupIds": ["sg-0b2"]})


def _seed_build_and_ml(seeded: Seeded) -> None:
    boto3.client("codebuild", region_name=REGION).create_project(
        name="shop-build", source={"type": "S3", "location": "shop-stream/src.zip"}, artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                     "privilegedMode": True,
                     "environmentVariables": [{"name": "DEPLOY_TOKEN", "value": BUILD_SECRET, "type": "PLAINTEXT"},
                                              {"name": "DB", "value": "/shop/db-password", "type": "PARAMETER_STORE"}]},
        serviceRole=seeded.role, encryptionKey=seeded.key, tags=[{"key": "Team", "value": "shop"}])
    boto3.client("sagemaker", region_name=REGION).create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=seeded.role, KmsKeyId=seeded.key,
        DirectInternetAccess="Enabled", RootAccess="Enabled", Tags=[{"Key": "Team", "Value": "shop"}])


def _seed_databases_and_detection(seeded: Seeded) -> None:
    boto3.client("rds", region_name=REGION).create_db_cluster(
        DBClusterIdentifier="orders-aurora", Engine="aurora-postgresql", MasterUsername="admin",
        MasterUserPassword="not-a-real-password")
    seeded.ids["neptune"] = boto3.client("neptune", region_name=REGION).create_db_cluster(
        DBClusterIdentifier="shop-graph", Engine="neptune", StorageEncrypted=True, KmsKeyId=seeded.key,
        DeletionProtection=True, Tags=[{"Key": "Team", "Value": "shop"}])["DBCluster"]["DBClusterArn"]
    boto3.client("macie2", region_name=REGION).enable_macie(findingPublishingFrequency="ONE_HOUR")


def _seed() -> Seeded:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    seeded = Seeded(
        role=boto3.client("iam", region_name=REGION).create_role(
            RoleName="shop-automation", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"],
        key=boto3.client("kms", region_name=REGION).create_key(Description="shop")["KeyMetadata"]["Arn"],
        topic=boto3.client("sns", region_name=REGION).create_topic(Name="shop-alerts")["TopicArn"],
    )
    _seed_management(seeded)
    _seed_analytics(seeded)
    _seed_build_and_ml(seeded)
    _seed_databases_and_detection(seeded)
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)


def test_every_step_succeeds_and_no_value_is_stored(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []
    stored = json.dumps([entity.properties for entity in graph.entities])
    assert PARAMETER_VALUE not in stored and BUILD_SECRET not in stored


def _uses(graph: CollectedGraph, type_name: str, target: str) -> set[str]:
    return {to for _, to in edges(graph, f"{type_name}_uses_{target}")}


def test_cloudformation_stacks(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    stack = entities_of(graph, "aws_cloudformation_stack")["shop"]
    assert stack.key == seeded.ids["stack"] and stack.properties["tag.Team"] == "shop"
    assert stack.properties["terminationProtection"] is True and stack.properties["status"] == "CREATE_COMPLETE"
    assert _uses(graph, "aws_cloudformation_stack", "iam_role") == {seeded.role}
    assert edges(graph, "aws_cloudformation_stack_notifies_sns_topic") == {(stack.key, seeded.topic)}


def test_cloudwatch_alarms(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    alarm = entities_of(graph, "aws_cloudwatch_alarm")["high-cpu"]
    assert (alarm.properties["metricName"], alarm.properties["threshold"], alarm.properties["tag.Team"]) == (
        "CPUUtilization", 90.0, "shop")
    assert edges(graph, "aws_cloudwatch_alarm_notifies_sns_topic") == {(alarm.key, seeded.topic)}


def test_eventbridge_buses_and_rules(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    buses = entities_of(graph, "aws_eventbridge_bus")
    assert set(buses) == {"default", "orders"}
    assert (buses["orders"].properties["public"], buses["default"].properties["public"]) == (True, False)
    assert buses["orders"].properties["tag.Team"] == "shop"
    rule = entities_of(graph, "aws_eventbridge_rule")["order-placed"]
    assert rule.properties["enabled"] is True and json.loads(str(rule.properties["eventPattern"])) == {"source": ["shop.orders"]}
    assert edges(graph, "aws_eventbridge_bus_has_rule") == {(seeded.ids["bus"], seeded.ids["rule"])}
    assert _uses(graph, "aws_eventbridge_rule", "iam_role") == {seeded.role}


def test_step_functions(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    machine = entities_of(graph, "aws_sfn_state_machine")["fulfil"]
    assert machine.key == seeded.ids["machine"] and machine.properties["tag.Team"] == "shop"
    assert machine.properties["customerKeyEncrypted"] is False and machine.properties["loggingLevel"] == "OFF"
    assert _uses(graph, "aws_sfn_state_machine", "iam_role") == {seeded.role}


def test_ssm_parameters_across_pages(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    parameters = entities_of(graph, "aws_ssm_parameter")
    assert len(parameters) == PARAMETERS
    secret = parameters["/shop/db-password"]
    assert secret.key == f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/shop/db-password"
    assert (secret.properties["secure"], secret.properties["tag.Team"]) == (True, "shop")
    assert parameters["/shop/flag-00"].properties["secure"] is False
    assert edges(graph, "aws_ssm_parameter_uses_kms_key") == {(secret.key, seeded.key)}


def test_firehose_delivery_streams(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    stream = entities_of(graph, "aws_firehose_delivery_stream")["clicks"]
    assert stream.properties["destinations"] == ["S3"] and stream.properties["tag.Team"] == "shop"
    assert _uses(graph, "aws_firehose_delivery_stream", "s3_bucket") == {"arn:aws:s3:::shop-stream"}
    assert _uses(graph, "aws_firehose_delivery_stream", "iam_role") == {seeded.role}


def test_glue_databases_jobs_and_crawlers(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    database = entities_of(graph, "aws_glue_database")["orders"]
    assert database.key == f"arn:aws:glue:{REGION}:{ACCOUNT}:database/orders" and database.properties["tag.Team"] == "shop"
    job = entities_of(graph, "aws_glue_job")["nightly"]
    assert job.properties["command"] == "glueetl" and job.properties["tag.Team"] == "shop"
    crawler = entities_of(graph, "aws_glue_crawler")["orders-crawler"]
    assert crawler.properties["s3Targets"] == ["s3://shop-stream/orders/"]
    assert edges(graph, "aws_glue_crawler_uses_database") == {(crawler.key, database.key)}
    assert _uses(graph, "aws_glue_job", "iam_role") == _uses(graph, "aws_glue_crawler", "iam_role") == {seeded.role}


def test_athena_workgroups(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    groups = entities_of(graph, "aws_athena_workgroup")
    analysts = groups["analysts"]
    assert (analysts.properties["resultsEncrypted"], analysts.properties["enforceConfiguration"]) == (True, True)
    assert analysts.properties["tag.Team"] == "shop" and groups["primary"].properties["resultsEncrypted"] is False
    assert edges(graph, "aws_athena_workgroup_uses_kms_key") == {(analysts.key, seeded.key)}


def test_emr_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cluster = entities_of(graph, "aws_emr_cluster")["spark"]
    assert cluster.properties["clusterId"] == seeded.ids["emr"] and cluster.properties["tag.Team"] == "shop"
    assert cluster.properties["releaseLabel"] == "emr-6.15.0"
    assert _uses(graph, "aws_emr_cluster", "iam_role") == {seeded.role}


def test_msk_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cluster = entities_of(graph, "aws_msk_cluster")["events"]
    assert cluster.key == seeded.ids["msk"] and cluster.properties["tag.Team"] == "shop"
    assert (cluster.properties["brokerCount"], cluster.properties["publicAccess"]) == (2, False)


def test_an_msk_cluster_as_aws_documents_it() -> None:
    """moto keeps no encryption settings: the encryption is read from an answer as the MSK API reference gives it."""
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    item = {"ClusterArn": f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/events/abc", "ClusterName": "events",
            "ClusterType": "PROVISIONED", "State": "ACTIVE", "Provisioned": {
                "BrokerNodeGroupInfo": {"ClientSubnets": ["subnet-1"], "InstanceType": "kafka.m5.large",
                                        "ConnectivityInfo": {"PublicAccess": {"Type": "SERVICE_PROVIDED_EIPS"}}},
                "EncryptionInfo": {"EncryptionAtRest": {"DataVolumeKMSKeyId": key},
                                   "EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": True}}}}
    entity, uses = list(kafka.CLUSTER.transform(item, TransformContext("aws", ACCOUNT, REGION)))
    assert (entity.properties["plaintextAllowed"], entity.properties["publicAccess"]) == (True, True)
    assert (uses.verb, uses.to_key) == ("USES", key)


def test_opensearch_domains(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    domain = entities_of(graph, "aws_opensearch_domain")["search"]
    assert domain.key == f"arn:aws:es:{REGION}:{ACCOUNT}:domain/search" and domain.properties["tag.Team"] == "shop"
    assert (domain.properties["public"], domain.properties["encrypted"], domain.properties["enforceHttps"]) == (True, True, True)
    assert edges(graph, "aws_opensearch_domain_uses_kms_key") == {(domain.key, seeded.key)}
    internal = entities_of(graph, "aws_opensearch_domain")["internal-search"]
    assert internal.properties["public"] is False
    assert edges(graph, "aws_subnet_has_opensearch_domain") == {
        (f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0a1", internal.key)}
    assert edges(graph, "aws_security_group_protects_opensearch_domain") == {
        (f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-0b2", internal.key)}


def test_codebuild_projects(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    project = entities_of(graph, "aws_codebuild_project")["shop-build"]
    assert project.properties["privilegedMode"] is True and project.properties["plaintextVariables"] == ["DEPLOY_TOKEN"]
    assert project.properties["tag.Team"] == "shop"
    assert _uses(graph, "aws_codebuild_project", "iam_role") == {seeded.role}
    # moto answers S3's AWS-managed key alias whatever the project names, and an alias cannot be placed.
    assert project.properties["encryptionKey"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3"
    assert _uses(graph, "aws_codebuild_project", "kms_key") == set()


def test_sagemaker_notebooks(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    notebook = entities_of(graph, "aws_sagemaker_notebook_instance")["research"]
    assert (notebook.properties["directInternetAccess"], notebook.properties["rootAccess"]) == (True, True)
    assert notebook.properties["tag.Team"] == "shop"
    assert _uses(graph, "aws_sagemaker_notebook_instance", "iam_role") == {seeded.role}
    assert _uses(graph, "aws_sagemaker_notebook_instance", "kms_key") == {seeded.key}


def test_neptune_clusters_apart_from_rds_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [cluster] = entities_of(graph, "aws_neptune_cluster", by="_key").values()
    assert (cluster.key, cluster.display_name, cluster.properties["tag.Team"]) == (seeded.ids["neptune"], "shop-graph", "shop")
    assert (cluster.properties["encrypted"], cluster.properties["deletionProtection"]) == (True, True)
    assert (cluster.key, seeded.key) in edges(graph, "aws_neptune_cluster_uses_kms_key")
    assert set(entities_of(graph, "aws_rds_cluster")) == {"orders-aurora"}  # the RDS API answers both; one type each
    assert entities_of(graph, "aws_docdb_cluster") == {}


def test_macie_and_ebs_encryption_by_default_per_region(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    [macie] = entities_of(graph, "aws_macie_session", by="_key").values()
    assert macie.key == f"arn:aws:macie2:{REGION}:{ACCOUNT}:session"
    assert (macie.properties["enabled"], macie.properties["findingPublishingFrequency"]) == (True, "ONE_HOUR")
    [ebs] = entities_of(graph, "aws_ebs_default_encryption", by="_key").values()
    assert (ebs.key, ebs.properties["enabled"]) == (f"arn:aws:ec2:{REGION}:{ACCOUNT}:ebs-encryption-by-default/{REGION}", False)
    assert "kmsKeyId" not in ebs.properties  # asked for only when encryption by default is on
