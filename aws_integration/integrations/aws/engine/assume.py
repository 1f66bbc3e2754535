"""Sessions that assume a role with an external ID, refreshed before they expire.

The source credentials come from the standard chain (or a profile). The assumed
credentials are fetched once up front, so a role that cannot be assumed is a clear
error before any step runs, and refreshed by botocore's refreshable credentials
whenever they near expiry during a long run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiobotocore.credentials import AioAssumeRoleCredentialFetcher, AioDeferredRefreshableCredentials
from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError, ClientError

from aws_integration.integrations.aws.engine.clients import home_region, new_session
from aws_integration.integrations.aws.engine.errors import error_code
from aws_integration.errors import IntegrationError

SESSION_NAME = "aws-integration"
SESSION_SECONDS = 3600


class _NoCache(dict[str, object]):
    """The fetcher's cache, disabled: the refreshable credentials already hold the current set,
    and a cache would hand back a set botocore has just decided to refresh."""

    def __contains__(self, key: object) -> bool:
        return False

    def __setitem__(self, key: str, value: object) -> None:
        return None


async def assume_role_session(
    source: AioSession,
    role_arn: str,
    external_id: str,
    *,
    into: AioSession | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AioSession:
    """A session whose credentials are ``role_arn``'s, assumed from ``source`` with ``external_id``.

    ``into`` is the session that receives them (a new one by default); ``clock`` is
    what the refresh checks expiry against (the local time by default).
    """
    source_credentials = await source.get_credentials()
    if source_credentials is None:
        raise IntegrationError(f"no usable AWS credentials to assume {role_arn} with")
    fetcher = AioAssumeRoleCredentialFetcher(
        client_creator=source.create_client,
        source_credentials=source_credentials,
        role_arn=role_arn,
        extra_args={"ExternalId": external_id, "RoleSessionName": SESSION_NAME, "DurationSeconds": SESSION_SECONDS},
        cache=_NoCache(),
    )
    credentials = AioDeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role", **({"time_fetcher": clock} if clock else {})
    )
    try:
        await credentials.get_frozen_credentials()
    except ClientError as error:
        raise IntegrationError(f"cannot assume {role_arn}: {error_code(error)}") from None
    except BotoCoreError as error:
        raise IntegrationError(f"cannot assume {role_arn}: {error}") from None
    session = into or new_session()
    session.set_config_variable("region", home_region(source))
    # botocore has no public setter for a session's credentials; this is the attribute
    # its own credential resolution fills, and the one refreshable credentials live in.
    session._credentials = credentials  # noqa: SLF001
    return session
