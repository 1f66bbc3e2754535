"""Every collector step this project ships, one module per AWS service."""

from aws_integration.collectors import (
    account,
    awslambda,
    dynamodb,
    ec2,
    iam,
    kms,
    logs,
    rds,
    s3,
    secretsmanager,
    sns,
    sqs,
)
from aws_integration.declarations import StepDecl

COLLECTOR_STEPS: tuple[StepDecl, ...] = (
    account.STEPS
    + ec2.STEPS
    + s3.STEPS
    + iam.STEPS
    + kms.STEPS
    + awslambda.STEPS
    + rds.STEPS
    + dynamodb.STEPS
    + sns.STEPS
    + sqs.STEPS
    + logs.STEPS
    + secretsmanager.STEPS
)

__all__ = ["COLLECTOR_STEPS"]
