"""Alert rules over change sets, and webhooks delivered to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from aws_integration.config import AlertRule, Webhook
from aws_integration.jobs.alerts import Alert, AlertSink, WebhookError, match_rules, post_json
from aws_integration.store import Change, ChangeKind, RecordKind

TOKEN = "hook-token-s3cr3t"


def _change(change: str, type_name: str = "aws_s3_bucket", key: str = "b1", **fields: Any) -> Change:
    kind = ChangeKind(change)
    record = {"_key": key, "_type": type_name, "displayName": key, **fields.get("record", {})}
    return Change(RecordKind.ENTITY, kind, key, type_name, record, fields.get("changed", {}))


def _rule(**fields: Any) -> AlertRule:
    return AlertRule.model_validate({"name": "rule", "type": "aws_s3_bucket", **fields})


@pytest.mark.parametrize(
    ("rule", "change", "matches"),
    [
        ({}, _change("created"), True),
        ({"type": "aws_instance"}, _change("created"), False),
        ({"change": ["deleted"]}, _change("created"), False),
        # an update matches a property rule only when that property changed
        ({"property": "publicAccessBlocked"}, _change("updated", changed={"tag.Owner": {"old": "a", "new": "b"}}), False),
        ({"property": "publicAccessBlocked", "from": True, "to": False},
         _change("updated", changed={"publicAccessBlocked": {"old": True, "new": False}}), True),
        ({"property": "publicAccessBlocked", "from": True, "to": False},
         _change("updated", changed={"publicAccessBlocked": {"old": False, "new": True}}), False),
        ({"property": "publicAccessBlocked", "to": False},
         _change("updated", changed={"publicAccessBlocked": {"old": None, "new": False}}), True),
        # a created record has only a new value; a deleted one only an old value
        ({"property": "public", "to": True}, _change("created", record={"public": True}), True),
        ({"property": "public", "to": True}, _change("created", record={"public": False}), False),
        ({"property": "public", "from": False, "to": True}, _change("created", record={"public": True}), False),
        ({"property": "public", "from": True}, _change("deleted", record={"public": True}), True),
        ({"property": "public", "to": True}, _change("deleted", record={"public": True}), False),
        ({"property": "public"}, _change("created", record={}), False),
        # `to: null` asks for a property that was removed
        ({"property": "tag.Owner", "to": None}, _change("updated", changed={"tag.Owner": {"old": "a", "new": None}}), True),
    ],
)
def test_rule_matching(rule: dict[str, Any], change: Change, matches: bool) -> None:
    alerts = match_rules([_rule(**rule)], [change], "prod", "123456789012", 7)
    assert bool(alerts) is matches


def test_one_alert_per_rule_lists_its_matches() -> None:
    changes = [_change("created", key=f"b{index}") for index in range(60)]
    [alert] = match_rules([_rule(change=["created"])], changes, "prod", "123456789012", 7)
    payload = alert.payload()
    assert payload["matches"] == 60 and payload["truncated"] and len(payload["changes"]) == 50
    assert alert.headline == "alert rule: 60 change(s) in run 7: b0, b1, b2 and 57 more"


def _webhook(server: Any, **fields: Any) -> Webhook:
    url = f"http://127.0.0.1:{server.server_address[1]}/alerts?token={TOKEN}"
    return Webhook.model_validate({"url": url, **fields})


def test_a_webhook_receives_the_alert_as_json(hook: Any) -> None:
    alert = match_rules([_rule()], [_change("created")], "prod", "123456789012", 7)[0]
    attempts = asyncio.run(post_json(_webhook(hook), alert.payload(), base_delay=0.01))
    assert attempts == 1
    [(path, content_type, body)] = hook.received
    assert path == f"/alerts?token={TOKEN}" and content_type == "application/json"
    assert body["rule"] == "rule" and body["runId"] == 7 and body["changes"][0]["key"] == "b1"


def test_server_errors_are_retried_until_accepted(hook: Any) -> None:
    hook.statuses = [503, 500]
    assert asyncio.run(post_json(_webhook(hook, attempts=3), {"x": 1}, base_delay=0.01)) == 3
    assert len(hook.received) == 3


def test_a_client_error_is_not_retried(hook: Any) -> None:
    hook.statuses = [404]
    with pytest.raises(WebhookError, match="did not accept the alert: HTTP 404"):
        asyncio.run(post_json(_webhook(hook, attempts=3), {"x": 1}, base_delay=0.01))
    assert len(hook.received) == 1


def test_delivery_is_bounded_in_time(hook: Any) -> None:
    hook.statuses = ["stall", "stall", "stall"]
    begun = time.monotonic()
    with pytest.raises(WebhookError) as raised:
        asyncio.run(post_json(_webhook(hook, attempts=2, timeoutSeconds=0.3), {"x": 1}, base_delay=0.01))
    assert time.monotonic() - begun < 2.0
    assert TOKEN not in str(raised.value) and "/alerts" not in str(raised.value)


def test_an_unreachable_webhook_is_logged_without_its_token_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aws_integration.sample.moto_server import free_port

    webhook = Webhook.model_validate({"url": f"http://127.0.0.1:{free_port()}/a?token={TOKEN}", "attempts": 2})
    alert = Alert("rule", "prod", "123456789012", 7, (_change("created"),), webhook)
    sink = AlertSink(base_delay=0.01)
    with caplog.at_level(logging.INFO):
        asyncio.run(sink.emit(alert))
    assert (sink.delivered, sink.failed) == (0, 1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"event": "alert"' in logged and "did not accept the alert: ClientConnectorError" in logged
    assert TOKEN not in logged
