"""Errors every integration and the core share; none of them carries a credential."""

from __future__ import annotations

from pathlib import Path

MAX_ERROR_CHARS = 500


def brief(error: BaseException) -> str:
    """An error as one bounded line: botocore puts a whole unparseable answer after the first line."""
    text = str(error).strip().split("\n", 1)[0]
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


class IntegrationError(Exception):
    """A problem the user must fix (configuration, credentials, endpoint, store).

    The CLI prints its message as one line and exits non-zero.
    """


class ConfigError(IntegrationError):
    """A configuration file that cannot be used; ``problems`` lists every one, with its place."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class PermissionDenied(Exception):
    """A system refused a step's call: the step is disabled for ``permission``.

    ``what`` was refused (an IAM action; an endpoint and the console role it needs),
    ``why`` is the system's code for it, ``where`` the place it was refused in (a
    region, a console), None when it has no such place.
    """

    def __init__(self, what: str, why: str, where: str | None) -> None:
        self.what = what
        self.why = why
        self.where = where
        place = f" in {where}" if where else ""
        super().__init__(f"{why}: {what} denied{place}")


class NotImplementedByEndpoint(Exception):
    """The endpoint has no code for a step's call (a local stand-in such as moto, never AWS itself).

    The step ends disabled for ``not_implemented``: nothing was refused or broken, the
    endpoint simply cannot answer ``what`` (an IAM action) in ``where``.
    """

    def __init__(self, what: str, where: str | None) -> None:
        self.what = what
        self.where = where
        place = f" in {where}" if where else ""
        super().__init__(f"the endpoint does not implement {what}{place}")
