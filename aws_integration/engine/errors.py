"""How the AWS engine reads AWS's refusals; none of its errors carries a credential."""

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

    An HTTP 403 whose error code cannot be read is a refusal too: S3 answers HEAD
    requests with no body, and a body botocore cannot parse leaves the code empty or
    the status itself. A 403 with a readable code of another kind (an expired token, a
    bad signature) is not.
    """
    code = error_code(error)
    if code in PERMISSION_ERROR_CODES:
        return True
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    unreadable = not code.strip() or code == "Unknown" or code.isdigit()
    return unreadable and (status == 403 or code == "403")
