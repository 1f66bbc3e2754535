"""Tags to properties, as users of asset graphs know them.

Each tag becomes ``tag.<Key>`` (key case kept) with its value typed: ``true``/``false``
(any case) become booleans, digits an integer, ``digits.digits`` a float, the rest
stays a string. Typing never loses what the tag said: a number is kept only when it
prints back as the same text (``007``, ``1.50`` and 16-digit IDs stay strings). ``Name`` (any case) sets the display name; keys whose value is true or
empty are listed in ``tags``; ``classification``, ``owner`` and ``email`` are copied,
lower-cased, to properties of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_integration.graph.model import PropertyValue
from aws_integration.graph.properties import Property, described

_INTEGER = re.compile(r"^(0|[1-9][0-9]{0,14})$")  # up to 15 digits: exact in every JSON reader
_FLOAT = re.compile(r"^[0-9]{1,15}\.[0-9]{1,15}$")
COPIED_LOWER_CASE = ("classification", "owner", "email")
TAG_PROPERTIES: tuple[Property, ...] = described(
    tags="string[]: The keys of the tags whose value is true or empty.",
    classification="string: The resource's classification tag, lower-cased.",
    owner="string: The resource's owner tag, lower-cased.",
    email="string: The resource's email tag, lower-cased.",
)


def typed_tag_value(value: str) -> str | int | float | bool:
    """Type a tag value: booleans, integers and decimals become those types."""
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if _INTEGER.match(value):
        return int(value)
    if _FLOAT.match(value) and repr(float(value)) == value:
        return float(value)
    return value


def tag_pairs(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Normalise ``[{Key, Value}]``, ``[{key, value}]``, ``[{TagKey, TagValue}]`` (KMS) or a plain map to pairs.

    A tag without a key raises ``KeyError('Key')``.
    """
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [(str(key), "" if value is None else str(value)) for key, value in tags.items()]
    pairs = []
    for tag in tags:
        key = tag.get("Key", tag.get("key", tag.get("TagKey")))
        if key is None:  # a missing required field: the step fails naming it
            raise KeyError("Key")
        value = tag.get("Value", tag.get("value", tag.get("TagValue")))
        pairs.append((str(key), "" if value is None else str(value)))
    return pairs


@dataclass(frozen=True)
class TagSet:
    """The properties a set of tags contributes to an entity."""

    properties: dict[str, PropertyValue] = field(default_factory=dict)
    name: str | None = None


def flatten_tags(
    tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None,
    account_name: str | None = None,
) -> TagSet:
    """Turn tags into ``tag.*`` properties and their derived properties.

    ``account_name``, when given, adds ``tag.AccountName`` (the "tag with account
    name" option of an integration instance).
    """
    properties: dict[str, PropertyValue] = {}
    flagged: list[str] = []
    name: str | None = None
    for key, value in tag_pairs(tags):
        typed = typed_tag_value(value)
        properties[f"tag.{key}"] = typed
        if typed is True or value == "":
            flagged.append(key)
        lowered_key = key.lower()
        if lowered_key == "name" and value:
            name = value
        if lowered_key in COPIED_LOWER_CASE and value:
            properties[lowered_key] = value.lower()
    if flagged:
        properties["tags"] = flagged
    if account_name:
        properties["tag.AccountName"] = account_name
    return TagSet(properties=properties, name=name)
