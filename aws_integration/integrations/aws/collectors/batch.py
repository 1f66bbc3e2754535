"""AWS Batch compute environments and job queues: managed or not, the roles and instances they run, what feeds what."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.ecs import CLUSTER as ECS_CLUSTER
from aws_integration.integrations.aws.collectors.mapped import (
    Link, arn_of, equals, in_subnets, mapped_step, mapped_type, protected_by, uses_role,
)
from aws_integration.integrations.aws.declarations import ApiCall

RESOURCES = "computeResources"

COMPUTE_ENVIRONMENT = mapped_type(
    "aws_batch_compute_environment", ("Cluster",), "An AWS Batch compute environment.",
    key="computeEnvironmentArn", display_name="computeEnvironmentName", tags="tags",
    links=(uses_role("serviceRole"), in_subnets(f"{RESOURCES}.subnets"), protected_by(f"{RESOURCES}.securityGroupIds"),
           Link("USES", ECS_CLUSTER, "ecsClusterArn", arn_of("ecs", "cluster/"))),
    name=("string: The environment's name.", "computeEnvironmentName"),
    environmentType=("string: MANAGED or UNMANAGED.", "type"),
    state=("string: ENABLED or DISABLED.", "state"),
    enabled=("boolean: Whether it takes jobs.", equals("state", "ENABLED")),
    status=("string: CREATING, VALID, INVALID and so on.", "status"),
    resourceType=("string: EC2, SPOT, FARGATE or FARGATE_SPOT.", f"{RESOURCES}.type"),
    instanceTypes=("string[]: The instance types it may launch.", f"{RESOURCES}.instanceTypes"),
    maxVcpus=("integer: The most vCPUs it runs at once.", f"{RESOURCES}.maxvCpus"),
    instanceRole=("string: The instance profile its instances run as.", f"{RESOURCES}.instanceRole"),
    serviceRole=("string: The role Batch manages it with.", "serviceRole"),
    ecsClusterArn=("string: The ECS cluster it runs on.", "ecsClusterArn"),
)

JOB_QUEUE = mapped_type(
    "aws_batch_job_queue", ("Queue",), "An AWS Batch job queue.",
    key="jobQueueArn", display_name="jobQueueName", tags="tags",
    links=(Link("USES", COMPUTE_ENVIRONMENT.decl,
                lambda item: [order.get("computeEnvironment") for order in item.get("computeEnvironmentOrder") or []],
                arn_of("batch", "compute-environment/")),),
    name=("string: The queue's name.", "jobQueueName"),
    state=("string: ENABLED or DISABLED.", "state"),
    enabled=("boolean: Whether it takes jobs.", equals("state", "ENABLED")),
    status=("string: CREATING, VALID, INVALID and so on.", "status"),
    priority=("integer: Its priority among the queues sharing a compute environment.", "priority"),
    schedulingPolicyArn=("string: Its fair-share scheduling policy.", "schedulingPolicyArn"),
)

STEPS = (
    mapped_step("fetch-batch-compute-environments", "Batch compute environments", "batch", COMPUTE_ENVIRONMENT,
                calls=(ApiCall("batch", "DescribeComputeEnvironments", "computeEnvironments", page_size=100),)),
    mapped_step("fetch-batch-job-queues", "Batch job queues", "batch", JOB_QUEUE,
                calls=(ApiCall("batch", "DescribeJobQueues", "jobQueues", page_size=100),)),
)
