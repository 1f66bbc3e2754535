"""EC2 and VPC: networks, gateways, routing, firewalls, instances, volumes, interfaces, addresses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

from aws_integration.integrations.aws.collectors.common import OneAnswer, build_entity, relate
from aws_integration.integrations.aws.collectors.iam import INSTANCE_PROFILE
from aws_integration.integrations.aws.declarations import (
    ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described,
)
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.placeholders import EXTERNAL_CIDRS, INTERNET_ENTITY, IP_RANGE_ENTITY, ip_range_key

EXTERNAL_IPV4 = "0.0.0.0/0"
EXTERNAL_IPV6 = "::/0"
PROTOCOL_NAMES = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
ICMP = frozenset({"icmp", "icmpv6"})
RULE_PROPERTIES = described(
    ingress="boolean: Whether the rule admits traffic coming in.",
    egress="boolean: Whether the rule lets traffic go out.",
    ipProtocol="string: tcp, udp, icmp, icmpv6, all, or the protocol number.",
    fromPort="integer: The first port of the range (the ICMP type for ICMP; 0 for all traffic).",
    toPort="integer: The last port of the range (the ICMP code for ICMP; 65535 for all traffic).",
    cidr="string: The IPv4 or IPv6 range the rule names.",
    description="string: The rule's description.",
    prefixListIds="string[]: The managed prefix lists the permission also names.",
)
ROUTE_PROPERTIES = described(
    destinationCidrs="string[]: The IPv4 and IPv6 ranges (and prefix lists) the table's routes send there.",
    external="boolean: Whether a route covers every address (0.0.0.0/0 or ::/0).",
    blackhole="boolean: Whether a route to it is a blackhole (the gateway is gone).",
)
ACL_RULE_PROPERTIES = RULE_PROPERTIES[:6] + described(
    ruleNumber="integer: The entry's rule number: entries apply in that order, the first match decides.",
)

NETWORK_PROPERTIES = described(
    CIDR="string: The primary IPv4 CIDR block.",
    public="boolean: Whether the internet can reach it: a route to an internet gateway and an ACL that lets "
           "traffic in (decided by the public-network mapper).",
    internal="boolean: Always true: a VPC network is internal to the account.",
    flowLogsEnabled="boolean: Whether a VPC flow log covers it.",
    ipv6CidrBlocks="string[]: Its associated IPv6 CIDR blocks.",
    state="string: pending or available.",
)
VPC = EntityDecl("aws_vpc", ("Network",), "A virtual private cloud.", properties=NETWORK_PROPERTIES + described(
    vpcId="string: The VPC ID.",
    cidrBlocks="string[]: Every IPv4 CIDR block associated with the VPC.",
    isDefault="boolean: Whether it is the region's default VPC.",
    instanceTenancy="string: default, dedicated or host.",
    dhcpOptionsId="string: The ID of its DHCP option set.",
))
SUBNET = EntityDecl(
    "aws_subnet", ("Network",), "A subnet of a VPC.", owned_by_account=False,
    properties=NETWORK_PROPERTIES + described(
        subnetId="string: The subnet ID.",
        vpcId="string: The ID of its VPC.",
        availabilityZone="string: Its availability zone.",
        availabilityZoneId="string: Its availability zone's ID (the same in every account).",
        mapPublicIpOnLaunch="boolean: Whether instances launched in it get a public IPv4 address.",
        defaultForAz="boolean: Whether it is the default subnet of its zone.",
        availableIpAddressCount="integer: The IPv4 addresses still free.",
    ),
)
INTERNET_GATEWAY = EntityDecl("aws_internet_gateway", ("Gateway",), "An internet gateway.", properties=described(
    internetGatewayId="string: The gateway ID.",
    attachedVpcIds="string[]: The VPCs it is attached to.",
    public="boolean: Always true: it connects to the internet.",
))
NAT_GATEWAY = EntityDecl("aws_nat_gateway", ("Gateway",), "A NAT gateway.", properties=described(
    natGatewayId="string: The gateway ID.",
    state="string: pending, failed, available, deleting or deleted.",
    connectivityType="string: public or private.",
    vpcId="string: The ID of its VPC.",
    subnetId="string: The ID of its subnet.",
    publicIpAddresses="string[]: Its public IPv4 addresses.",
    privateIpAddresses="string[]: Its private IPv4 addresses.",
    createdOn="timestamp: When it was created.",
))
ROUTE_TABLE = EntityDecl(
    "aws_route_table", ("Configuration",), "A VPC route table.", owned_by_account=False,
    properties=described(
        routeTableId="string: The route table ID.",
        vpcId="string: The ID of its VPC.",
        main="boolean: Whether it is its VPC's main route table.",
        routeCount="integer: The number of routes.",
        externalRouteTargets="string[]: The targets of its routes to 0.0.0.0/0 and ::/0 (gateway, NAT, peering IDs).",
        associatedSubnetIds="string[]: The subnets explicitly associated with it.",
    ),
)
NETWORK_ACL = EntityDecl(
    "aws_network_acl", ("Firewall",), "A VPC network ACL.", owned_by_account=False,
    properties=described(
        networkAclId="string: The network ACL ID.",
        vpcId="string: The ID of its VPC.",
        isDefault="boolean: Whether it is its VPC's default ACL.",
        ingressRuleCount="integer: The number of inbound entries.",
        egressRuleCount="integer: The number of outbound entries.",
        associatedSubnetIds="string[]: The subnets it applies to.",
        ingressCidrs="string[]: The IP ranges its inbound entries name.",
        egressCidrs="string[]: The IP ranges its outbound entries name.",
    ),
)
SECURITY_GROUP = EntityDecl("aws_security_group", ("Firewall",), "An EC2 security group.", properties=described(
    groupId="string: The security group ID.",
    groupName="string: Its name.",
    description="string: Its description.",
    vpcId="string: The ID of its VPC.",
    ingressRuleCount="integer: The number of inbound permissions.",
    egressRuleCount="integer: The number of outbound permissions.",
    allowsIngressFromInternet="boolean: Whether an inbound permission admits 0.0.0.0/0 or ::/0.",
    ingressCidrs="string[]: The IP ranges its inbound permissions admit.",
    egressCidrs="string[]: The IP ranges its outbound permissions let traffic go to.",
))
INSTANCE = EntityDecl("aws_instance", ("Host",), "An EC2 instance.", properties=described(
    instanceId="string: The instance ID.",
    instanceType="string: Its instance type (t3.micro).",
    state="string: pending, running, shutting-down, terminated, stopping or stopped.",
    platform="string: Its platform details (Linux/UNIX, Windows).",
    architecture="string: i386, x86_64, arm64 and the like.",
    imageId="string: The ID of the AMI it was launched from.",
    keyName="string: The name of the key pair it was launched with.",
    launchTime="timestamp: When it was last launched.",
    availabilityZone="string: Its availability zone.",
    vpcId="string: The ID of its VPC.",
    subnetId="string: The ID of its subnet.",
    privateIpAddress="string: Its primary private IPv4 address.",
    privateIpAddresses="string[]: Every private IPv4 address of its network interfaces.",
    macAddresses="string[]: The MAC addresses of its network interfaces, lower-case.",
    privateDnsName="string: Its private DNS name.",
    publicIpAddress="string: Its public IPv4 address.",
    publicDnsName="string: Its public DNS name.",
    public="boolean: Whether it has a public IPv4 address.",
    iamInstanceProfileArn="string: The ARN of its instance profile.",
    monitoring="string: Detailed monitoring: disabled, enabled or pending.",
    securityGroupIds="string[]: The IDs of its security groups.",
    volumeIds="string[]: The IDs of its attached EBS volumes.",
    metadataHttpTokens="string: required when the metadata service needs IMDSv2 tokens, else optional.",
))
VOLUME = EntityDecl("aws_ebs_volume", ("DataStore", "Disk"), "An EBS volume.", properties=described(
    volumeId="string: The volume ID.",
    size="integer: Its size in GiB.",
    volumeType="string: gp2, gp3, io1, io2, st1, sc1 or standard.",
    state="string: creating, available, in-use, deleting, deleted or error.",
    encrypted="boolean: Whether it is encrypted.",
    kmsKeyId="string: The ARN of the KMS key that encrypts it.",
    iops="integer: Its provisioned I/O operations per second.",
    throughput="integer: Its throughput in MiB/s (gp3).",
    snapshotId="string: The snapshot it was created from.",
    availabilityZone="string: Its availability zone.",
    multiAttachEnabled="boolean: Whether several instances may attach it.",
    attachedInstanceIds="string[]: The instances it is attached to.",
    createdOn="timestamp: When it was created.",
))
NETWORK_INTERFACE = EntityDecl("aws_eni", ("NetworkInterface",), "An elastic network interface.", properties=described(
    networkInterfaceId="string: The interface ID.",
    interfaceType="string: interface, natGateway, efa, lambda and the like.",
    status="string: available, associated, attaching, in-use or detaching.",
    description="string: Its description.",
    macAddress="string: Its MAC address.",
    vpcId="string: The ID of its VPC.",
    subnetId="string: The ID of its subnet.",
    privateIpAddress="string: Its primary private IPv4 address.",
    privateIpAddresses="string[]: Every private IPv4 address it has.",
    publicIp="string: The public IPv4 address associated with it.",
    sourceDestCheck="boolean: Whether traffic not addressed to it is dropped.",
    requesterManaged="boolean: Whether an AWS service created and manages it.",
    securityGroupIds="string[]: The IDs of its security groups.",
    attachedInstanceId="string: The instance it is attached to.",
))
ELASTIC_IP = EntityDecl("aws_eip", ("IpAddress",), "An Elastic IP address.", properties=described(
    publicIp="string: The public IPv4 address.",
    allocationId="string: Its allocation ID.",
    associationId="string: Its association ID, when associated.",
    domain="string: vpc or standard.",
    instanceId="string: The instance it is associated with.",
    networkInterfaceId="string: The network interface it is associated with.",
    privateIpAddress="string: The private address it maps to.",
    publicIpv4Pool="string: The address pool it came from.",
    public="boolean: Always true: an Elastic IP is public.",
))

EC2_PAGE = 1000  # the most that most EC2 listings answer in one page (route tables: 100, volumes: 500)


DESCRIBE_INSTANCES = ApiCall("ec2", "DescribeInstances", "Reservations", page_size=EC2_PAGE)
DESCRIBE_ADDRESSES = ApiCall("ec2", "DescribeAddresses")


def ec2_arn(scope: TransformContext, kind: str, resource_id: str) -> str:
    """ARN of an EC2 resource, e.g. ``arn:aws:ec2:us-east-1:123:vpc/vpc-1``."""
    return scope.arn("ec2", f"{kind}/{resource_id}")


def _vpc_key(scope: TransformContext, vpc_id: str) -> str:
    return ec2_arn(scope, "vpc", vpc_id)


def _subnet_key(scope: TransformContext, subnet_id: str) -> str:
    return ec2_arn(scope, "subnet", subnet_id)


def _network_properties(cidr: str | None) -> dict[str, object]:
    """``public`` is unknown until the public-network mapper decides it."""
    return {"CIDR": cidr, "public": None, "internal": True}


def transform_vpc(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_vpc`` per VPC."""
    yield build_entity(
        VPC,
        scope,
        key=_vpc_key(scope, item["VpcId"]),
        name=item["VpcId"],
        tags=item.get("Tags"),
        properties={
            "vpcId": item["VpcId"],
            **_network_properties(item.get("CidrBlock")),
            "cidrBlocks": [assoc["CidrBlock"] for assoc in item.get("CidrBlockAssociationSet", [])],
            "ipv6CidrBlocks": [
                assoc["Ipv6CidrBlock"] for assoc in item.get("Ipv6CidrBlockAssociationSet", []) if "Ipv6CidrBlock" in assoc
            ],
            "state": item.get("State"),
            "isDefault": item.get("IsDefault", False),
            "instanceTenancy": item.get("InstanceTenancy"),
            "dhcpOptionsId": item.get("DhcpOptionsId"),
        },
    )


def transform_subnet(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_subnet``, contained by its VPC."""
    key = _subnet_key(scope, item["SubnetId"])
    yield build_entity(
        SUBNET,
        scope,
        key=key,
        name=item["SubnetId"],
        tags=item.get("Tags"),
        properties={
            "subnetId": item["SubnetId"],
            "vpcId": item["VpcId"],
            **_network_properties(item.get("CidrBlock")),
            "ipv6CidrBlocks": [
                assoc["Ipv6CidrBlock"] for assoc in item.get("Ipv6CidrBlockAssociationSet", []) if "Ipv6CidrBlock" in assoc
            ],
            "availabilityZone": item.get("AvailabilityZone"),
            "availabilityZoneId": item.get("AvailabilityZoneId"),
            "mapPublicIpOnLaunch": item.get("MapPublicIpOnLaunch", False),
            "defaultForAz": item.get("DefaultForAz", False),
            "availableIpAddressCount": item.get("AvailableIpAddressCount"),
            "state": item.get("State"),
        },
    )
    yield relate(VPC, _vpc_key(scope, item["VpcId"]), "CONTAINS", SUBNET, key)


def transform_internet_gateway(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_internet_gateway``; each VPC it is attached to HAS it."""
    key = ec2_arn(scope, "internet-gateway", item["InternetGatewayId"])
    attached = [att["VpcId"] for att in item.get("Attachments", []) if att.get("State") in (None, "available", "attached")]
    yield build_entity(
        INTERNET_GATEWAY,
        scope,
        key=key,
        name=item["InternetGatewayId"],
        tags=item.get("Tags"),
        properties={"internetGatewayId": item["InternetGatewayId"], "attachedVpcIds": attached, "public": True},
    )
    for vpc_id in attached:
        yield relate(VPC, _vpc_key(scope, vpc_id), "HAS", INTERNET_GATEWAY, key)


def transform_nat_gateway(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_nat_gateway``, which its VPC HAS."""
    key = ec2_arn(scope, "natgateway", item["NatGatewayId"])
    addresses = item.get("NatGatewayAddresses", [])
    yield build_entity(
        NAT_GATEWAY,
        scope,
        key=key,
        name=item["NatGatewayId"],
        tags=item.get("Tags"),
        properties={
            "natGatewayId": item["NatGatewayId"],
            "state": item.get("State"),
            "connectivityType": item.get("ConnectivityType", "public"),
            "vpcId": item.get("VpcId"),
            "subnetId": item.get("SubnetId"),
            "publicIpAddresses": [addr["PublicIp"] for addr in addresses if addr.get("PublicIp")],
            "privateIpAddresses": [addr["PrivateIp"] for addr in addresses if addr.get("PrivateIp")],
            "createdOn": item.get("CreateTime"),
        },
    )
    if item.get("VpcId"):
        yield relate(VPC, _vpc_key(scope, item["VpcId"]), "HAS", NAT_GATEWAY, key)


def default_route_targets(item: RawItem) -> list[str]:
    """Targets of the routes to external destinations (0.0.0.0/0 and ::/0)."""
    targets = []
    for route in item.get("Routes", []):
        if route.get("DestinationCidrBlock") == EXTERNAL_IPV4 or route.get("DestinationIpv6CidrBlock") == EXTERNAL_IPV6:
            target = route.get("GatewayId") or route.get("NatGatewayId") or route.get("TransitGatewayId") \
                or route.get("NetworkInterfaceId") or route.get("VpcPeeringConnectionId") or route.get("InstanceId")
            if target:
                targets.append(target)
    return targets


def transform_route_table(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_route_table``, which its VPC HAS (subnet associations come from the mapper)."""
    key = ec2_arn(scope, "route-table", item["RouteTableId"])
    associations = item.get("Associations", [])
    yield build_entity(
        ROUTE_TABLE,
        scope,
        key=key,
        name=item["RouteTableId"],
        tags=item.get("Tags"),
        properties={
            "routeTableId": item["RouteTableId"],
            "vpcId": item["VpcId"],
            "main": any(assoc.get("Main") for assoc in associations),
            "routeCount": len(item.get("Routes", [])),
            "externalRouteTargets": default_route_targets(item),
            "associatedSubnetIds": [assoc["SubnetId"] for assoc in associations if assoc.get("SubnetId")],
        },
    )
    yield relate(VPC, _vpc_key(scope, item["VpcId"]), "HAS", ROUTE_TABLE, key)
    yield from _gateway_routes(item, scope, key)


# The gateways a route table ROUTES, by the prefix of their ID: their entity type and ARN resource kind.
ROUTED_GATEWAYS: dict[str, tuple[EntityDecl, str]] = {
    "nat-": (NAT_GATEWAY, "natgateway"), "igw-": (INTERNET_GATEWAY, "internet-gateway"),
}


def _gateway_routes(item: RawItem, scope: TransformContext, key: str) -> Iterator[Relationship]:
    """``aws_route_table ROUTES`` each internet and NAT gateway its routes send traffic to (one edge per gateway)."""
    destinations: dict[str, list[str]] = {}
    blackholes: set[str] = set()
    for route in item.get("Routes", []):
        gateway_id = route.get("NatGatewayId") or route.get("GatewayId") or ""
        if gateway_id[:4] in ROUTED_GATEWAYS:
            destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") \
                or route.get("DestinationPrefixListId")
            destinations.setdefault(gateway_id, []).append(destination)
            if route.get("State") == "blackhole":
                blackholes.add(gateway_id)
    for gateway_id, cidrs in destinations.items():
        target, kind = ROUTED_GATEWAYS[gateway_id[:4]]
        yield relate(ROUTE_TABLE, key, "ROUTES", target, ec2_arn(scope, kind, gateway_id),
                     destinationCidrs=sorted(cidr for cidr in cidrs if cidr), external=bool(EXTERNAL_CIDRS & set(cidrs)),
                     blackhole=gateway_id in blackholes)


def transform_network_acl(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_network_acl``, which its VPC HAS (PROTECTS subnet comes from the mapper)."""
    key = ec2_arn(scope, "network-acl", item["NetworkAclId"])
    entries = item.get("Entries", [])
    yield build_entity(
        NETWORK_ACL,
        scope,
        key=key,
        name=item["NetworkAclId"],
        tags=item.get("Tags"),
        properties={
            "networkAclId": item["NetworkAclId"],
            "vpcId": item["VpcId"],
            "isDefault": item.get("IsDefault", False),
            "ingressRuleCount": sum(1 for entry in entries if not entry.get("Egress")),
            "egressRuleCount": sum(1 for entry in entries if entry.get("Egress")),
            "associatedSubnetIds": [assoc["SubnetId"] for assoc in item.get("Associations", []) if assoc.get("SubnetId")],
            "ingressCidrs": _entry_cidrs(entries, egress=False) or None,
            "egressCidrs": _entry_cidrs(entries, egress=True) or None,
        },
    )
    yield relate(VPC, _vpc_key(scope, item["VpcId"]), "HAS", NETWORK_ACL, key)
    yield from network_acl_rules(entries, key)


def _entry_cidrs(entries: list[RawItem], egress: bool) -> list[str]:
    return list(dict.fromkeys(cidr for entry in entries if bool(entry.get("Egress")) is egress
                              if (cidr := entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"))))


def network_acl_rules(entries: list[RawItem], key: str) -> Iterator[Relationship]:
    """``ALLOWS`` or ``DENIES`` the entry's range for each entry, with its rule number (lower numbers win)."""
    for entry in entries:
        cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
        if not cidr or entry.get("RuleAction") not in ("allow", "deny"):
            continue
        direction = "egress" if entry.get("Egress") else "ingress"
        ports = entry.get("PortRange") or {}
        protocol, from_port, to_port = _ports(str(entry.get("Protocol", "-1")), ports.get("From"), ports.get("To"))
        target = INTERNET_ENTITY if cidr in EXTERNAL_CIDRS else IP_RANGE_ENTITY
        rule_number = entry.get("RuleNumber")
        yield Relationship(
            key, NETWORK_ACL.type, "ALLOWS" if entry["RuleAction"] == "allow" else "DENIES", ip_range_key(cidr),
            target.type,
            _without_none({"ingress": direction == "ingress", "egress": direction == "egress", "ipProtocol": protocol,
                           "fromPort": from_port, "toPort": to_port, "cidr": cidr, "ruleNumber": rule_number}),
            qualifier=f"{direction}:{rule_number}:{cidr}",
        )


RANGE_FIELDS = (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"))


def _ranges(permission: RawItem, fields: tuple[tuple[str, str], ...] = RANGE_FIELDS) -> Iterator[tuple[str, str | None]]:
    """The ranges a permission names (IPv4, then IPv6), with their descriptions."""
    for field, cidr_field in fields:
        for entry in permission.get(field, []):
            if entry.get(cidr_field):
                yield entry[cidr_field], entry.get("Description")


def _open_to_internet(permission: RawItem) -> bool:
    return any(cidr in (EXTERNAL_IPV4, EXTERNAL_IPV6) for cidr, _ in _ranges(permission))


def _cidrs(permissions: list[RawItem]) -> list[str]:
    """The CIDR blocks the permissions name, each once: every IPv4 one, then every IPv6 one."""
    return list(dict.fromkeys(cidr for fields in RANGE_FIELDS for permission in permissions
                              for cidr, _ in _ranges(permission, (fields,))))


def _ports(protocol: str, from_port: object, to_port: object) -> tuple[str, int, int]:
    """A rule's protocol name and port range. All traffic, and TCP or UDP without ports, cover 0-65535;
    ICMP keeps its type and code (-1: any)."""
    name = PROTOCOL_NAMES.get(protocol, protocol)
    given = (from_port, to_port) if isinstance(from_port, int) and isinstance(to_port, int) else None
    if name in ICMP:
        return (name, *given) if given else (name, -1, -1)
    if name == "all" or given is None or given[0] < 0:
        return name, 0, 65535
    return name, given[0], given[1]


def security_group_rules(item: RawItem, scope: TransformContext, key: str) -> Iterator[Relationship]:
    """``ALLOWS`` for each source (ingress) or destination (egress) of each permission: the internet, an IP
    range, or another security group; one edge per rule, told apart by its qualifier."""
    for direction, permissions in (("ingress", item.get("IpPermissions", [])),
                                   ("egress", item.get("IpPermissionsEgress", []))):
        for permission in permissions:
            protocol, from_port, to_port = _ports(str(permission.get("IpProtocol", "-1")),
                                                  permission.get("FromPort"), permission.get("ToPort"))
            rule = {"ingress": direction == "ingress", "egress": direction == "egress", "ipProtocol": protocol,
                    "fromPort": from_port, "toPort": to_port}
            qualifier = f"{direction}:{protocol}:{from_port}-{to_port}"
            prefix_lists = [entry["PrefixListId"] for entry in permission.get("PrefixListIds", [])
                            if entry.get("PrefixListId")]
            if prefix_lists:
                rule["prefixListIds"] = prefix_lists
            for cidr, description in _ranges(permission):
                target = INTERNET_ENTITY if cidr in EXTERNAL_CIDRS else IP_RANGE_ENTITY
                yield Relationship(key, SECURITY_GROUP.type, "ALLOWS", ip_range_key(cidr), target.type,
                                   _without_none({**rule, "cidr": cidr, "description": description}),
                                   qualifier=f"{qualifier}:{cidr}")
            for pair in permission.get("UserIdGroupPairs", []):
                if not pair.get("GroupId"):
                    continue
                owner = pair.get("UserId") or scope.account_id
                peer = f"arn:{scope.partition}:ec2:{scope.region}:{owner}:security-group/{pair['GroupId']}"
                yield Relationship(key, SECURITY_GROUP.type, "ALLOWS", peer, SECURITY_GROUP.type,
                                   _without_none({**rule, "description": pair.get("Description")}),
                                   qualifier=qualifier)


def _without_none(values: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in values.items() if value is not None}


def transform_security_group(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_security_group``, which its VPC HAS, and what each of its rules ALLOWS."""
    key = ec2_arn(scope, "security-group", item["GroupId"])
    ingress = item.get("IpPermissions", [])
    egress = item.get("IpPermissionsEgress", [])
    yield build_entity(
        SECURITY_GROUP,
        scope,
        key=key,
        name=item.get("GroupName") or item["GroupId"],
        tags=item.get("Tags"),
        properties={
            "groupId": item["GroupId"],
            "groupName": item.get("GroupName"),
            "description": item.get("Description"),
            "vpcId": item.get("VpcId"),
            "ingressRuleCount": len(ingress),
            "egressRuleCount": len(egress),
            "allowsIngressFromInternet": any(_open_to_internet(permission) for permission in ingress),
            "ingressCidrs": _cidrs(ingress) or None,
            "egressCidrs": _cidrs(egress) or None,
        },
    )
    if item.get("VpcId"):
        yield relate(VPC, _vpc_key(scope, item["VpcId"]), "HAS", SECURITY_GROUP, key)
    yield from security_group_rules(item, scope, key)


async def fetch_instances(context: FetchContext) -> AsyncIterator[RawItem]:
    """Instances of every reservation, page by page."""
    async with contextlib.aclosing(context.stream(DESCRIBE_INSTANCES)) as reservations:
        async for reservation in reservations:
            for instance in reservation.get("Instances", []):
                yield instance


def transform_instance(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_instance``: its subnet HAS it, its security groups PROTECT it, it USES its volumes."""
    key = ec2_arn(scope, "instance", item["InstanceId"])
    groups = item.get("SecurityGroups", [])
    volumes = [m["Ebs"]["VolumeId"] for m in item.get("BlockDeviceMappings", []) if m.get("Ebs", {}).get("VolumeId")]
    yield build_entity(
        INSTANCE,
        scope,
        key=key,
        name=item["InstanceId"],
        tags=item.get("Tags"),
        properties={
            "instanceId": item["InstanceId"],
            "instanceType": item.get("InstanceType"),
            "state": item.get("State", {}).get("Name"),
            "platform": item.get("PlatformDetails") or item.get("Platform"),
            "architecture": item.get("Architecture"),
            "imageId": item.get("ImageId"),
            "keyName": item.get("KeyName"),
            "launchTime": item.get("LaunchTime"),
            "availabilityZone": item.get("Placement", {}).get("AvailabilityZone"),
            "vpcId": item.get("VpcId"),
            "subnetId": item.get("SubnetId"),
            "privateIpAddress": item.get("PrivateIpAddress"),
            "privateIpAddresses": sorted({address["PrivateIpAddress"] for interface in item.get("NetworkInterfaces", [])
                                          for address in interface.get("PrivateIpAddresses", [])
                                          if address.get("PrivateIpAddress")}) or None,
            "macAddresses": [interface["MacAddress"].lower() for interface in item.get("NetworkInterfaces", [])
                             if interface.get("MacAddress")] or None,
            "privateDnsName": item.get("PrivateDnsName") or None,
            "publicIpAddress": item.get("PublicIpAddress"),
            "publicDnsName": item.get("PublicDnsName") or None,
            "public": bool(item.get("PublicIpAddress")),
            "iamInstanceProfileArn": item.get("IamInstanceProfile", {}).get("Arn"),
            "monitoring": item.get("Monitoring", {}).get("State"),
            "securityGroupIds": [group["GroupId"] for group in groups],
            "volumeIds": volumes,
            "metadataHttpTokens": item.get("MetadataOptions", {}).get("HttpTokens"),
        },
    )
    if item.get("SubnetId"):
        yield relate(SUBNET, _subnet_key(scope, item["SubnetId"]), "HAS", INSTANCE, key)
    for group in groups:
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group["GroupId"]), "PROTECTS", INSTANCE, key)
    for volume_id in volumes:
        yield relate(INSTANCE, key, "USES", VOLUME, ec2_arn(scope, "volume", volume_id))
    profile = item.get("IamInstanceProfile", {}).get("Arn")
    if profile:
        yield relate(INSTANCE, key, "USES", INSTANCE_PROFILE, profile)


def transform_volume(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ebs_volume`` (the instance side of USES comes from the instance step)."""
    yield build_entity(
        VOLUME,
        scope,
        key=ec2_arn(scope, "volume", item["VolumeId"]),
        name=item["VolumeId"],
        tags=item.get("Tags"),
        properties={
            "volumeId": item["VolumeId"],
            "size": item.get("Size"),
            "volumeType": item.get("VolumeType"),
            "state": item.get("State"),
            "encrypted": bool(item.get("Encrypted", False)),
            "kmsKeyId": item.get("KmsKeyId"),
            "iops": item.get("Iops"),
            "throughput": item.get("Throughput"),
            "snapshotId": item.get("SnapshotId") or None,
            "availabilityZone": item.get("AvailabilityZone"),
            "multiAttachEnabled": item.get("MultiAttachEnabled", False),
            "attachedInstanceIds": [att["InstanceId"] for att in item.get("Attachments", []) if att.get("InstanceId")],
            "createdOn": item.get("CreateTime"),
            "classification": None,
        },
    )


def transform_network_interface(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_eni``; the instance it is attached to USES it."""
    key = ec2_arn(scope, "network-interface", item["NetworkInterfaceId"])
    attachment = item.get("Attachment", {})
    yield build_entity(
        NETWORK_INTERFACE,
        scope,
        key=key,
        name=item["NetworkInterfaceId"],
        tags=item.get("TagSet"),
        properties={
            "networkInterfaceId": item["NetworkInterfaceId"],
            "interfaceType": item.get("InterfaceType"),
            "status": item.get("Status"),
            "description": item.get("Description") or None,
            "macAddress": item.get("MacAddress"),
            "vpcId": item.get("VpcId"),
            "subnetId": item.get("SubnetId"),
            "privateIpAddress": item.get("PrivateIpAddress"),
            "privateIpAddresses": [a["PrivateIpAddress"] for a in item.get("PrivateIpAddresses", []) if a.get("PrivateIpAddress")],
            "publicIp": item.get("Association", {}).get("PublicIp"),
            "sourceDestCheck": item.get("SourceDestCheck"),
            "requesterManaged": item.get("RequesterManaged", False),
            "securityGroupIds": [group["GroupId"] for group in item.get("Groups", [])],
            "attachedInstanceId": attachment.get("InstanceId"),
        },
    )
    if attachment.get("InstanceId"):
        yield relate(INSTANCE, ec2_arn(scope, "instance", attachment["InstanceId"]), "USES", NETWORK_INTERFACE, key)



def transform_address(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_eip``; the instance it is associated with USES it."""
    resource_id = item.get("AllocationId") or item["PublicIp"]
    key = ec2_arn(scope, "elastic-ip", resource_id)
    yield build_entity(
        ELASTIC_IP,
        scope,
        key=key,
        name=item["PublicIp"],
        tags=item.get("Tags"),
        properties={
            "publicIp": item["PublicIp"],
            "allocationId": item.get("AllocationId"),
            "associationId": item.get("AssociationId"),
            "domain": item.get("Domain"),
            "instanceId": item.get("InstanceId") or None,
            "networkInterfaceId": item.get("NetworkInterfaceId"),
            "privateIpAddress": item.get("PrivateIpAddress"),
            "publicIpv4Pool": item.get("PublicIpv4Pool"),
            "public": True,
        },
    )
    if item.get("InstanceId"):
        yield relate(INSTANCE, ec2_arn(scope, "instance", item["InstanceId"]), "USES", ELASTIC_IP, key)


def _listing_step(
    step_id: str, name: str, operation: str, result_key: str, entity: EntityDecl, transform, relationships=(),
    page_size: int | None = EC2_PAGE,
) -> StepDecl:
    return StepDecl(
        id=step_id,
        name=name,
        service="ec2",
        scope=Scope.REGIONAL,
        calls=(ApiCall("ec2", operation, result_key, page_size=page_size),),
        entities=(entity,),
        relationships=tuple(relationships),
        transform=transform,
    )


STEPS: tuple[StepDecl, ...] = (
    _listing_step("fetch-vpcs", "VPCs", "DescribeVpcs", "Vpcs", VPC, transform_vpc),
    _listing_step(
        "fetch-subnets", "Subnets", "DescribeSubnets", "Subnets", SUBNET, transform_subnet,
        [RelationshipDecl(VPC.type, "CONTAINS", SUBNET.type)],
    ),
    _listing_step(
        "fetch-internet-gateways", "Internet gateways", "DescribeInternetGateways", "InternetGateways",
        INTERNET_GATEWAY, transform_internet_gateway, [RelationshipDecl(VPC.type, "HAS", INTERNET_GATEWAY.type)],
    ),
    _listing_step(
        "fetch-nat-gateways", "NAT gateways", "DescribeNatGateways", "NatGateways", NAT_GATEWAY,
        transform_nat_gateway, [RelationshipDecl(VPC.type, "HAS", NAT_GATEWAY.type)],
    ),
    _listing_step(
        "fetch-route-tables", "Route tables", "DescribeRouteTables", "RouteTables", ROUTE_TABLE,
        transform_route_table, [RelationshipDecl(VPC.type, "HAS", ROUTE_TABLE.type), *(
            RelationshipDecl(ROUTE_TABLE.type, "ROUTES", gateway.type, ROUTE_PROPERTIES)
            for gateway in (INTERNET_GATEWAY, NAT_GATEWAY))], page_size=100,
    ),
    _listing_step(
        "fetch-network-acls", "Network ACLs", "DescribeNetworkAcls", "NetworkAcls", NETWORK_ACL,
        transform_network_acl, [
            RelationshipDecl(VPC.type, "HAS", NETWORK_ACL.type),
            *(RelationshipDecl(NETWORK_ACL.type, verb, target.type, ACL_RULE_PROPERTIES)
              for verb in ("ALLOWS", "DENIES") for target in (INTERNET_ENTITY, IP_RANGE_ENTITY)),
        ],
    ),
    _listing_step(
        "fetch-security-groups", "Security groups", "DescribeSecurityGroups", "SecurityGroups", SECURITY_GROUP,
        transform_security_group, [
            RelationshipDecl(VPC.type, "HAS", SECURITY_GROUP.type),
            *(RelationshipDecl(SECURITY_GROUP.type, "ALLOWS", target.type, RULE_PROPERTIES)
              for target in (INTERNET_ENTITY, IP_RANGE_ENTITY, SECURITY_GROUP)),
        ],
    ),
    StepDecl(
        id="fetch-instances",
        name="EC2 instances",
        service="ec2",
        scope=Scope.REGIONAL,
        calls=(DESCRIBE_INSTANCES,),
        entities=(INSTANCE,),
        relationships=(
            RelationshipDecl(SUBNET.type, "HAS", INSTANCE.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", INSTANCE.type),
            RelationshipDecl(INSTANCE.type, "USES", VOLUME.type),
            RelationshipDecl(INSTANCE.type, "USES", INSTANCE_PROFILE.type),
        ),
        fetch=fetch_instances,
        transform=transform_instance,
    ),
    _listing_step("fetch-ebs-volumes", "EBS volumes", "DescribeVolumes", "Volumes", VOLUME, transform_volume,
                  page_size=500),
    _listing_step(
        "fetch-network-interfaces", "Network interfaces", "DescribeNetworkInterfaces", "NetworkInterfaces",
        NETWORK_INTERFACE, transform_network_interface, [RelationshipDecl(INSTANCE.type, "USES", NETWORK_INTERFACE.type)],
    ),
    StepDecl(
        id="fetch-elastic-ips",
        name="Elastic IP addresses",
        service="ec2",
        scope=Scope.REGIONAL,
        entities=(ELASTIC_IP,),
        relationships=(RelationshipDecl(INSTANCE.type, "USES", ELASTIC_IP.type),),
        fetch=OneAnswer(DESCRIBE_ADDRESSES, "Addresses"),  # not paginated: one answer holds every address
        transform=transform_address,
    ),
)
