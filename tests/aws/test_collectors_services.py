"""Identity, messaging, edge protection, backup, directory, batch and delivery services: one seeded
moto account, one run, one test per service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest

from aws_integration.integrations.aws.collectors import cognito, wafv2
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

MQ_PASSWORD = "broker-password-never-stored"
DIRECTORY_PASSWORD = "Directory-Passw0rd-never-stored"
TEAM = {"Key": "Team", "Value": "shop"}


@dataclass
class Seeded:
    """What the seeding created."""

    role: str = ""
    key: str = ""
    vpc: str = ""
    subnets: list[str] = field(default_factory=list)
    group: str = ""
    ids: dict[str, str] = field(default_factory=dict)


def _seed_identity(seeded: Seeded) -> None:
    seeded.ids["pool"] = boto3.client("cognito-idp", region_name=REGION).create_user_pool(
        PoolName="customers", MfaConfiguration="OFF", UserPoolTags={"Team": "shop"},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": False},
        Policies={"PasswordPolicy": {"MinimumLength": 6, "RequireSymbols": False}})["UserPool"]["Arn"]
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="shop.example.com", Tags=[TEAM])
    seeded.ids["directory"] = boto3.client("ds", region_name=REGION).create_directory(
        Name="corp.example.com", Password=DIRECTORY_PASSWORD, Size="Small", Tags=[TEAM],
        VpcSettings={"VpcId": seeded.vpc, "SubnetIds": seeded.subnets})["DirectoryId"]


def _seed_messaging_and_transfer(seeded: Seeded) -> None:
    seeded.ids["broker"] = boto3.client("mq", region_name=REGION).create_broker(
        BrokerName="orders-mq", EngineType="ACTIVEMQ", EngineVersion="5.17.6", HostInstanceType="mq.t3.micro",
        DeploymentMode="SINGLE_INSTANCE", PubliclyAccessible=True, AutoMinorVersionUpgrade=True,
        Users=[{"Username": "admin", "Password": MQ_PASSWORD}], Tags={"Team": "shop"},
        SubnetIds=seeded.subnets[:1], SecurityGroups=[seeded.group])["BrokerArn"]
    boto3.client("transfer", region_name=REGION).create_server(
        Protocols=["SFTP", "FTP"], EndpointType="PUBLIC", IdentityProviderType="SERVICE_MANAGED",
        LoggingRole=seeded.role, Tags=[TEAM])
    boto3.client("appsync", region_name=REGION).create_graphql_api(
        name="shop-api", authenticationType="API_KEY", tags={"Team": "shop"},
        logConfig={"fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": seeded.role})
    resolver = boto3.client("route53resolver", region_name=REGION)
    resolver.create_resolver_endpoint(
        CreatorRequestId="inbound", Name="inbound", SecurityGroupIds=[seeded.group], Direction="INBOUND",
        IpAddresses=[{"SubnetId": subnet} for subnet in seeded.subnets], Tags=[TEAM])


def _seed_protection(seeded: Seeded) -> None:
    seeded.ids["distribution"] = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1SHOP"
    boto3.client("shield", region_name=REGION).create_protection(
        Name="cdn", ResourceArn=seeded.ids["distribution"], Tags=[TEAM])
    waf = boto3.client("wafv2", region_name=REGION)
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "edge"}
    waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility,
                       Tags=[TEAM])
    waf.create_web_acl(Name="cdn-acl", Scope="CLOUDFRONT", DefaultAction={"Block": {}}, VisibilityConfig=visibility)
    boto3.client("acm-pca", region_name=REGION).create_certificate_authority(
        CertificateAuthorityType="ROOT", Tags=[TEAM], CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA", "Subject": {"CommonName": "shop.internal"}})
    boto3.client("securityhub", region_name=REGION).enable_security_hub(EnableDefaultStandards=False)


def _seed_data_and_backup(seeded: Seeded) -> None:
    boto3.client("dax", region_name=REGION).create_cluster(
        ClusterName="cache", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=seeded.role,
        SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS", Tags=[TEAM])
    backup = boto3.client("backup", region_name=REGION)
    seeded.ids["vault"] = backup.create_backup_vault(
        BackupVaultName="vault", EncryptionKeyArn=seeded.key, BackupVaultTags={"Team": "shop"})["BackupVaultArn"]
    backup.create_backup_plan(BackupPlanTags={"Team": "shop"}, BackupPlan={"BackupPlanName": "daily", "Rules": [
        {"RuleName": "nightly", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 5 * * ? *)",
         "Lifecycle": {"DeleteAfterDays": 35}},
        {"RuleName": "monthly", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 5 1 * ? *)",
         "Lifecycle": {"DeleteAfterDays": 365}}]})


def _seed_delivery(seeded: Seeded) -> None:
    beanstalk = boto3.client("elasticbeanstalk", region_name=REGION)
    beanstalk.create_application(ApplicationName="shop-web")
    beanstalk.create_environment(ApplicationName="shop-web", EnvironmentName="shop-prod", Tags=[TEAM],
                                 SolutionStackName="64bit Amazon Linux 2023 v4.0.0 running Python 3.11")
    batch = boto3.client("batch", region_name=REGION)
    seeded.ids["compute"] = batch.create_compute_environment(
        computeEnvironmentName="jobs", type="UNMANAGED", state="ENABLED", serviceRole=seeded.role,
        tags={"Team": "shop"})["computeEnvironmentArn"]
    batch.create_job_queue(jobQueueName="reports", state="ENABLED", priority=1, tags={"Team": "shop"},
                           computeEnvironmentOrder=[{"order": 1, "computeEnvironment": seeded.ids["compute"]}])
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="shop-artifacts")
    source = {"name": "Source", "actions": [{
        "name": "zip", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "shop-artifacts", "S3ObjectKey": "src.zip"}, "outputArtifacts": [{"name": "src"}]}]}
    build = {"name": "Build", "actions": [{
        "name": "build", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": "shop-build"}, "inputArtifacts": [{"name": "src"}]}]}
    boto3.client("codepipeline", region_name=REGION).create_pipeline(tags=[{"key": "Team", "value": "shop"}], pipeline={
        "name": "release", "roleArn": seeded.role, "stages": [source, build],
        "artifactStore": {"type": "S3", "location": "shop-artifacts", "encryptionKey": {"id": seeded.key, "type": "KMS"}}})


def _seed() -> Seeded:
    trust = {"Version": "2012-10-17", "Statement": [  # one service each: moto's CodePipeline reads no list
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": f"{service}.amazonaws.com"}}
        for service in ("codepipeline", "batch", "dax")]}
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    seeded = Seeded(
        role=boto3.client("iam", region_name=REGION).create_role(
            RoleName="shop-service", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"],
        key=boto3.client("kms", region_name=REGION).create_key(Description="shop")["KeyMetadata"]["Arn"],
        vpc=vpc,
        subnets=[ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")
                 ["Subnet"]["SubnetId"] for index, zone in ((1, "a"), (2, "b"))],
        group=ec2.create_security_group(GroupName="shop", Description="shop", VpcId=vpc)["GroupId"],
    )
    _seed_identity(seeded)
    _seed_messaging_and_transfer(seeded)
    _seed_protection(seeded)
    _seed_data_and_backup(seeded)
    _seed_delivery(seeded)
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)


def _arn(kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{resource_id}"


def test_every_step_succeeds_and_no_password_is_stored(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []
    stored = json.dumps([entity.properties for entity in graph.entities])
    assert MQ_PASSWORD not in stored and DIRECTORY_PASSWORD not in stored


def test_an_account_outside_any_organization_has_no_organization(world: tuple[Seeded, CollectedGraph]) -> None:
    """AWS answers AWSOrganizationsNotInUseException here: none of the organization's types, and no failure."""
    _, graph = world
    steps = {step.step_id: step.status.value for step in graph.report.steps if "organization" in step.step_id}
    assert set(steps.values()) == {"success"} and len(steps) == 4
    assert not [entity for entity in graph.entities if "organization" in entity.type]


def test_cognito_user_pools(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    pool = entities_of(graph, "aws_cognito_user_pool")["customers"]
    assert pool.key == seeded.ids["pool"] and pool.properties["tag.Team"] == "shop"
    assert (pool.properties["mfaRequired"], pool.properties["selfSignUp"], pool.properties["passwordMinimumLength"]) == (
        False, True, 6)


def test_a_user_pool_as_cognito_documents_it() -> None:
    """moto keeps no Lambda triggers: they are read from an answer as the Cognito API reference gives it."""
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pre-sign-up"
    item = {"Id": f"{REGION}_abc", "Name": "staff", "Pool": {
        "Arn": f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc", "MfaConfiguration": "ON",
        "DeletionProtection": "ACTIVE", "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "LambdaConfig": {"PreSignUp": function, "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": function},
                         "KMSKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"}}}
    entity, triggers = list(cognito.USER_POOL.transform(item, TransformContext("aws", ACCOUNT, REGION)))
    assert (entity.properties["mfaRequired"], entity.properties["selfSignUp"], entity.properties["deletionProtection"]) == (
        True, False, True)
    assert entity.properties["triggers"] == [function]
    assert (triggers.verb, triggers.to_key) == ("TRIGGERS", function)


def test_ses_identities(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    identity = entities_of(graph, "aws_ses_identity")["shop.example.com"]
    assert identity.key == f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/shop.example.com"
    assert (identity.properties["identityType"], identity.properties["tag.Team"]) == ("DOMAIN", "shop")
    assert identity.properties["authorizedSenders"] == []


def test_directory_service_directories(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    directory = entities_of(graph, "aws_directory_service_directory")["corp.example.com"]
    assert directory.properties["directoryId"] == seeded.ids["directory"] and directory.properties["vpcId"] == seeded.vpc
    assert directory.properties["tag.Team"] == "shop"
    assert edges(graph, "aws_subnet_has_directory_service_directory") == {
        (_arn("subnet", subnet), directory.key) for subnet in seeded.subnets}


def test_mq_brokers(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    broker = entities_of(graph, "aws_mq_broker")["orders-mq"]
    assert broker.key == seeded.ids["broker"] and broker.properties["tag.Team"] == "shop"
    assert (broker.properties["public"], broker.properties["customerKeyEncrypted"]) == (True, False)
    assert edges(graph, "aws_subnet_has_mq_broker") == {(_arn("subnet", seeded.subnets[0]), broker.key)}
    assert edges(graph, "aws_security_group_protects_mq_broker") == {(_arn("security-group", seeded.group), broker.key)}


def test_transfer_servers(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [server] = entities_of(graph, "aws_transfer_server").values()
    assert (server.properties["plaintext"], server.properties["public"], server.properties["tag.Team"]) == (True, True, "shop")
    assert edges(graph, "aws_transfer_server_uses_iam_role") == {(server.key, seeded.role)}


def test_appsync_apis(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    api = entities_of(graph, "aws_appsync_graphql_api")["shop-api"]
    assert (api.properties["apiKeyAuthentication"], api.properties["private"], api.properties["tag.Team"]) == (
        True, False, "shop")
    assert edges(graph, "aws_appsync_graphql_api_uses_iam_role") == {(api.key, seeded.role)}


def test_route53_resolver_endpoints(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    endpoint = entities_of(graph, "aws_route53resolver_endpoint")["inbound"]
    assert (endpoint.properties["direction"], endpoint.properties["vpcId"], endpoint.properties["ipAddressCount"]) == (
        "INBOUND", seeded.vpc, 2)
    assert endpoint.properties["tag.Team"] == "shop" and isinstance(endpoint.properties["createdOn"], int)
    assert edges(graph, "aws_security_group_protects_route53resolver_endpoint") == {
        (_arn("security-group", seeded.group), endpoint.key)}


def test_shield_protections(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    protection = entities_of(graph, "aws_shield_protection")["cdn"]
    assert "region" not in protection.properties and protection.properties["resourceService"] == "cloudfront"
    assert edges(graph, "aws_shield_protection_protects_cloudfront_distribution") == {
        (protection.key, seeded.ids["distribution"])}


def test_waf_web_acls_regional_and_cloudfronts_in_us_east_1(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    acls = entities_of(graph, "aws_wafv2_web_acl")
    assert {name: acl.properties["scope"] for name, acl in acls.items()} == {"edge": "REGIONAL", "cdn-acl": "CLOUDFRONT"}
    assert (acls["edge"].properties["allowsByDefault"], acls["cdn-acl"].properties["allowsByDefault"]) == (True, False)
    assert acls["edge"].properties["tag.Team"] == "shop" and ":global/webacl/" in acls["cdn-acl"].key


def test_a_web_acl_names_its_managed_rule_groups() -> None:
    item = {"ARN": f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/api/1", "Name": "api", "Id": "1",
            "Scope": "REGIONAL", "DefaultAction": {"Block": {}}, "Rules": [
                {"Name": "common", "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS",
                                                                               "Name": "AWSManagedRulesCommonRuleSet"}}},
                {"Name": "rate", "Statement": {"RateBasedStatement": {"Limit": 100}}}]}
    [entity] = list(wafv2.WEB_ACL.transform(item, TransformContext("aws", ACCOUNT, REGION)))
    assert entity.properties["managedRuleGroups"] == ["AWS/AWSManagedRulesCommonRuleSet"]
    assert (entity.properties["ruleCount"], entity.properties["defaultAction"]) == (2, "BLOCK")


def test_private_certificate_authorities(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    authority = entities_of(graph, "aws_acmpca_certificate_authority")["shop.internal"]
    assert (authority.properties["authorityType"], authority.properties["keyAlgorithm"]) == ("ROOT", "RSA_2048")
    assert authority.properties["active"] is False and authority.properties["tag.Team"] == "shop"


def test_security_hub_where_it_is_on(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    [hub] = entities_of(graph, "aws_securityhub_hub").values()
    assert hub.key == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
    assert isinstance(hub.properties["subscribedOn"], int) and hub.properties["autoEnableControls"] is True


def test_dax_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cluster = entities_of(graph, "aws_dax_cluster")["cache"]
    assert (cluster.properties["encrypted"], cluster.properties["encryptedInTransit"]) == (True, True)
    assert cluster.properties["tag.Team"] == "shop"
    assert edges(graph, "aws_dax_cluster_uses_iam_role") == {(cluster.key, seeded.role)}


def test_backup_vaults_and_plans(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    vault = entities_of(graph, "aws_backup_vault")["vault"]
    assert vault.key == seeded.ids["vault"] and vault.properties["tag.Team"] == "shop"
    assert edges(graph, "aws_backup_vault_uses_kms_key") == {(vault.key, seeded.key)}
    plan = entities_of(graph, "aws_backup_plan")["daily"]
    assert (plan.properties["ruleCount"], plan.properties["shortestRetentionDays"]) == (2, 35)
    assert plan.properties["copiesToOtherVaults"] is False and plan.properties["tag.Team"] == "shop"
    assert edges(graph, "aws_backup_plan_uses_vault") == {(plan.key, vault.key)}


def test_elastic_beanstalk(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    application = entities_of(graph, "aws_elasticbeanstalk_application")["shop-web"]
    environment = entities_of(graph, "aws_elasticbeanstalk_environment")["shop-prod"]
    assert environment.properties["applicationName"] == "shop-web" and environment.properties["tag.Team"] == "shop"
    assert edges(graph, "aws_elasticbeanstalk_application_has_environment") == {(application.key, environment.key)}


def test_batch_compute_environments_and_queues(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    compute = entities_of(graph, "aws_batch_compute_environment")["jobs"]
    queue = entities_of(graph, "aws_batch_job_queue")["reports"]
    assert compute.key == seeded.ids["compute"] and compute.properties["environmentType"] == "UNMANAGED"
    assert (queue.properties["enabled"], queue.properties["tag.Team"]) == (True, "shop")
    assert edges(graph, "aws_batch_job_queue_uses_compute_environment") == {(queue.key, compute.key)}
    assert edges(graph, "aws_batch_compute_environment_uses_iam_role") == {(compute.key, seeded.role)}
    assert edges(graph, "aws_batch_compute_environment_uses_ecs_cluster") == {
        (compute.key, str(compute.properties["ecsClusterArn"]))}


def test_codepipeline_pipelines(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    pipeline = entities_of(graph, "aws_codepipeline_pipeline")["release"]
    assert pipeline.key == f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:release" and pipeline.properties["tag.Team"] == "shop"
    assert (pipeline.properties["stages"], pipeline.properties["providers"]) == (["Source", "Build"], ["CodeBuild", "S3"])
    assert pipeline.properties["artifactsCustomerKey"] is True
    assert edges(graph, "aws_codepipeline_pipeline_uses_s3_bucket") == {(pipeline.key, "arn:aws:s3:::shop-artifacts")}
    assert edges(graph, "aws_codepipeline_pipeline_uses_kms_key") == {(pipeline.key, seeded.key)}
    assert edges(graph, "aws_codepipeline_pipeline_uses_iam_role") == {(pipeline.key, seeded.role)}
