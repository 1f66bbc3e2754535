"""Every collector step this project ships, one module per AWS service."""

from aws_integration.collectors import (
    account,
    acm,
    awslambda,
    cloudfront,
    cloudtrail,
    dynamodb,
    ec2,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    iam,
    kinesis,
    kms,
    logs,
    rds,
    redshift,
    route53,
    s3,
    secretsmanager,
    sns,
    sqs,
)
from aws_integration.declarations import StepDecl

SERVICE_MODULES = (
    account, ec2, s3, iam, kms, awslambda, rds, dynamodb, sns, sqs, logs, secretsmanager,
    ecr, ecs, eks, cloudtrail, acm, route53, cloudfront, efs, elasticache, redshift, kinesis,
)
COLLECTOR_STEPS: tuple[StepDecl, ...] = tuple(step for module in SERVICE_MODULES for step in module.STEPS)

__all__ = ["COLLECTOR_STEPS"]
