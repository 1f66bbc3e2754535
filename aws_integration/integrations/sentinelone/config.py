"""A SentinelOne instance of the configuration file.

``apiToken`` is read from an environment variable (``{fromEnv: NAME}``) or a file
(``{fromFile: PATH}``, relative to the configuration file), never written in the file:
configuration files get logged, committed and mailed. It is held as a
:class:`pydantic.SecretStr` and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from aws_integration.settings_model import PollingInterval, SettingsModel
from aws_integration.integrations.sentinelone.address import console_url

MAX_TOKEN_CHARS = 4096


class TokenSource(SettingsModel):
    """Where the API token is: an environment variable or a file."""

    from_env: str | None = Field(None, alias="fromEnv", min_length=1)
    from_file: Path | None = Field(None, alias="fromFile")

    def read(self, base: Path | None) -> SecretStr:
        """The token; a ValueError naming the variable or file (never the token) when it cannot be read."""
        if self.from_env is not None:
            value = os.environ.get(self.from_env)
            if value is None or not value.strip():
                raise ValueError(f"environment variable {self.from_env!r} is not set")
            return _token(value)
        assert self.from_file is not None
        path = self.from_file.expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            value = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"cannot read the token file {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise ValueError(f"the token file {path} is not text") from None
        if not value.strip():
            raise ValueError(f"the token file {path} is empty")
        return _token(value)


def _token(value: str) -> SecretStr:
    text = value.strip()
    if len(text) > MAX_TOKEN_CHARS or any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("the API token must be one line of printable characters without spaces")
    return SecretStr(text)


class SentinelOneInstance(SettingsModel):
    """One SentinelOne console and how to reach it."""

    integration: Literal["sentinelone"]
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    polling_interval: PollingInterval = Field(PollingInterval.ONE_DAY, alias="pollingInterval")
    management_url: str = Field(alias="managementUrl")
    api_token: SecretStr = Field(alias="apiToken")
    account_name: str | None = Field(None, alias="accountName", min_length=1, max_length=120)
    tag_with_account_name: bool = Field(False, alias="tagWithAccountName")
    requests_per_second: float = Field(20.0, gt=0, le=1000, alias="requestsPerSecond")
    exclude: tuple[Literal["groups", "agents"], ...] = ()
    stale_after_days: int = Field(14, ge=1, le=365, alias="staleAfterDays")
    _token_origin: str = PrivateAttr("")

    @model_validator(mode="wrap")
    @classmethod
    def _remember_token_origin(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> "SentinelOneInstance":
        instance = handler(value)
        given = value.get("apiToken") if isinstance(value, dict) else None
        if isinstance(given, dict):
            instance._token_origin = (f"${given['fromEnv']}" if given.get("fromEnv") else str(given.get("fromFile")))
        return instance  # type: ignore[no-any-return]

    @field_validator("management_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return console_url(value)

    @field_validator("api_token", mode="before")
    @classmethod
    def _token_source(cls, value: object, info: ValidationInfo) -> SecretStr:
        if not isinstance(value, dict):
            raise ValueError("give {fromEnv: VARIABLE} or {fromFile: PATH}: a token is never written in the file")
        source = TokenSource.model_validate(value)
        if (source.from_env is None) == (source.from_file is None):
            raise ValueError("give one of fromEnv and fromFile")
        return source.read((info.context or {}).get("base"))

    def summary(self) -> str:
        """What a run of the instance reaches, in one line (never the token)."""
        left_out = f"; without {', '.join(self.exclude)}" if self.exclude else ""
        return (f"SentinelOne console {self.management_url} (token from {self._token_origin}), "
                f"{self.requests_per_second:g} requests/s{left_out}")

    @property
    def source(self) -> str:
        """The store source of this instance's records."""
        return f"sentinelone:{self.name}"
