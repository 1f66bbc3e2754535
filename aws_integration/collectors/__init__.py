"""Every collector step this project ships, one module per AWS service."""

from aws_integration.collectors import account, ec2, iam, s3
from aws_integration.declarations import StepDecl

COLLECTOR_STEPS: tuple[StepDecl, ...] = account.STEPS + ec2.STEPS + s3.STEPS + iam.STEPS

__all__ = ["COLLECTOR_STEPS"]
