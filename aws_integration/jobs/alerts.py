"""Alert rules over a run's change set, and where the alerts go.

A rule names a type, the kinds of change it cares about and, optionally, a property
with the old and/or new value it must have (see :class:`~aws_integration.config.AlertRule`).
All matches of one rule in one target's run make one alert: logged as a JSON line
and, when the rule has a webhook, POSTed to it as JSON with bounded retries. A
webhook that cannot be reached is logged (by host only: URLs carry tokens) and never
fails the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from aws_integration.store import Change, ChangeKind

if TYPE_CHECKING:  # the configuration's models (pydantic) are only loaded by the commands that read one
    from aws_integration.config import AlertRule, Webhook

alert_log = logging.getLogger("aws_integration.alerts")
CHANGES_PER_ALERT = 50
_RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def _matches(rule: AlertRule, change: Change) -> bool:
    if change.type != rule.type or change.change.value not in {kind.value for kind in rule.change}:
        return False
    name = rule.property_name
    if name is None:
        return True
    if change.change is ChangeKind.UPDATED:
        if name not in change.changed:
            return False
        old, new = change.changed[name]["old"], change.changed[name]["new"]
    elif change.change is ChangeKind.CREATED:
        if name not in change.record:
            return False
        old, new = None, change.record[name]
        if rule.checks_old_value:
            return False  # a created record had no old value to compare
    else:
        if name not in change.record:
            return False
        old, new = change.record[name], None
        if rule.checks_new_value:
            return False
    if rule.checks_old_value and old != rule.old_value:
        return False
    return not rule.checks_new_value or new == rule.new_value


@dataclass(frozen=True)
class Alert:
    """One rule's matches in one run of one target (an AWS account, a console)."""

    rule: str
    instance: str | None
    target_id: str | None
    run_id: int
    changes: tuple[Change, ...]
    webhook: Webhook | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body sent to webhooks and written to the log (at most 50 changes listed)."""
        listed = self.changes[:CHANGES_PER_ALERT]
        return {
            "event": "alert",
            "rule": self.rule,
            "instance": self.instance,
            "targetId": self.target_id,
            "runId": self.run_id,
            "matches": len(self.changes),
            "truncated": len(self.changes) > len(listed),
            "changes": [
                {
                    "change": change.change.value,
                    "kind": change.kind.value,
                    "type": change.type,
                    "key": change.key,
                    "displayName": change.record.get("displayName"),
                    "changed": change.changed,
                }
                for change in listed
            ],
        }

    @property
    def headline(self) -> str:
        """One line for people: the rule, how many changes, the first few names."""
        names = [str(change.record.get("displayName") or change.key) for change in self.changes[:3]]
        more = f" and {len(self.changes) - 3} more" if len(self.changes) > 3 else ""
        return f"alert {self.rule}: {len(self.changes)} change(s) in run {self.run_id}: {', '.join(names)}{more}"


def match_rules(
    rules: Sequence[AlertRule], changes: Sequence[Change], instance: str | None, target_id: str | None, run_id: int
) -> list[Alert]:
    """One alert per rule that any change matches."""
    alerts = []
    for rule in rules:
        matched = tuple(change for change in changes if _matches(rule, change))
        if matched:
            alerts.append(Alert(rule.name, instance, target_id, run_id, matched, rule.webhook))
    return alerts


class WebhookError(Exception):
    """A webhook did not accept an alert; the message never holds the URL's path or query."""


def _host(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1]


async def post_json(webhook: Webhook, body: dict[str, Any], *, base_delay: float = 0.5) -> int:
    """POST ``body``; retries connection errors, timeouts, 429 and 5xx with jittered backoff.

    Each attempt is bounded by ``timeoutSeconds``; all attempts together by
    ``attempts * timeoutSeconds``. Returns the number of attempts made.
    """
    url = webhook.url.get_secret_value()
    host = _host(url)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    per_attempt = aiohttp.ClientTimeout(total=webhook.timeout_seconds)
    problem = "no attempt made"
    try:
        async with asyncio.timeout(webhook.timeout_seconds * webhook.attempts):
            async with aiohttp.ClientSession(timeout=per_attempt) as http:
                for attempt in range(1, webhook.attempts + 1):
                    try:
                        async with http.post(url, data=data, headers={"Content-Type": "application/json"}) as response:
                            if response.status < 300:
                                return attempt
                            problem = f"HTTP {response.status}"
                            if response.status not in _RETRIED_STATUSES:
                                break
                    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                        problem = type(error).__name__
                    if attempt < webhook.attempts:
                        await asyncio.sleep(random.uniform(0, base_delay * 2 ** (attempt - 1)))
    except TimeoutError:
        problem = f"no answer within {webhook.timeout_seconds * webhook.attempts:g} s"
    raise WebhookError(f"webhook at {host} did not accept the alert: {problem}")


class AlertSink:
    """Where alerts go: the log (a JSON line each) and the rule's webhook."""

    def __init__(self, *, base_delay: float = 0.5) -> None:
        self._base_delay = base_delay
        self.delivered = 0
        self.failed = 0

    async def emit(self, alert: Alert) -> None:
        """Log the alert, then POST it to its webhook if it has one; delivery problems are logged."""
        alert_log.warning(json.dumps(alert.payload(), ensure_ascii=False))
        if alert.webhook is None:
            return
        try:
            await post_json(alert.webhook, alert.payload(), base_delay=self._base_delay)
        except WebhookError as error:
            self.failed += 1
            alert_log.error("alert %s: %s", alert.rule, error)
        else:
            self.delivered += 1
