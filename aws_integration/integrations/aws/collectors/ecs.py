"""ECS clusters, their services and the task definitions those run."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import batched, build_entity, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

CLUSTER = EntityDecl("aws_ecs_cluster", ("Cluster",), "An ECS cluster.", properties=described(
    name="string: The cluster's name.",
    arn="string: Its ARN.",
    status="string: ACTIVE, PROVISIONING, DEPROVISIONING, FAILED or INACTIVE.",
    activeServicesCount="integer: Its active services.",
    runningTasksCount="integer: Its running tasks.",
    registeredContainerInstancesCount="integer: Its registered container instances.",
    containerInsights="string: Container Insights: enabled, disabled or enhanced.",
))
SERVICE = EntityDecl("aws_ecs_service", ("Service",), "An ECS service.", owned_by_account=False, properties=described(
    name="string: The service's name.",
    arn="string: Its ARN.",
    clusterArn="string: The cluster it runs in.",
    status="string: ACTIVE, DRAINING or INACTIVE.",
    launchType="string: EC2, FARGATE or EXTERNAL.",
    desiredCount="integer: The tasks it aims to run.",
    runningCount="integer: The tasks it runs now.",
    taskDefinition="string: The ARN of the task definition it runs.",
    assignPublicIp="boolean: Whether its tasks get public IP addresses.",
    public="boolean: Whether its tasks get public IP addresses.",
    subnetIds="string[]: The subnets its tasks run in.",
    securityGroupIds="string[]: The security groups of its tasks.",
    createdOn="timestamp: When it was created.",
))
TASK_DEFINITION = EntityDecl("aws_ecs_task_definition", ("Configuration",), "An ECS task definition revision.", properties=described(
    arn="string: The task definition revision's ARN.",
    family="string: Its family.",
    revision="integer: Its revision number.",
    status="string: ACTIVE, INACTIVE or DELETE_IN_PROGRESS.",
    networkMode="string: bridge, host, awsvpc or none.",
    taskRoleArn="string: The role its containers assume.",
    executionRoleArn="string: The role ECS uses to pull images and write logs.",
    requiresCompatibilities="string[]: The launch types it is valid for.",
    containerNames="string[]: The names of its containers.",
    images="string[]: The images of its containers.",
    privileged="boolean: Whether a container runs privileged.",
    cpu="string: The CPU units it reserves.",
    memory="string: The memory it reserves, in MiB.",
))
DESCRIBE_CLUSTERS_BATCH = 100  # DescribeClusters takes at most 100 clusters per call
DESCRIBE_SERVICES_BATCH = 10  # DescribeServices takes at most ten services per call


LIST_CLUSTERS = ApiCall("ecs", "ListClusters", "clusterArns")
DESCRIBE_CLUSTERS = ApiCall("ecs", "DescribeClusters")
LIST_SERVICES = ApiCall("ecs", "ListServices", "serviceArns")
DESCRIBE_SERVICES = ApiCall("ecs", "DescribeServices")
LIST_TASK_DEFINITIONS = ApiCall("ecs", "ListTaskDefinitions", "taskDefinitionArns")
DESCRIBE_TASK_DEFINITION = ApiCall("ecs", "DescribeTaskDefinition")


async def fetch_clusters(context: FetchContext) -> list[RawItem]:
    """Every cluster with its tags and settings (DescribeClusters takes up to 100 ARNs)."""
    arns = await context.items(LIST_CLUSTERS)
    described = await context.each(
        batched(arns, DESCRIBE_CLUSTERS_BATCH), lambda batch: context.call(DESCRIBE_CLUSTERS, clusters=batch, include=["TAGS", "SETTINGS"])
    )
    return [cluster for response in described for cluster in (response or {}).get("clusters", [])]


def transform_cluster(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ecs_cluster``."""
    settings = {setting["name"]: setting["value"] for setting in item.get("settings", [])}
    yield build_entity(
        CLUSTER,
        scope,
        key=item["clusterArn"],
        name=item["clusterName"],
        tags=item.get("tags"),
        properties={
            "name": item["clusterName"],
            "arn": item["clusterArn"],
            "status": item.get("status"),
            "activeServicesCount": item.get("activeServicesCount"),
            "runningTasksCount": item.get("runningTasksCount"),
            "registeredContainerInstancesCount": item.get("registeredContainerInstancesCount"),
            "containerInsights": settings.get("containerInsights"),
        },
    )


async def fetch_services(context: FetchContext) -> list[RawItem]:
    """The services of every cluster this region's cluster step found, described ten at a time."""
    clusters = [item["clusterArn"] for scope, item in context.dependency_items("fetch-ecs-clusters")
                if scope.region == context.region]

    async def of_cluster(cluster: str) -> list[RawItem]:
        arns = await context.items(LIST_SERVICES, cluster=cluster)
        described = await context.each(
            batched(arns, DESCRIBE_SERVICES_BATCH), lambda batch: context.call(DESCRIBE_SERVICES, cluster=cluster, services=batch, include=["TAGS"])
        )
        return [service for response in described for service in (response or {}).get("services", [])]

    return [service for services in await context.each(clusters, of_cluster) for service in services]


def transform_service(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ecs_service``: its cluster HAS it, it USES its task definition, in subnets, behind security groups."""
    key = item["serviceArn"]
    network = ((item.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {})
    yield build_entity(
        SERVICE,
        scope,
        key=key,
        name=item["serviceName"],
        tags=item.get("tags"),
        properties={
            "name": item["serviceName"],
            "arn": key,
            "clusterArn": item.get("clusterArn"),
            "status": item.get("status"),
            "launchType": item.get("launchType"),
            "desiredCount": item.get("desiredCount"),
            "runningCount": item.get("runningCount"),
            "taskDefinition": item.get("taskDefinition"),
            "assignPublicIp": network.get("assignPublicIp") == "ENABLED",
            "public": network.get("assignPublicIp") == "ENABLED",
            "subnetIds": network.get("subnets") or None,
            "securityGroupIds": network.get("securityGroups") or None,
            "createdOn": item.get("createdAt"),
        },
    )
    if item.get("clusterArn"):
        yield relate(CLUSTER, item["clusterArn"], "HAS", SERVICE, key)
    if item.get("taskDefinition"):
        yield relate(SERVICE, key, "USES", TASK_DEFINITION, item["taskDefinition"])
    for subnet_id in network.get("subnets") or ():
        yield relate(SUBNET, ec2_arn(scope, "subnet", subnet_id), "HAS", SERVICE, key)
    for group_id in network.get("securityGroups") or ():
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group_id), "PROTECTS", SERVICE, key)


async def fetch_task_definitions(context: FetchContext) -> list[RawItem]:
    """The active task definition revisions, each with its tags."""
    arns = await context.items(LIST_TASK_DEFINITIONS, status="ACTIVE")

    async def describe(arn: str) -> RawItem:
        response = await context.call(DESCRIBE_TASK_DEFINITION, taskDefinition=arn, include=["TAGS"]) or {}
        return {**response.get("taskDefinition", {"taskDefinitionArn": arn}), "Tags": response.get("tags")}

    return await context.each(arns, describe)


def transform_task_definition(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_ecs_task_definition``; it USES its task and execution roles.

    Container environment values are not kept (they often hold secrets): only images and flags.
    """
    key = item["taskDefinitionArn"]
    containers = item.get("containerDefinitions", [])
    yield build_entity(
        TASK_DEFINITION,
        scope,
        key=key,
        name=f"{item.get('family')}:{item.get('revision')}",
        tags=item.get("Tags"),
        properties={
            "arn": key,
            "family": item.get("family"),
            "revision": item.get("revision"),
            "status": item.get("status"),
            "networkMode": item.get("networkMode"),
            "taskRoleArn": item.get("taskRoleArn"),
            "executionRoleArn": item.get("executionRoleArn"),
            "requiresCompatibilities": item.get("requiresCompatibilities"),
            "containerNames": [container["name"] for container in containers if container.get("name")] or None,
            "images": [container["image"] for container in containers if container.get("image")] or None,
            "privileged": any(container.get("privileged") for container in containers),
            "cpu": item.get("cpu"),
            "memory": item.get("memory"),
        },
    )
    for role in {item.get("taskRoleArn"), item.get("executionRoleArn")} - {None}:
        yield relate(TASK_DEFINITION, key, "USES", ROLE, str(role))


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-ecs-clusters",
        name="ECS clusters",
        service="ecs",
        scope=Scope.REGIONAL,
        calls=(LIST_CLUSTERS, DESCRIBE_CLUSTERS),
        entities=(CLUSTER,),
        fetch=fetch_clusters,
        transform=transform_cluster,
    ),
    StepDecl(
        id="fetch-ecs-services",
        name="ECS services",
        service="ecs",
        scope=Scope.REGIONAL,
        calls=(LIST_SERVICES, DESCRIBE_SERVICES),
        entities=(SERVICE,),
        relationships=(
            RelationshipDecl(CLUSTER.type, "HAS", SERVICE.type),
            RelationshipDecl(SERVICE.type, "USES", TASK_DEFINITION.type),
            RelationshipDecl(SUBNET.type, "HAS", SERVICE.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", SERVICE.type),
        ),
        depends_on=("fetch-ecs-clusters",),
        fetch=fetch_services,
        transform=transform_service,
    ),
    StepDecl(
        id="fetch-ecs-task-definitions",
        name="ECS task definitions",
        service="ecs",
        scope=Scope.REGIONAL,
        calls=(LIST_TASK_DEFINITIONS, DESCRIBE_TASK_DEFINITION),
        entities=(TASK_DEFINITION,),
        relationships=(RelationshipDecl(TASK_DEFINITION.type, "USES", ROLE.type),),
        fetch=fetch_task_definitions,
        transform=transform_task_definition,
    ),
)
