"""Errors every integration and the core share; none of them carries a credential."""

from __future__ import annotations

MAX_ERROR_CHARS = 500


def brief(error: BaseException) -> str:
    """An error as one bounded line: botocore puts a whole unparseable answer after the first line."""
    text = str(error).strip().split("\n", 1)[0]
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


class IntegrationError(Exception):
    """A problem the user must fix (configuration, credentials, endpoint, store).

    The CLI prints its message as one line and exits non-zero.
    """
