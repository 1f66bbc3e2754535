"""How the AWS engine reads AWS's refusals (a refused IAM action is a neutral :class:`PermissionDenied`)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from aws_integration.errors import PermissionDenied

__all__ = ["PERMISSION_ERROR_CODES", "PermissionDenied", "error_code", "is_not_implemented", "is_permission_error"]

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


# What an endpoint answers for a call it has no code for: AWS's own codes for an unknown
# operation, and HTTP 501. moto's in-process REST backends answer "404: Not yet implemented".
NOT_IMPLEMENTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "UnknownOperationException", "InvalidAction"})
NOT_IMPLEMENTED_STATUS = 501
MOTO_NOT_IMPLEMENTED = "Not yet implemented"


def is_not_implemented(error: ClientError) -> bool:
    """Whether the endpoint says it does not implement the call (a local stand-in: AWS implements its API)."""
    code = error_code(error)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return (code in NOT_IMPLEMENTED_CODES or status == NOT_IMPLEMENTED_STATUS
            or (code == "404" and error_message(error).startswith(MOTO_NOT_IMPLEMENTED)))


def error_code(error: ClientError) -> str:
    """The AWS error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    """The message of a client error ('' when it has none)."""
    return str(error.response.get("Error", {}).get("Message") or "")


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
