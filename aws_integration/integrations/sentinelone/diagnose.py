"""Before a run: is the console's token valid, when does it expire, what will a run see.

``GET /system/info`` checks the token (a refused one is an error: nothing can run);
``POST /users/api-token-details`` tells its expiry (warned under 30 days); one row of
each step's endpoint tells whether its entity types are ready or will be skipped (the
endpoint answered 403), and whether the token is account- or site-scoped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import aiohttp

from aws_integration.errors import IntegrationError, PermissionDenied
from aws_integration.integrations.sentinelone.config import SentinelOneInstance
from aws_integration.integrations.sentinelone.client import ConsoleClient, ConsoleError
from aws_integration.integrations.sentinelone.steps import ACCOUNTS, ConsoleStep
from aws_integration.integrations.sentinelone.target import SITE_USER_CODE, system_info
from aws_integration.integrations.sentinelone.transforms import epoch_ms
from aws_integration.steps.registry import StepRegistry

EXPIRY_WARNING_DAYS = 30
VIEWER_ROLE = "Viewer"


@dataclass(frozen=True)
class TypeReadiness:
    """Whether a run will see an entity type, through which endpoint, and why not."""

    type: str
    step_id: str
    endpoint: str
    ready: bool
    note: str = ""


@dataclass
class ConsoleDiagnosis:
    """What the token lets a run of the console see."""

    console: str
    version: str | None
    token_scope: str
    expires_on: int | None  # epoch ms; None when the console did not say
    types: list[TypeReadiness] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def all_ready(self) -> bool:
        """Whether every entity type will be collected."""
        return all(readiness.ready for readiness in self.types)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (never the token)."""
        return {
            "integration": "sentinelone",
            "console": self.console,
            "consoleVersion": self.version,
            "tokenValid": True,
            "tokenScope": self.token_scope,
            "tokenExpiresOn": self.expires_on,
            "allReady": self.all_ready,
            "warnings": self.warnings,
            "types": [{"type": item.type, "stepId": item.step_id, "endpoint": item.endpoint,
                       "status": "ready" if item.ready else "will be skipped", "note": item.note or None}
                      for item in self.types],
        }

    def format(self) -> str:
        """The diagnosis as people read it."""
        expiry = (datetime.fromtimestamp(self.expires_on / 1000, timezone.utc).strftime("%Y-%m-%d")
                  if self.expires_on is not None else "unknown")
        lines = [
            f"Console {self.console}" + (f" (release {self.version})" if self.version else ""),
            f"Token: valid, {self.token_scope}-scoped, expires {expiry}",
            *(f"Warning: {warning}" for warning in self.warnings),
            "",
            f"{sum(item.ready for item in self.types)} of {len(self.types)} entity types ready:",
        ]
        for item in self.types:
            status = "ready" if item.ready else "will be skipped"
            lines.append(f"  {item.type:<24} {status:<16} {item.endpoint}" + (f" ({item.note})" if item.note else ""))
        return "\n".join(lines)


async def _probe(client: ConsoleClient, step: ConsoleStep) -> PermissionDenied | None:
    """Ask for one row of the step's endpoint: None when it answers, the refusal when it is 403."""
    try:
        await client.get(step.endpoint.path, limit=1, skipCount="true")
    except PermissionDenied as denied:
        return denied
    return None


async def _expiry(client: ConsoleClient, token: str, warnings: list[str]) -> int | None:
    try:
        envelope = await client.request("POST", "/users/api-token-details", body={"data": {"apiToken": token}})
    except (PermissionDenied, ConsoleError) as error:
        warnings.append(f"the token's expiry could not be read ({type(error).__name__})")
        return None
    data = envelope.get("data")
    expires = epoch_ms(data.get("expiresAt")) if isinstance(data, dict) else None
    if expires is None:
        warnings.append("the console did not say when the token expires")
        return None
    left = (expires - datetime.now(timezone.utc).timestamp() * 1000) / 86_400_000
    if left < 0:
        warnings.append("the token has expired")
    elif left < EXPIRY_WARNING_DAYS:
        warnings.append(f"the token expires in {int(left)} day(s): generate a new one before then")
    return expires


async def diagnose_console(registry: StepRegistry, client: ConsoleClient, token: str) -> ConsoleDiagnosis:
    """The diagnosis of the console ``client`` reaches with ``token`` (its caller opened the client)."""
    info = await system_info(client)  # raises TokenRefused: nothing can run
    warnings: list[str] = []
    expires = await _expiry(client, token, warnings)
    refusals = {step.id: await _probe(client, step) for step in registry.steps}
    site_scoped = any(step.endpoint is ACCOUNTS and denied is not None and denied.why == SITE_USER_CODE
                      for step in registry.steps for denied in (refusals[step.id],))
    diagnosis = ConsoleDiagnosis(client.host, info.get("release") or info.get("version"),
                                 "site" if site_scoped else "account", expires, warnings=warnings)
    for step in registry.steps:
        denied = refusals[step.id]
        for entity in step.entities:
            if denied is None:
                diagnosis.types.append(TypeReadiness(entity.type, step.id, step.endpoint.name, True))
            elif step.endpoint is ACCOUNTS and site_scoped:
                diagnosis.types.append(TypeReadiness(entity.type, step.id, step.endpoint.name, True,
                                                     "site-scoped token: read from the sites it sees"))
            else:
                diagnosis.types.append(TypeReadiness(entity.type, step.id, step.endpoint.name, False,
                                                     f"403 {denied.why}: give the token's user the {VIEWER_ROLE} role"))
    return diagnosis


async def diagnose_instance(instance: SentinelOneInstance) -> ConsoleDiagnosis:
    """The diagnosis of a configured console, with its token and request rate."""
    from aws_integration.integrations.sentinelone.job import client_for
    from aws_integration.integrations.sentinelone.steps import console_registry

    try:
        async with client_for(instance) as client:
            return await diagnose_console(console_registry(), client, instance.api_token.get_secret_value())
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise IntegrationError(f"cannot reach the console at {instance.management_url}: {type(error).__name__}") from None
