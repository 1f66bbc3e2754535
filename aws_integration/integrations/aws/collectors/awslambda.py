"""Lambda functions (the role they run as, their network placement, their encryption key) and the
event source mappings that feed them from queues and streams."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, iso_time, list_then_describe, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.collectors.kinesis import STREAM
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.collectors.sqs import QUEUE
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, RelationshipDecl, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship

FUNCTION = EntityDecl("aws_lambda_function", ("Function",), "A Lambda function.", properties=described(
    functionName="string: The function's name.",
    arn="string: Its ARN.",
    runtime="string: Its runtime (python3.12, nodejs20.x).",
    handler="string: The function in its code that Lambda calls.",
    role="string: The ARN of its execution role.",
    memorySize="integer: Its memory in MB.",
    timeout="integer: The longest it may run, in seconds.",
    codeSize="integer: The size of its deployment package in bytes.",
    packageType="string: Zip or Image.",
    architectures="string[]: x86_64 or arm64.",
    lastModified="timestamp: When its code or configuration last changed.",
    vpcId="string: The VPC it runs in.",
    subnetIds="string[]: The subnets it runs in.",
    securityGroupIds="string[]: Its security groups.",
    kmsKeyArn="string: The KMS key that encrypts its environment variables.",
    tracingMode="string: X-Ray tracing: Active or PassThrough.",
    environmentVariableNames="string[]: The names of its environment variables (never their values).",
))


def transform_function(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_lambda_function``; it USES its role and KMS key, sits in subnets, behind security groups.

    Environment variables are listed by name only: their values are often secrets.
    """
    key = item["FunctionArn"]
    vpc = item.get("VpcConfig") or {}
    variables = (item.get("Environment") or {}).get("Variables") or {}
    yield build_entity(
        FUNCTION,
        scope,
        key=key,
        name=item["FunctionName"],
        tags=item.get("Tags"),
        properties={
            "functionName": item["FunctionName"],
            "arn": key,
            "runtime": item.get("Runtime"),
            "handler": item.get("Handler"),
            "role": item.get("Role"),
            "memorySize": item.get("MemorySize"),
            "timeout": item.get("Timeout"),
            "codeSize": item.get("CodeSize"),
            "packageType": item.get("PackageType"),
            "architectures": item.get("Architectures"),
            "lastModified": iso_time(item.get("LastModified")),
            "vpcId": vpc.get("VpcId") or None,
            "subnetIds": vpc.get("SubnetIds") or None,
            "securityGroupIds": vpc.get("SecurityGroupIds") or None,
            "kmsKeyArn": item.get("KMSKeyArn"),
            "tracingMode": (item.get("TracingConfig") or {}).get("Mode"),
            "environmentVariableNames": sorted(variables) or None,
        },
    )
    if item.get("Role"):
        yield relate(FUNCTION, key, "USES", ROLE, item["Role"])
    yield from uses_key(FUNCTION, key, item.get("KMSKeyArn"))
    for subnet_id in vpc.get("SubnetIds") or ():
        yield relate(SUBNET, ec2_arn(scope, "subnet", subnet_id), "HAS", FUNCTION, key)
    for group_id in vpc.get("SecurityGroupIds") or ():
        yield relate(SECURITY_GROUP, ec2_arn(scope, "security-group", group_id), "PROTECTS", FUNCTION, key)


EVENT_SOURCE_MAPPING = mapped_type(
    "aws_lambda_event_source_mapping", ("Configuration",), "What feeds a Lambda function: a queue, a stream or a broker.",
    key=lambda item, scope: item.get("EventSourceMappingArn") or scope.arn("lambda", f"event-source-mapping:{item['UUID']}"),
    display_name="UUID",
    links=(Link("TRIGGERS", FUNCTION, "FunctionArn", arn_of("lambda", "function:")),
           Link("HAS", QUEUE, "EventSourceArn", arn_of("sqs"), inbound=True),
           Link("HAS", STREAM, "EventSourceArn", arn_of("kinesis", "stream/"), inbound=True)),
    uuid=("string: Its ID.", "UUID"),
    eventSourceArn=("string: The queue, stream or cluster it reads.", "EventSourceArn"),
    functionArn=("string: The function it invokes.", "FunctionArn"),
    state=("string: Enabled, Disabled, Creating, Updating and the like.", "State"),
    enabled=("boolean: Whether it is invoking the function.", equals("State", "Enabled")),
    batchSize=("integer: The records it hands the function at once.", "BatchSize"),
    startingPosition=("string: Where a stream is read from: TRIM_HORIZON, LATEST or AT_TIMESTAMP.", "StartingPosition"),
    hasFilter=("boolean: Whether it filters the events it passes on.",
               lambda item: bool((item.get("FilterCriteria") or {}).get("Filters"))),
    updatedOn=("timestamp: When it last changed.", "LastModified"),
)

STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-lambda-functions",
        name="Lambda functions",
        service="lambda",
        scope=Scope.REGIONAL,
        entities=(FUNCTION,),
        relationships=(
            RelationshipDecl(FUNCTION.type, "USES", ROLE.type),
            RelationshipDecl(FUNCTION.type, "USES", KEY.type),
            RelationshipDecl(SUBNET.type, "HAS", FUNCTION.type),
            RelationshipDecl(SECURITY_GROUP.type, "PROTECTS", FUNCTION.type),
        ),
        fetch=list_then_describe(
            ApiCall("lambda", "ListFunctions", "Functions"),
            Detail("Tags", ApiCall("lambda", "ListTags"), lambda item: {"Resource": item["FunctionArn"]}, pick="Tags"),
        ),
        transform=transform_function,
    ),
    mapped_step("fetch-lambda-event-source-mappings", "Lambda event source mappings", "lambda", EVENT_SOURCE_MAPPING,
                calls=(ApiCall("lambda", "ListEventSourceMappings", "EventSourceMappings", page_size=100),)),
)
