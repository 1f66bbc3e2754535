"""What every integration's part of the configuration file shares: its model base, polling intervals, known names."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, ValidationInfo

from aws_integration.graph.properties import Property


class PollingInterval(str, enum.Enum):
    """How often an instance runs; ``DISABLED`` instances run only by hand."""

    DISABLED = "DISABLED"
    THIRTY_MINUTES = "THIRTY_MINUTES"
    ONE_HOUR = "ONE_HOUR"
    FOUR_HOURS = "FOUR_HOURS"
    EIGHT_HOURS = "EIGHT_HOURS"
    TWELVE_HOURS = "TWELVE_HOURS"
    ONE_DAY = "ONE_DAY"
    ONE_WEEK = "ONE_WEEK"

    @property
    def period(self) -> timedelta | None:
        """The time between runs (None when disabled)."""
        return _PERIODS[self]


_PERIODS = {
    PollingInterval.DISABLED: None,
    PollingInterval.THIRTY_MINUTES: timedelta(minutes=30),
    PollingInterval.ONE_HOUR: timedelta(hours=1),
    PollingInterval.FOUR_HOURS: timedelta(hours=4),
    PollingInterval.EIGHT_HOURS: timedelta(hours=8),
    PollingInterval.TWELVE_HOURS: timedelta(hours=12),
    PollingInterval.ONE_DAY: timedelta(days=1),
    PollingInterval.ONE_WEEK: timedelta(weeks=1),
}


class SettingsModel(BaseModel):
    """A part of the configuration file: unknown fields refused, aliases accepted, frozen."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


@dataclass(frozen=True)
class Known:
    """What the configuration's names are checked against: the declared services, the
    declared entity and relationship types with their properties, and the regions
    botocore knows in any partition."""

    services: frozenset[str] | None = None
    properties: Mapping[str, Mapping[str, Property]] | None = None  # type -> its declared properties by name
    regions: frozenset[str] | None = None

    @property
    def types(self) -> frozenset[str] | None:
        """The declared entity and relationship types."""
        return None if self.properties is None else frozenset(self.properties)


def known_names(info: ValidationInfo) -> Known:
    """What the validation context says names are checked against."""
    return (info.context or {}).get("known") or Known()
