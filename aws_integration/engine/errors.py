"""Errors the engine raises or records; none of them carries a credential."""

from __future__ import annotations

from botocore.exceptions import ClientError

PERMISSION_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedAccess",
        "AllAccessDisabled",
        "Forbidden",
    }
)


class IntegrationError(Exception):
    """A problem the user must fix (configuration, credentials, endpoint, store).

    The CLI prints its message as one line and exits non-zero.
    """


class PermissionDenied(Exception):
    """AWS refused a call: the step that made it is disabled for ``permission``."""

    def __init__(self, iam_action: str, code: str, region: str | None) -> None:
        self.iam_action = iam_action
        self.code = code
        self.region = region
        where = f" in {region}" if region else ""
        super().__init__(f"{code}: {iam_action} denied{where}")


def error_code(error: ClientError) -> str:
    """The AWS error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def is_permission_error(error: ClientError) -> bool:
    """Whether AWS refused the call for lack of permission.

    A bare HTTP 403 without an error code in the body (botocore then reports the
    status as the code) is a refusal too.
    """
    code = error_code(error)
    return code in PERMISSION_ERROR_CODES or code == "403"
