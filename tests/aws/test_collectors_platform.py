"""Platform services in moto: ECR, ECS, EKS, CloudTrail, ACM, Route 53, CloudFront, EFS, ElastiCache,
Redshift and Kinesis. One seeded account, one run, one test per service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from aws_integration.integrations.aws.collectors.elasticache import transform_cache_cluster
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from aws_integration.graph.model import Entity
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

CONTAINER_SECRET = "container-env-secret-never-stored"


@dataclass
class Seeded:
    """What the seeding created."""

    key_arn: str = ""
    role_arn: str = ""
    subnet_id: str = ""
    group_id: str = ""
    ids: dict[str, Any] = field(default_factory=dict)

    def group_key(self) -> str:
        return f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{self.group_id}"

    def subnet_key(self) -> str:
        return f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{self.subnet_id}"


def _seed() -> Seeded:
    seeded = Seeded()
    seeded.key_arn = boto3.client("kms", region_name=REGION).create_key(Description="platform")["KeyMetadata"]["Arn"]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    seeded.role_arn = boto3.client("iam", region_name=REGION).create_role(
        RoleName="platform", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    seeded.subnet_id = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    seeded.group_id = ec2.create_security_group(GroupName="platform", Description="platform", VpcId=vpc)["GroupId"]

    boto3.client("ecr", region_name=REGION).create_repository(
        repositoryName="shop/api", imageScanningConfiguration={"scanOnPush": True}, imageTagMutability="IMMUTABLE",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": seeded.key_arn},
        tags=[{"Key": "Team", "Value": "shop"}],
    )

    ecs = boto3.client("ecs", region_name=REGION)
    seeded.ids["cluster"] = ecs.create_cluster(clusterName="shop", tags=[{"key": "Team", "value": "shop"}])["cluster"]["clusterArn"]
    task = ecs.register_task_definition(
        family="shop-api", taskRoleArn=seeded.role_arn, networkMode="awsvpc",
        containerDefinitions=[{"name": "api", "image": "shop/api:1.0", "memory": 512, "privileged": True,
                               "environment": [{"name": "TOKEN", "value": CONTAINER_SECRET}]}],
        tags=[{"key": "Team", "value": "shop"}],
    )["taskDefinition"]["taskDefinitionArn"]
    seeded.ids["task"] = task
    seeded.ids["service"] = ecs.create_service(
        cluster="shop", serviceName="shop-api", taskDefinition=task, desiredCount=2, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [seeded.subnet_id],
                                                      "securityGroups": [seeded.group_id], "assignPublicIp": "ENABLED"}},
        tags=[{"key": "Team", "value": "shop"}],
    )["service"]["serviceArn"]

    seeded.ids["eks"] = boto3.client("eks", region_name=REGION).create_cluster(
        name="shop-k8s", roleArn=seeded.role_arn,
        resourcesVpcConfig={"subnetIds": [seeded.subnet_id], "securityGroupIds": [seeded.group_id],
                            "endpointPublicAccess": True},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": seeded.key_arn}}],
        tags={"Team": "shop"},
    )["cluster"]["arn"]

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="shop-trail-logs")
    s3.create_bucket(Bucket="shop-static")
    cloudtrail = boto3.client("cloudtrail", region_name=REGION)
    seeded.ids["trail"] = cloudtrail.create_trail(
        Name="org-trail", S3BucketName="shop-trail-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True,
        KmsKeyId=seeded.key_arn, TagsList=[{"Key": "Team", "Value": "security"}],
    )["TrailARN"]
    cloudtrail.start_logging(Name="org-trail")
    cloudtrail.create_trail(Name="quiet-trail", S3BucketName="shop-trail-logs")

    seeded.ids["certificate"] = boto3.client("acm", region_name=REGION).request_certificate(
        DomainName="shop.example.com", SubjectAlternativeNames=["www.shop.example.com"],
        Tags=[{"Key": "Team", "Value": "shop"}],
    )["CertificateArn"]

    route53 = boto3.client("route53", region_name=REGION)
    zone = route53.create_hosted_zone(Name="example.com.", CallerReference="seed")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "shop.example.com.", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.10"}]}}]})
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone,
                                     AddTags=[{"Key": "Team", "Value": "dns"}])
    seeded.ids["zone"] = zone

    seeded.ids["distribution"] = boto3.client("cloudfront", region_name=REGION).create_distribution(DistributionConfig={
        "CallerReference": "seed", "Comment": "shop", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "static", "DomainName": "shop-static.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "static", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}},
    })["Distribution"]["ARN"]

    seeded.ids["efs"] = boto3.client("efs", region_name=REGION).create_file_system(
        CreationToken="shop", Encrypted=True, KmsKeyId=seeded.key_arn, Tags=[{"Key": "Name", "Value": "shop-files"}],
    )["FileSystemArn"]
    efs = boto3.client("efs", region_name=REGION)
    shared = efs.create_file_system(CreationToken="shared", Tags=[{"Key": "Name", "Value": "shared-files"}])
    efs.put_file_system_policy(FileSystemId=shared["FileSystemId"], Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount", "Resource": "*"}]}))

    boto3.client("elasticache", region_name=REGION).create_cache_cluster(
        CacheClusterId="shop-cache", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1,
        SecurityGroupIds=[seeded.group_id], Tags=[{"Key": "Team", "Value": "shop"}],
    )
    boto3.client("redshift", region_name=REGION).create_cluster(
        ClusterIdentifier="shop-dw", NodeType="ra3.xlplus", MasterUsername="admin", MasterUserPassword="Passw0rd!x",
        Encrypted=True, KmsKeyId=seeded.key_arn, PubliclyAccessible=True, VpcSecurityGroupIds=[seeded.group_id],
        Tags=[{"Key": "Team", "Value": "analytics"}],
    )
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="shop-events", ShardCount=2)
    kinesis.start_stream_encryption(StreamName="shop-events", EncryptionType="KMS", KeyId=seeded.key_arn)
    kinesis.add_tags_to_stream(StreamName="shop-events", Tags={"Team": "shop"})
    kinesis.create_stream(StreamName="plain-events", ShardCount=1)
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)




def test_every_step_succeeds_and_no_container_secret_is_collected(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []
    assert CONTAINER_SECRET not in json.dumps([entity.to_dict() for entity in graph.entities])


def test_ecr_repositories(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    repository = entities_of(graph, "aws_ecr_repository")["shop/api"]
    props = repository.properties
    assert props["scanOnPush"] is True and props["tagsImmutable"] is True and props["tag.Team"] == "shop"
    assert (repository.key, seeded.key_arn) in edges(graph, "aws_ecr_repository_uses_kms_key")


def test_ecs_clusters_services_and_task_definitions(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cluster = entities_of(graph, "aws_ecs_cluster")["shop"]
    assert cluster.key == seeded.ids["cluster"] and cluster.properties["tag.Team"] == "shop"
    service = entities_of(graph, "aws_ecs_service")["shop-api"]
    assert service.properties["public"] is True and service.properties["desiredCount"] == 2
    assert service.properties["tag.Team"] == "shop"
    task = entities_of(graph, "aws_ecs_task_definition")["shop-api:1"]
    assert task.properties["privileged"] is True and task.properties["images"] == ["shop/api:1.0"]
    assert (cluster.key, service.key) in edges(graph, "aws_ecs_cluster_has_service")
    assert (service.key, seeded.ids["task"]) in edges(graph, "aws_ecs_service_uses_task_definition")
    assert (seeded.subnet_key(), service.key) in edges(graph, "aws_subnet_has_ecs_service")
    assert (seeded.group_key(), service.key) in edges(graph, "aws_security_group_protects_ecs_service")
    assert (task.key, seeded.role_arn) in edges(graph, "aws_ecs_task_definition_uses_iam_role")


def test_eks_clusters(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cluster = entities_of(graph, "aws_eks_cluster")["shop-k8s"]
    assert cluster.key == seeded.ids["eks"]
    assert cluster.properties["secretsEncrypted"] is True and cluster.properties["endpointPublicAccess"] is True
    assert cluster.properties["tag.Team"] == "shop"
    assert (cluster.key, seeded.role_arn) in edges(graph, "aws_eks_cluster_uses_iam_role")
    assert (cluster.key, seeded.key_arn) in edges(graph, "aws_eks_cluster_uses_kms_key")
    assert (seeded.group_key(), cluster.key) in edges(graph, "aws_security_group_protects_eks_cluster")
    assert (seeded.subnet_key(), cluster.key) in edges(graph, "aws_subnet_has_eks_cluster")


def test_cloudtrail_trails(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    trails = entities_of(graph, "aws_cloudtrail")
    trail = trails["org-trail"].properties
    assert trail["logging"] is True and trail["multiRegion"] is True and trail["logFileValidationEnabled"] is True
    assert trail["encrypted"] is True and trail["tag.Team"] == "security"
    assert trails["quiet-trail"].properties["logging"] is False
    assert (seeded.ids["trail"], "arn:aws:s3:::shop-trail-logs") in edges(graph, "aws_cloudtrail_uses_s3_bucket")
    assert (seeded.ids["trail"], seeded.key_arn) in edges(graph, "aws_cloudtrail_uses_kms_key")


def test_acm_certificates(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    certificate = entities_of(graph, "aws_acm_certificate")["shop.example.com"]
    assert certificate.key == seeded.ids["certificate"]
    assert "www.shop.example.com" in certificate.properties["subjectAlternativeNames"]
    assert certificate.properties["tag.Team"] == "shop" and certificate.properties["inUse"] is False


def test_route53_zones(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    zone = entities_of(graph, "aws_route53_zone")["example.com"]
    assert zone.key == f"arn:aws:route53:::hostedzone/{seeded.ids['zone']}"
    assert zone.properties["recordCount"] == 3  # SOA, NS and the A record
    assert zone.properties["public"] is True and zone.properties["tag.Team"] == "dns"


def test_cloudfront_distributions(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [distribution] = [e for e in graph.entities if e.type == "aws_cloudfront_distribution"]
    assert distribution.key == seeded.ids["distribution"] and distribution.properties["enabled"] is True
    assert distribution.properties["origins"] == ["shop-static.s3.amazonaws.com"]
    assert (distribution.key, "arn:aws:s3:::shop-static") in edges(graph, "aws_cloudfront_distribution_uses_s3_bucket")


def test_efs_file_systems(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    files = entities_of(graph, "aws_efs_file_system")["shop-files"]
    assert files.key == seeded.ids["efs"] and files.properties["encrypted"] is True
    assert files.classes == ("DataStore",) and "classification" in files.properties
    assert (files.key, seeded.key_arn) in edges(graph, "aws_efs_file_system_uses_kms_key")
    assert files.properties["public"] is False and "policyDocument" not in files.properties
    shared = entities_of(graph, "aws_efs_file_system")["shared-files"]
    assert shared.properties["public"] is True and "ClientMount" in str(shared.properties["policyDocument"])


def test_elasticache_and_redshift(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    cache = entities_of(graph, "aws_elasticache_cluster")["shop-cache"]
    assert cache.properties["engine"] == "redis" and cache.properties["tag.Team"] == "shop"
    # moto's DescribeCacheClusters leaves SecurityGroups out; AWS's answer carries them:
    described = {"CacheClusterId": "shop-cache", "ARN": cache.key, "AtRestEncryptionEnabled": True,
                 "SecurityGroups": [{"SecurityGroupId": seeded.group_id, "Status": "active"}]}
    produced = list(transform_cache_cluster(described, TransformContext("aws", ACCOUNT, REGION)))
    assert [(r.from_key, r.to_key) for r in produced if not isinstance(r, Entity)] == [(seeded.group_key(), cache.key)]
    assert produced[0].properties["encrypted"] is True  # type: ignore[union-attr]
    warehouse = entities_of(graph, "aws_redshift_cluster")["shop-dw"]
    assert warehouse.properties["encrypted"] is True and warehouse.properties["publiclyAccessible"] is True
    assert warehouse.properties["tag.Team"] == "analytics"
    assert (warehouse.key, seeded.key_arn) in edges(graph, "aws_redshift_cluster_uses_kms_key")
    assert (seeded.group_key(), warehouse.key) in edges(graph, "aws_security_group_protects_redshift_cluster")


def test_kinesis_streams(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    streams = entities_of(graph, "aws_kinesis_stream")
    events = streams["shop-events"]
    assert events.properties["encrypted"] is True and events.properties["openShardCount"] == 2
    assert events.properties["tag.Team"] == "shop"
    assert streams["plain-events"].properties["encrypted"] is False
    assert (events.key, seeded.key_arn) in edges(graph, "aws_kinesis_stream_uses_kms_key")
