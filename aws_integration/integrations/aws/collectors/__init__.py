"""Every collector step this project ships, one module per AWS service."""

from aws_integration.integrations.aws.collectors import (
    account,
    acm,
    apigateway,
    autoscaling,
    awslambda,
    cloudfront,
    cloudtrail,
    configservice,
    dynamodb,
    ec2,
    ec2_images,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elb,
    guardduty,
    iam,
    iam_account,
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
    vpc_connectivity,
)
from aws_integration.integrations.aws.declarations import StepDecl

SERVICE_MODULES = (
    account, ec2, ec2_images, vpc_connectivity, autoscaling, elb, s3, iam, iam_account, kms, awslambda, rds,
    dynamodb, sns, sqs, logs, secretsmanager, ecr, ecs, eks, cloudtrail, acm, route53, cloudfront, efs,
    elasticache, redshift, kinesis, configservice, guardduty, apigateway,
)
COLLECTOR_STEPS: tuple[StepDecl, ...] = tuple(step for module in SERVICE_MODULES for step in module.STEPS)

__all__ = ["COLLECTOR_STEPS"]
