"""IAM identity policy documents: parsing and wildcard matching.

Accepts a JSON string, URL-encoded JSON (as IAM's API returns documents) or a dict;
``Statement`` as one object or a list; ``Action``/``NotAction`` and
``Resource``/``NotResource`` as a string or a list.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class PolicyError(ValueError):
    """A policy document that cannot be read."""


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool) -> bool:
    """IAM matching: ``*`` is any run of characters, ``?`` exactly one, the rest literal."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _string_list(statement: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    value = statement.get(name)
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise PolicyError(f"{name} must be a string or a list of strings")
    return tuple(values)


def _covers(
    listed: tuple[str, ...] | None, excluded: tuple[str, ...] | None, value: str, *, ignore_case: bool
) -> bool:
    """``value`` matches one of ``listed``, or (for a Not- element) none of ``excluded``."""
    if listed is not None:
        return any(wildcard_match(pattern, value, ignore_case=ignore_case) for pattern in listed)
    assert excluded is not None
    return not any(wildcard_match(pattern, value, ignore_case=ignore_case) for pattern in excluded)


@dataclass(frozen=True)
class Statement:
    """One statement; exactly one of ``actions``/``not_actions`` and of ``resources``/``not_resources``."""

    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    has_condition: bool
    sid: str | None = None
    policy_name: str | None = None
    index: int = 0

    def covers_action(self, action: str) -> bool:
        """Action names match case-insensitively; NotAction covers everything it does not list."""
        return _covers(self.actions, self.not_actions, action, ignore_case=True)

    def covers_resource(self, resource: str) -> bool:
        """Resources match case-sensitively; a request on ``*`` needs a ``*`` pattern."""
        return _covers(self.resources, self.not_resources, resource, ignore_case=False)

    def describe(self) -> str:
        """Where the statement comes from, for reports: ``policy:Sid`` or ``policy statement 2``."""
        name = self.policy_name or "policy"
        return f"{name}:{self.sid}" if self.sid else f"{name} statement {self.index + 1}"


@dataclass(frozen=True)
class Policy:
    """A parsed policy document."""

    name: str | None
    statements: tuple[Statement, ...]


def read_document(document: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        return document
    if not isinstance(document, str):
        raise PolicyError(f"a policy document must be a JSON object, not {type(document).__name__}")
    text = document.strip()
    if text.startswith("%"):
        text = urllib.parse.unquote(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"not JSON: {error}") from None
    if not isinstance(parsed, Mapping):
        raise PolicyError("a policy document must be a JSON object")
    return parsed


def _statement(raw: Any, policy_name: str | None, index: int) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError("each Statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}")
    actions, not_actions = _string_list(raw, "Action"), _string_list(raw, "NotAction")
    resources, not_resources = _string_list(raw, "Resource"), _string_list(raw, "NotResource")
    if (actions is None) == (not_actions is None):
        raise PolicyError("a statement needs exactly one of Action and NotAction")
    if (resources is None) == (not_resources is None):
        raise PolicyError("a statement needs exactly one of Resource and NotResource")
    return Statement(
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        has_condition=bool(raw.get("Condition")),
        sid=raw.get("Sid"),
        policy_name=policy_name,
        index=index,
    )


def parse_policy(document: str | Mapping[str, Any], name: str | None = None) -> Policy:
    """Parse a policy document; raises :class:`PolicyError` naming what is wrong."""
    parsed = read_document(document)
    raw_statements = parsed.get("Statement")
    if raw_statements is None:
        raise PolicyError("the document has no Statement")
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError("Statement must be an object or a list")
    return Policy(name=name, statements=tuple(_statement(raw, name, index) for index, raw in enumerate(raw_statements)))
