"""IAM policy parsing and static evaluation, for the permission diagnostic."""

from aws_integration.integrations.aws.permissions.evaluator import Decision, Verdict, evaluate
from aws_integration.integrations.aws.permissions.policy import Policy, PolicyError, Statement, parse_policy, wildcard_match

__all__ = ["Decision", "Policy", "PolicyError", "Statement", "Verdict", "evaluate", "parse_policy", "wildcard_match"]
