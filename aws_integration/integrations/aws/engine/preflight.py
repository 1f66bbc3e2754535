"""Before any step: who are we (account, partition) and which regions are enabled."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from botocore.parsers import ResponseParserError

from aws_integration.integrations.aws.declarations import ApiCall
from aws_integration.integrations.aws.engine.clients import ClientPool
from aws_integration.integrations.aws.engine.errors import error_code, is_permission_error
from aws_integration.errors import IntegrationError, brief

GET_CALLER_IDENTITY = ApiCall("sts", "GetCallerIdentity")
DESCRIBE_REGIONS = ApiCall("ec2", "DescribeRegions")
PREFLIGHT_CALLS = (GET_CALLER_IDENTITY, DESCRIBE_REGIONS)

CREDENTIAL_ERROR_CODES = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
     "UnrecognizedClientException", "InvalidAccessKeyId", "AuthFailure"}
)


@dataclass(frozen=True)
class Identity:
    """The caller: account ID, partition and principal ARN."""

    account_id: str
    partition: str
    arn: str


def explain_failure(error: Exception, call: ApiCall) -> IntegrationError:
    """Turn a low-level failure of a preflight call into one clear sentence."""
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return IntegrationError(
            "no usable AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or run where an instance or container role is available"
        )
    if isinstance(error, EndpointConnectionError):
        return IntegrationError(f"cannot reach the AWS endpoint for {call.service}: {error}")
    if isinstance(error, NoRegionError):
        return IntegrationError("no AWS region configured: set AWS_DEFAULT_REGION or a profile region")
    if isinstance(error, ClientError):
        code = error_code(error)
        if code in CREDENTIAL_ERROR_CODES:
            return IntegrationError(f"AWS rejected the credentials ({code}) when calling {call.iam_action}")
        if is_permission_error(error):
            return IntegrationError(f"permission denied: {call.iam_action} ({code})")
        return IntegrationError(f"{call.iam_action} failed: {code}")
    return IntegrationError(f"{call.iam_action} failed: {brief(error)}")


async def identify(clients: ClientPool, region: str) -> Identity:
    """``sts:GetCallerIdentity``: the account and partition everything is keyed by.

    The first client of a run loads the credentials: a failing credential source (a
    ``credential_process`` printing garbage, an unreadable SSO cache) is reported here.
    """
    try:
        client = await clients.get("sts", region)
    except (BotoCoreError, ClientError) as error:
        raise explain_failure(error, GET_CALLER_IDENTITY) from None
    except (ValueError, OSError, RuntimeError) as error:  # what credential providers raise beyond botocore's own
        raise IntegrationError(f"cannot load AWS credentials: {type(error).__name__}: {error}") from None
    try:
        response = await client.get_caller_identity()
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        raise explain_failure(error, GET_CALLER_IDENTITY) from None
    except RuntimeError as error:  # botocore's refresh of credentials that are still expired
        raise IntegrationError(f"the AWS credentials cannot be used: {error}") from None
    arn, account = response.get("Arn"), response.get("Account")
    if not isinstance(arn, str) or arn.count(":") < 5 or not isinstance(account, str):
        raise IntegrationError(f"{GET_CALLER_IDENTITY.iam_action} failed: its answer names no account and ARN")
    return Identity(account_id=account, partition=arn.split(":")[1], arn=arn)


@dataclass(frozen=True)
class Regions:
    """The regions a run covers; ``unverified`` says why they could not be checked, when they could not."""

    names: list[str]
    unverified: str | None = None


async def enabled_regions(
    clients: ClientPool, region: str, partition: str, requested: tuple[str, ...] | None
) -> Regions:
    """The caller's partition's enabled regions (``ec2:DescribeRegions``), narrowed to ``requested``.

    A requested region that is unknown or not enabled is an error, not a silent no-op.
    When DescribeRegions is denied or fails and regions were requested, they are used
    as given (an EC2 endpoint that fails must not stop every other service), and the
    result says they are unverified; without requested regions the failure is an error.
    """
    try:
        client = await clients.get("ec2", region)
        response = await client.describe_regions()
        listed = response["Regions"]
    except ClientError as error:
        if requested and error_code(error) not in CREDENTIAL_ERROR_CODES:
            return Regions(sorted(set(requested)), str(explain_failure(error, DESCRIBE_REGIONS)))
        raise explain_failure(error, DESCRIBE_REGIONS) from None
    except (BotoCoreError, ResponseParserError, KeyError) as error:
        failure = IntegrationError(f"{DESCRIBE_REGIONS.iam_action} failed: its answer has no list of regions") \
            if isinstance(error, KeyError) else explain_failure(error, DESCRIBE_REGIONS)
        if requested:
            return Regions(sorted(set(requested)), str(failure))
        raise failure from None
    foreign = await clients.foreign_regions(partition)
    enabled = {
        entry["RegionName"]
        for entry in listed
        if entry.get("OptInStatus", "opt-in-not-required") != "not-opted-in" and entry["RegionName"] not in foreign
    }
    if not requested:
        return Regions(sorted(enabled))
    unknown = sorted(set(requested) - enabled)
    if unknown:
        raise IntegrationError(
            f"unknown or disabled region(s): {', '.join(unknown)} (enabled: {', '.join(sorted(enabled))})"
        )
    return Regions(sorted(set(requested)))
