"""An AWS instance of the configuration file: an account, or an Organization, and how to reach it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from aws_integration.settings_model import PollingInterval, SettingsModel, known_names
from aws_integration.suggest import did_you_mean

_Model = SettingsModel
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class ServiceFilter(_Model):
    """Which services' steps run: all but ``exclude``, or only ``include``."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @field_validator("include", "exclude")
    @classmethod
    def _known(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = known_names(info).services
        unknown = sorted(set(value) - known) if known is not None else []
        if unknown:
            raise ValueError(f"unknown service(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return value

    @model_validator(mode="after")
    def _not_both(self) -> "ServiceFilter":
        if self.include and self.exclude:
            raise ValueError("give include or exclude, not both")
        return self


class AwsInstance(_Model):
    """An AWS instance: an account (or an Organization) and how to reach it."""

    integration: Literal["aws"] = "aws"
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    polling_interval: PollingInterval = Field(PollingInterval.ONE_DAY, alias="pollingInterval")
    role_arn: str | None = Field(None, alias="roleArn")
    external_id: SecretStr | None = Field(None, alias="externalId")
    profile: str | None = None
    regions: tuple[str, ...] | None = None
    services: ServiceFilter = ServiceFilter()
    tag_with_account_name: bool = Field(False, alias="tagWithAccountName")
    organization: bool = False
    # 8 from the bench (bench/organization_speed.py, 20 members on 2 cores): wall time over the accounts' CPU per
    # core 1.24x with 4 accounts at once, 1.18x with 8
    organization_concurrency: int = Field(8, ge=1, le=32, alias="organizationConcurrency")

    @property
    def role_name(self) -> str | None:
        """The name of the configured role (the one assumed in every member of an organization)."""
        return self.role_arn.rsplit("/", 1)[-1] if self.role_arn else None

    def summary(self) -> str:
        """What a run of the instance reaches, in one line (no secret in it)."""
        access = self.role_arn or (f"profile {self.profile}" if self.profile else "default credentials")
        external = " with an external ID" if self.external_id else ""
        regions = ", ".join(self.regions) if self.regions else "every enabled region"
        chosen = self.services
        services = (f"only {', '.join(chosen.include)}" if chosen.include
                    else f"all but {', '.join(chosen.exclude)}" if chosen.exclude else "all services")
        scope = (f"every account of the organization, {self.organization_concurrency} at once, "
                 f"through role {self.role_name}" if self.organization else f"account via {access}{external}")
        return f"{scope}; {regions}; {services}"

    @field_validator("role_arn")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_ARN.fullmatch(value):
            raise ValueError("must be an IAM role ARN such as arn:aws:iam::123456789012:role/aws-integration-inventory")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        if value is not None:
            if not value:
                raise ValueError("list at least one region, or leave regions out for every enabled region")
            bad = [region for region in value if not _REGION.fullmatch(region)]
            if bad:
                raise ValueError(f"not region names: {', '.join(bad)}")
            known = known_names(info).regions
            unknown = [region for region in value if known is not None and region not in known]
            if unknown:
                raise ValueError(f"unknown region {unknown[0]!r}{did_you_mean(unknown[0], known or ())}: no "
                                 "partition has it (a region launched after this botocore needs an upgrade)")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> "AwsInstance":
        if self.external_id is not None and self.role_arn is None:
            raise ValueError("externalId needs roleArn")
        if self.role_arn is not None and self.external_id is None:
            raise ValueError("roleArn needs externalId (the role's trust policy requires it)")
        if self.organization and self.role_arn is None:
            raise ValueError("organization needs roleArn: the same role is assumed in every member account")
        return self
