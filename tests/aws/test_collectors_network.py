"""EC2 images and connectivity, Auto Scaling, load balancers, IAM account settings and trusts,
AWS Config, GuardDuty and API Gateway in moto. One seeded account, one run, one test per area."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, REGION, collected_world, edges, entities_of, failed_steps

AMI = "ami-12c6146b"  # one of moto's built-in images
SAML_METADATA = ("<?xml version='1.0'?><EntityDescriptor xmlns='urn:oasis:names:tc:SAML:2.0:metadata' "
                 "entityID='https://idp.example.com'><!-- " + "x" * 1000 + " --></EntityDescriptor>")


@dataclass
class Seeded:
    """What the seeding created."""

    vpc: str = ""
    peer_vpc: str = ""
    subnet: str = ""
    group: str = ""
    instances: list[str] = field(default_factory=list)
    ids: dict[str, Any] = field(default_factory=dict)

    def key(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{resource_id}"


def _seed() -> Seeded:
    seeded = Seeded()
    ec2 = boto3.client("ec2", region_name=REGION)
    seeded.vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    seeded.peer_vpc = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    seeded.subnet = ec2.create_subnet(VpcId=seeded.vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    second_subnet = ec2.create_subnet(VpcId=seeded.vpc, CidrBlock="10.20.2.0/24", AvailabilityZone=f"{REGION}b")["Subnet"]["SubnetId"]
    seeded.group = ec2.create_security_group(GroupName="edge", Description="edge", VpcId=seeded.vpc)["GroupId"]

    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999988887777:root", f"arn:aws:iam::{ACCOUNT}:user/ops"]},
         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}},
    ]}
    iam.create_user(UserName="ops")
    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    seeded.ids["role"] = role["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
    seeded.ids["profile"] = profile["Arn"]
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, PasswordReusePrevention=24)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="ops-phone")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="ops", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321")
    seeded.ids["mfa"] = device
    provider = iam.create_saml_provider(Name="corporate-idp", SAMLMetadataDocument=SAML_METADATA)["SAMLProviderArn"]
    seeded.ids["saml"] = provider
    federated = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML"}]}
    seeded.ids["sso_role"] = iam.create_role(RoleName="sso-admin", AssumeRolePolicyDocument=json.dumps(federated))["Role"]["Arn"]
    github = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"], Tags=[{"Key": "Team", "Value": "platform"}],
    )["OpenIDConnectProviderArn"]
    seeded.ids["oidc"] = github
    deploy_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:shop/*"}}}]}
    seeded.ids["deploy_role"] = iam.create_role(
        RoleName="github-deploy", AssumeRolePolicyDocument=json.dumps(deploy_trust))["Role"]["Arn"]

    seeded.instances = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=AMI, MinCount=2, MaxCount=2, SubnetId=seeded.subnet, IamInstanceProfile={"Arn": profile["Arn"]},
    )["Instances"]]
    image = ec2.create_image(InstanceId=seeded.instances[0], Name="web-golden")["ImageId"]
    seeded.ids["image"] = image
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=10, Encrypted=True)["VolumeId"]
    seeded.ids["snapshot"] = ec2.create_snapshot(VolumeId=volume, Description="nightly",
                                                 TagSpecifications=[{"ResourceType": "snapshot",
                                                                     "Tags": [{"Key": "Backup", "Value": "nightly"}]}])["SnapshotId"]
    seeded.ids["volume"] = volume
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"UserId": "111122223333"}]})
    ec2.modify_snapshot_attribute(SnapshotId=seeded.ids["snapshot"], Attribute="createVolumePermission",
                                  OperationType="add", GroupNames=["all"])
    ec2.modify_snapshot_attribute(SnapshotId=seeded.ids["snapshot"], Attribute="createVolumePermission",
                                  OperationType="add", UserIds=["111122223333"])
    ec2.create_key_pair(KeyName="deploy")
    template = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI})["LaunchTemplate"]
    seeded.ids["template"] = template["LaunchTemplateId"]

    vpn = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=seeded.vpc, VpnGatewayId=vpn)
    seeded.ids["vpn"] = vpn
    seeded.ids["endpoint"] = ec2.create_vpc_endpoint(VpcId=seeded.vpc, ServiceName=f"com.amazonaws.{REGION}.s3")["VpcEndpoint"]["VpcEndpointId"]
    only_our_org = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*", "Resource": "*",
                                   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}
    seeded.ids["restricted_endpoint"] = ec2.create_vpc_endpoint(
        VpcId=seeded.vpc, ServiceName=f"com.amazonaws.{REGION}.dynamodb",
        PolicyDocument=json.dumps(only_our_org))["VpcEndpoint"]["VpcEndpointId"]
    seeded.ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(VpcId=seeded.vpc, InternetGatewayId=seeded.ids["igw"])
    seeded.ids["nat"] = ec2.create_nat_gateway(SubnetId=seeded.subnet, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    public_table = ec2.create_route_table(VpcId=seeded.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=seeded.ids["igw"])
    private_table = ec2.create_route_table(VpcId=seeded.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=seeded.ids["nat"])
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="192.168.0.0/16", NatGatewayId=seeded.ids["nat"])
    seeded.ids["tables"] = (public_table, private_table)
    peering = ec2.create_vpc_peering_connection(VpcId=seeded.vpc, PeerVpcId=seeded.peer_vpc)["VpcPeeringConnection"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering["VpcPeeringConnectionId"])
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="vpc-flow")
    ec2.create_flow_logs(ResourceIds=[seeded.vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="vpc-flow",
                         DeliverLogsPermissionArn=role["Arn"])

    autoscaling = boto3.client("autoscaling", region_name=REGION)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg", MinSize=1, MaxSize=3, DesiredCapacity=1, VPCZoneIdentifier=seeded.subnet,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        Tags=[{"Key": "Team", "Value": "web", "PropagateAtLaunch": True}],
    )

    elbv2 = boto3.client("elbv2", region_name=REGION)
    balancer = elbv2.create_load_balancer(Name="web-alb", Subnets=[seeded.subnet, second_subnet],
                                          SecurityGroups=[seeded.group], Scheme="internet-facing",
                                          Tags=[{"Key": "Team", "Value": "web"}])["LoadBalancers"][0]
    seeded.ids["alb"] = balancer["LoadBalancerArn"]
    target_group = elbv2.create_target_group(Name="web-targets", Protocol="HTTP", Port=80, VpcId=seeded.vpc,
                                             TargetType="instance")["TargetGroups"][0]
    seeded.ids["target_group"] = target_group["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=target_group["TargetGroupArn"], Targets=[{"Id": seeded.instances[1]}])
    elbv2.create_listener(LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group["TargetGroupArn"]}])
    seeded.ids["nlb"] = elbv2.create_load_balancer(Name="tcp-nlb", Subnets=[seeded.subnet], Type="network",
                                                   Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    elb = boto3.client("elb", region_name=REGION)
    elb.create_load_balancer(LoadBalancerName="legacy", Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}], Subnets=[seeded.subnet],
        SecurityGroups=[seeded.group], Tags=[{"Key": "Team", "Value": "legacy"}])
    elb.register_instances_with_load_balancer(LoadBalancerName="legacy", Instances=[{"InstanceId": seeded.instances[0]}])

    config = boto3.client("config", region_name=REGION)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": role["Arn"], "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    config.put_config_rule(ConfigRule={"ConfigRuleName": "s3-encrypted", "Source": {
        "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}})

    seeded.ids["detector"] = boto3.client("guardduty", region_name=REGION).create_detector(Enable=True)["DetectorId"]

    seeded.ids["rest_api"] = boto3.client("apigateway", region_name=REGION).create_rest_api(
        name="orders", endpointConfiguration={"types": ["REGIONAL"]}, tags={"Team": "orders"})["id"]
    seeded.ids["http_api"] = boto3.client("apigatewayv2", region_name=REGION).create_api(
        Name="events", ProtocolType="HTTP", Tags={"Team": "events"})["ApiId"]
    return seeded


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seeded, CollectedGraph]]:
    yield from collected_world(_seed, tmp_path_factory)




def test_every_step_succeeds(world: tuple[Seeded, CollectedGraph]) -> None:
    _, graph = world
    assert failed_steps(graph) == []


def test_owned_images_snapshots_key_pairs_and_launch_templates(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    images = entities_of(graph, "aws_ami", by="_key")
    assert list(images) == [f"arn:aws:ec2:{REGION}::image/{seeded.ids['image']}"]  # owned only: no public catalogue
    image = images[f"arn:aws:ec2:{REGION}::image/{seeded.ids['image']}"]
    assert image.display_name == "web-golden"
    assert (image.properties["public"], image.properties["sharedWithAccounts"]) == (False, ["111122223333"])
    snapshot = entities_of(graph, "aws_ebs_snapshot", by="_key")[seeded.key("snapshot", seeded.ids["snapshot"])]
    assert snapshot.properties["encrypted"] is True and snapshot.properties["tag.Backup"] == "nightly"
    assert (snapshot.properties["public"], snapshot.properties["sharedWithAccounts"]) == (True, ["111122223333"])
    assert (seeded.key("volume", seeded.ids["volume"]), snapshot.key) in edges(graph, "aws_ebs_volume_has_snapshot")
    [key_pair] = entities_of(graph, "aws_key_pair", by="_key").values()
    assert key_pair.display_name == "deploy" and key_pair.properties["fingerprint"]
    template = entities_of(graph, "aws_launch_template", by="_key")[seeded.key("launch-template", seeded.ids["template"])]
    assert template.properties["name"] == "web"


def test_vpn_gateways_endpoints_peering_and_flow_logs(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    vpc_key = seeded.key("vpc", seeded.vpc)
    vpn_key = seeded.key("vpn-gateway", seeded.ids["vpn"])
    assert vpn_key in entities_of(graph, "aws_vpn_gateway", by="_key")
    assert (vpc_key, vpn_key) in edges(graph, "aws_vpc_has_vpn_gateway")
    endpoint = entities_of(graph, "aws_vpc_endpoint", by="_key")[seeded.key("vpc-endpoint", seeded.ids["endpoint"])]
    assert endpoint.properties["serviceName"] == f"com.amazonaws.{REGION}.s3"
    assert (vpc_key, endpoint.key) in edges(graph, "aws_vpc_has_endpoint")
    assert endpoint.properties["allowsAnyPrincipal"] is True  # the default policy: full access for anyone
    restricted = entities_of(graph, "aws_vpc_endpoint", by="_key")[seeded.key("vpc-endpoint", seeded.ids["restricted_endpoint"])]
    assert json.loads(restricted.properties["policyDocument"])["Statement"][0]["Action"] == "dynamodb:*"
    assert restricted.properties["allowsAnyPrincipal"] is False
    assert (vpc_key, seeded.key("vpc", seeded.peer_vpc)) in edges(graph, "aws_vpc_connects_vpc")
    vpcs, subnets = entities_of(graph, "aws_vpc", by="_key"), entities_of(graph, "aws_subnet", by="_key")
    assert vpcs[vpc_key].properties["flowLogsEnabled"] is True
    assert vpcs[seeded.key("vpc", seeded.peer_vpc)].properties["flowLogsEnabled"] is False
    assert subnets[seeded.key("subnet", seeded.subnet)].properties["flowLogsEnabled"] is True  # covered by its VPC's log


def test_routes_to_internet_and_nat_gateways(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    public_table, private_table = (seeded.key("route-table", table) for table in seeded.ids["tables"])
    igw, nat = seeded.key("internet-gateway", seeded.ids["igw"]), seeded.key("natgateway", seeded.ids["nat"])
    assert edges(graph, "aws_route_table_routes_internet_gateway") == {(public_table, igw)}
    [route] = [r for r in graph.relationships if r.type == "aws_route_table_routes_nat_gateway"]
    assert (route.from_key, route.to_key) == (private_table, nat)
    assert route.properties["destinationCidrs"] == ["0.0.0.0/0", "192.168.0.0/16"]
    assert (route.properties["external"], route.properties["blackhole"]) == (True, False)


def test_autoscaling_groups(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [group] = entities_of(graph, "aws_autoscaling_group", by="_key").values()
    assert group.display_name == "web-asg" and group.properties["tag.Team"] == "web"
    assert group.properties["maxSize"] == 3 and group.properties["instanceCount"] == 1
    assert (group.key, seeded.key("launch-template", seeded.ids["template"])) in edges(
        graph, "aws_autoscaling_group_uses_launch_template")
    assert [to for frm, to in edges(graph, "aws_autoscaling_group_has_instance")]
    assert (seeded.key("subnet", seeded.subnet), group.key) in edges(graph, "aws_subnet_has_autoscaling_group")


def test_load_balancers_target_groups_and_classic(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    alb = entities_of(graph, "aws_alb", by="_key")[seeded.ids["alb"]]
    assert alb.properties["public"] is True and alb.properties["listenerPorts"] == [80]
    assert alb.properties["plaintextListener"] is True and alb.properties["tag.Team"] == "web"
    assert entities_of(graph, "aws_nlb", by="_key")[seeded.ids["nlb"]].properties["public"] is False
    group_key = seeded.key("security-group", seeded.group)
    assert (group_key, alb.key) in edges(graph, "aws_security_group_protects_alb")
    assert (seeded.key("subnet", seeded.subnet), alb.key) in edges(graph, "aws_subnet_has_alb")
    target_group = seeded.ids["target_group"]
    assert (alb.key, target_group) in edges(graph, "aws_alb_has_lb_target_group")
    assert (target_group, seeded.key("instance", seeded.instances[1])) in edges(graph, "aws_lb_target_group_has_instance")
    [classic] = entities_of(graph, "aws_elb", by="_key").values()
    assert classic.display_name == "legacy" and classic.properties["tag.Team"] == "legacy"
    assert (classic.key, seeded.key("instance", seeded.instances[0])) in edges(graph, "aws_elb_has_instance")
    assert (group_key, classic.key) in edges(graph, "aws_security_group_protects_elb")


def test_iam_account_settings_instance_profiles_and_trusts(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [policy] = entities_of(graph, "aws_iam_account_password_policy", by="_key").values()
    assert policy.properties["exists"] is True and policy.properties["minimumPasswordLength"] == 14
    assert policy.properties["passwordReusePrevention"] == 24
    device = entities_of(graph, "aws_iam_mfa_device", by="_key")[seeded.ids["mfa"]]
    assert device.properties["virtual"] is True
    assert (f"arn:aws:iam::{ACCOUNT}:user/ops", device.key) in edges(graph, "aws_iam_user_has_mfa_device")
    assert seeded.ids["saml"] in entities_of(graph, "aws_iam_saml_provider", by="_key")
    profile = seeded.ids["profile"]
    assert (profile, seeded.ids["role"]) in edges(graph, "aws_iam_instance_profile_uses_role")
    assert (seeded.key("instance", seeded.instances[0]), profile) in edges(graph, "aws_instance_uses_iam_instance_profile")

    role = entities_of(graph, "aws_iam_role", by="_key")[seeded.ids["role"]].properties
    assert role["trustedServices"] == ["ec2.amazonaws.com"] and role["trustedAccounts"] == ["999988887777"]
    assert role["trustsOtherAccounts"] is True and role["trustConditional"] is True and role["trustsAnyone"] is False
    trusts = {(rel.verb, rel.to_type, rel.to_key) for rel in graph.relationships if rel.from_key == seeded.ids["role"]
              and rel.verb == "TRUSTS"}
    assert trusts == {("TRUSTS", "aws_service", "aws_service:ec2.amazonaws.com"),
                      ("TRUSTS", "aws_account", "aws_account:999988887777"),
                      ("TRUSTS", "aws_iam_user", f"arn:aws:iam::{ACCOUNT}:user/ops")}
    assert "aws_service:ec2.amazonaws.com" in entities_of(graph, "aws_service", by="_key")
    assert (seeded.ids["sso_role"], seeded.ids["saml"]) in edges(graph, "aws_iam_role_trusts_saml_provider")
    oidc = entities_of(graph, "aws_iam_oidc_provider", by="_key")[seeded.ids["oidc"]]
    assert oidc.display_name == "token.actions.githubusercontent.com" and oidc.properties["tag.Team"] == "platform"
    assert oidc.properties["clientIds"] == ["sts.amazonaws.com"]
    assert edges(graph, "aws_iam_role_trusts_oidc_provider") == {(seeded.ids["deploy_role"], seeded.ids["oidc"])}


def test_config_guardduty_and_api_gateway(world: tuple[Seeded, CollectedGraph]) -> None:
    seeded, graph = world
    [recorder] = entities_of(graph, "aws_config_recorder", by="_key").values()
    assert recorder.properties["recording"] is True and recorder.properties["allSupported"] is True
    [rule] = entities_of(graph, "aws_config_rule", by="_key").values()
    assert rule.display_name == "s3-encrypted" and rule.properties["sourceOwner"] == "AWS"
    detector = entities_of(graph, "aws_guardduty_detector", by="_key")[f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{seeded.ids['detector']}"]
    assert detector.properties["enabled"] is True
    rest = entities_of(graph, "aws_api_gateway_rest_api", by="_key")[f"arn:aws:apigateway:{REGION}::/restapis/{seeded.ids['rest_api']}"]
    assert rest.properties["endpointTypes"] == ["REGIONAL"] and rest.properties["tag.Team"] == "orders"
    http = entities_of(graph, "aws_apigatewayv2_api", by="_key")[f"arn:aws:apigateway:{REGION}::/apis/{seeded.ids['http_api']}"]
    assert http.properties["protocolType"] == "HTTP" and http.properties["tag.Team"] == "events"
