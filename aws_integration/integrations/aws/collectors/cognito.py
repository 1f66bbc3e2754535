"""Cognito user pools: who may sign up, MFA, password rules, deletion protection and the Lambda triggers they run."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.awslambda import FUNCTION
from aws_integration.integrations.aws.collectors.common import Detail, is_arn_of, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type, read
from aws_integration.integrations.aws.declarations import ApiCall, RawItem

POOL = "Pool"
PASSWORD = f"{POOL}.Policies.PasswordPolicy"


def _triggers(item: RawItem) -> list[str]:
    """The functions its Lambda configuration names (it names the custom senders' KMS key too)."""
    config = read(item, f"{POOL}.LambdaConfig") or {}
    named = [value.get("LambdaArn") if isinstance(value, dict) else value for value in config.values()]
    return sorted({arn for arn in named if is_arn_of(arn, "lambda", "function:")})


USER_POOL = mapped_type(
    "aws_cognito_user_pool", ("Directory",), "A Cognito user pool (a directory of an application's users).",
    key=lambda item, scope: read(item, f"{POOL}.Arn") or scope.arn("cognito-idp", f"userpool/{item['Id']}"),
    display_name="Name", tags=f"{POOL}.UserPoolTags",
    links=(Link("TRIGGERS", FUNCTION, _triggers),),
    name=("string: The pool's name.", "Name"),
    userPoolId=("string: Its ID.", "Id"),
    mfa=("string: OFF, ON (required) or OPTIONAL.", f"{POOL}.MfaConfiguration"),
    mfaRequired=("boolean: Whether every user must pass a second factor.", equals(f"{POOL}.MfaConfiguration", "ON")),
    selfSignUp=("boolean: Whether anyone may sign themselves up (not only administrators create users).",
                lambda item: read(item, f"{POOL}.AdminCreateUserConfig.AllowAdminCreateUserOnly") is False),
    passwordMinimumLength=("integer: The shortest password it accepts.", f"{PASSWORD}.MinimumLength"),
    passwordRequiresSymbols=("boolean: Whether a password needs a symbol.", f"{PASSWORD}.RequireSymbols"),
    passwordRequiresNumbers=("boolean: Whether a password needs a digit.", f"{PASSWORD}.RequireNumbers"),
    advancedSecurity=("string: Threat protection: OFF, AUDIT or ENFORCED.",
                      f"{POOL}.UserPoolAddOns.AdvancedSecurityMode"),
    deletionProtection=("boolean: Whether deleting it is refused.", equals(f"{POOL}.DeletionProtection", "ACTIVE")),
    estimatedUsers=("integer: Roughly how many users it holds.", f"{POOL}.EstimatedNumberOfUsers"),
    triggers=("string[]: The Lambda functions it invokes (sign-up, authentication, messages).", _triggers),
    createdOn=("timestamp: When it was created.", "CreationDate"),
    updatedOn=("timestamp: When it was last changed.", "LastModifiedDate"),
)

STEPS = (
    mapped_step("fetch-cognito-user-pools", "Cognito user pools", "cognito-idp", USER_POOL, fetch=list_then_describe(
        ApiCall("cognito-idp", "ListUserPools", "UserPools", page_size=60),
        Detail(POOL, ApiCall("cognito-idp", "DescribeUserPool", absent_errors=("ResourceNotFoundException",)),
               lambda item: {"UserPoolId": item["Id"]}, pick="UserPool"),
    )),
)
