"""Lambda functions: the role they run as, their network placement, their encryption key."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import Detail, build_entity, iso_time, list_then_describe, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.collectors.kms import KEY, uses_key
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
)
