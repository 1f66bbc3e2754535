"""CloudFormation stacks: status, drift, termination protection and the role they deploy with."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, mapped_step, mapped_type, uses_role
from aws_integration.integrations.aws.collectors.sns import TOPIC
from aws_integration.integrations.aws.declarations import ApiCall

STACK = mapped_type(
    "aws_cloudformation_stack", ("Configuration",), "A CloudFormation stack.",
    key="StackId", display_name="StackName", tags="Tags",
    links=(uses_role("RoleARN"), Link("NOTIFIES", TOPIC, "NotificationARNs", arn_of("sns"))),
    stackName=("string: The stack's name.", "StackName"),
    stackId=("string: Its ID (an ARN).", "StackId"),
    status=("string: Its status (CREATE_COMPLETE, UPDATE_ROLLBACK_FAILED, ...).", "StackStatus"),
    description=("string: Its template's description.", "Description"),
    roleArn=("string: The role CloudFormation deploys it with.", "RoleARN"),
    terminationProtection=("boolean: Whether deleting it is refused.", "EnableTerminationProtection"),
    rollbackDisabled=("boolean: Whether a failed change is left as it is.", "DisableRollback"),
    driftStatus=("string: DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.", "DriftInformation.StackDriftStatus"),
    parentStackId=("string: The stack it is nested in.", "ParentId"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
    updatedOn=("timestamp: When it was last updated.", "LastUpdatedTime"),
)

STEPS = (
    mapped_step("fetch-cloudformation-stacks", "CloudFormation stacks", "cloudformation", STACK,
                calls=(ApiCall("cloudformation", "DescribeStacks", "Stacks"),)),
)
