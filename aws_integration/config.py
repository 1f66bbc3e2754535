"""The configuration file: integration instances, validated before anything runs.

YAML, at ``--config`` or ``$AWS_INTEGRATION_CONFIG``. Every problem is reported with
its place in the file (``instances[2].roleArn: ...``), all at once. Secrets (the
external ID) may be written in the file or named as an environment variable with
``{fromEnv: NAME}``; they are held as :class:`pydantic.SecretStr` and never printed.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Discriminator,
    Field,
    SecretStr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aws_integration.errors import ConfigError, IntegrationError
from aws_integration.graph.model import RESERVED_PROPERTIES
from aws_integration.graph.properties import TAG_PREFIX
from aws_integration.integrations.aws.config import AwsInstance, ServiceFilter
from aws_integration.integrations.sentinelone.config import SentinelOneInstance
from aws_integration.safe_load import UnsafeDocument, load_yaml
from aws_integration.settings_model import Known, PollingInterval, SettingsModel, known_names
from aws_integration.suggest import did_you_mean

_Model = SettingsModel
__all__ = ["AlertRule", "AwsInstance", "Config", "ConfigError", "Instance", "Known", "PollingInterval",
           "SentinelOneInstance", "ServiceFilter", "config_path", "load_config", "parse_config"]

CONFIG_ENV = "AWS_INTEGRATION_CONFIG"
def _integration_of(value: Any) -> str:
    """Which integration an instance is for: its ``integration`` field, ``aws`` when it has none."""
    if isinstance(value, Mapping):
        named = value.get("integration", "aws")
        return named if isinstance(named, str) else repr(named)
    return str(getattr(value, "integration", "aws"))


INTEGRATION_NAMES = ("aws", "sentinelone")
Instance = Annotated[
    Annotated[AwsInstance, Tag("aws")] | Annotated[SentinelOneInstance, Tag("sentinelone")],
    Discriminator(_integration_of, custom_error_type="integration",
                  custom_error_message=f"integration must be one of {', '.join(INTEGRATION_NAMES)}"),
]
"""One integration instance: AWS (the default, so files without ``integration`` keep working) or SentinelOne."""


class ChangeKindName(str, enum.Enum):
    """The changes an alert rule can match."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class Webhook(_Model):
    """Where an alert is POSTed as JSON; the URL often holds a token, so it is a secret."""

    url: SecretStr
    timeout_seconds: float = Field(10.0, gt=0, le=120, alias="timeoutSeconds")
    attempts: int = Field(3, ge=1, le=10)

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.get_secret_value()):
            raise ValueError("must be an http:// or https:// URL")
        return value


class AlertRule(_Model):
    """A question asked of every run's change set; a run with matching changes raises an alert.

    ``type`` is an entity or relationship type; ``change`` the kinds of change; with
    ``property``, an update matches only when that property changed, and ``from`` /
    ``to`` require its old / new value (a created record has only a new value, a
    deleted one only an old value).
    """

    name: str = Field(min_length=1, max_length=120)
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    change: tuple[ChangeKindName, ...] = tuple(ChangeKindName)
    property_name: str | None = Field(None, alias="property", min_length=1)
    old_value: Any = Field(None, alias="from")
    new_value: Any = Field(None, alias="to")
    instances: tuple[str, ...] = ()
    webhook: Webhook | None = None

    @field_validator("type")
    @classmethod
    def _declared_type(cls, value: str, info: ValidationInfo) -> str:
        known = known_names(info).types
        if known is not None and value not in known:
            raise ValueError(f"no entity or relationship type {value!r} is declared{did_you_mean(value, known)}")
        return value

    @property
    def checks_old_value(self) -> bool:
        """Whether the rule gave ``from`` (``from: null`` is a value too)."""
        return "old_value" in self.model_fields_set

    @property
    def checks_new_value(self) -> bool:
        """Whether the rule gave ``to``."""
        return "new_value" in self.model_fields_set

    @model_validator(mode="after")
    def _values_need_a_property(self) -> "AlertRule":
        if (self.checks_old_value or self.checks_new_value) and self.property_name is None:
            raise ValueError("from/to need property")
        if not self.change:
            raise ValueError("list at least one change (created, updated, deleted)")
        return self

    @model_validator(mode="after")
    def _declared_property(self, info: ValidationInfo) -> "AlertRule":
        """The property is one the type declares (or a tag), and from/to are values of its kind."""
        declared = (known_names(info).properties or {}).get(self.type)
        name = self.property_name
        if declared is None or name is None or name in RESERVED_PROPERTIES or name.startswith(TAG_PREFIX):
            return self
        found = declared.get(name)
        if found is None:
            raise ValueError(f"{self.type} declares no property {name!r}{did_you_mean(name, declared)}")
        for given, value in (("from", self.old_value), ("to", self.new_value)):
            if value is not None and not found.kind.accepts(value):
                raise ValueError(f"{self.type}.{name} is {found.kind.value}: {given}: {value!r} would never match")
        return self


class Config(_Model):
    """The whole file."""

    instances: tuple[Instance, ...]
    alerts: tuple[AlertRule, ...] = ()

    @field_validator("instances")
    @classmethod
    def _some(cls, value: tuple[Instance, ...]) -> tuple[Instance, ...]:
        if not value:
            raise ValueError("list at least one instance")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        names = [instance.name for instance in self.instances]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"instance names must be unique: {', '.join(repeated)}")
        for rule in self.alerts:
            unknown = sorted(set(rule.instances) - set(names))
            if unknown:
                raise ValueError(f"alert {rule.name!r} names unknown instance(s): {', '.join(unknown)}")
        return self

    def instance(self, name: str) -> Instance:
        """The instance called ``name``."""
        for instance in self.instances:
            if instance.name == name:
                return instance
        known = ", ".join(instance.name for instance in self.instances)
        raise IntegrationError(f"no instance named {name!r} in the configuration (known: {known})")


def _place(location: tuple[int | str, ...]) -> str:
    place = ""
    for part in location:
        if isinstance(part, int):
            place += f"[{part}]"
        else:
            place += f".{part}" if place else str(part)
    return place or "(file)"


UNRESOLVED_SECRETS = frozenset({"apiToken"})


def _resolve_secrets(raw: Any, location: tuple[int | str, ...], problems: list[str]) -> Any:
    """Replace ``{fromEnv: NAME}`` by the variable's value; a missing variable is a problem.

    An ``apiToken`` is left as it is written: its model reads it, and refuses a literal one.
    """
    if isinstance(raw, Mapping):
        if set(raw) == {"fromEnv"}:
            name = raw["fromEnv"]
            if not isinstance(name, str) or name not in os.environ:
                problems.append(f"{_place(location)}: environment variable {name!r} is not set")
                return "(unset)"  # reported above; a placeholder keeps it from also counting as missing
            return os.environ[name]
        return {key: value if key in UNRESOLVED_SECRETS else _resolve_secrets(value, location + (key,), problems)
                for key, value in raw.items()}
    if isinstance(raw, list):
        return [_resolve_secrets(value, location + (index,), problems) for index, value in enumerate(raw)]
    return raw


def _problem(error: Mapping[str, Any]) -> str:
    """One problem with its place; the union's tag (``instances.0.aws.roleArn``) is not part of the place."""
    message = str(error["msg"]).removeprefix("Value error, ")
    location = tuple(error["loc"])
    if len(location) > 2 and location[0] == "instances" and location[2] in INTEGRATION_NAMES:
        location = location[:2] + location[3:]
    return f"{_place(location)}: {message}"


def parse_config(text: str, path: Path, known: Known | None = None) -> Config:
    """Validate a configuration; raises :class:`ConfigError` listing every problem."""
    try:
        raw = load_yaml(text)
    except UnsafeDocument as error:
        raise ConfigError(path, [str(error)]) from None
    if not isinstance(raw, Mapping):
        raise ConfigError(path, ["the file must be a mapping with an 'instances' list"])
    problems: list[str] = []
    resolved = _resolve_secrets(raw, (), problems)
    try:
        config = Config.model_validate(resolved, context={"known": known, "base": path.parent})
    except ValidationError as error:
        problems += [_problem(item) for item in error.errors(include_input=False)]
        raise ConfigError(path, problems) from None
    if problems:
        raise ConfigError(path, problems)
    return config


def config_path(given: Path | None) -> Path:
    """``--config``, else ``$AWS_INTEGRATION_CONFIG``; an error when neither is set."""
    if given is not None:
        return given
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    raise IntegrationError(f"no configuration file: pass --config or set {CONFIG_ENV}")


def load_config(path: Path, known: Known | None = None) -> Config:
    """Read and validate the configuration at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(path, [f"cannot read it: {error.strerror}"]) from None
    except UnicodeDecodeError as error:
        raise ConfigError(path, [f"not UTF-8 text (byte {error.start + 1} cannot be read)"]) from None
    return parse_config(text, path, known)
