"""One ``Person`` per real person, mapped from the ``User`` entities of every source.

A user maps to the person with its e-mail address: from an ``Email``/``email`` tag, an
``email`` property, or a user name shaped like an address; addresses are compared
lower-cased. Users tagged ``userType`` ``bot``, ``generic``, ``service`` or ``system``
are not people and map to nobody. Each mapped user ``IS`` its person. The mapping is
recomputed from all users of all sources, so several sources share one Person, and a
Person disappears only when no user maps to it any more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aws_integration.graph.model import Entity, Relationship

PERSON_TYPE = "person"
PERSON_CLASS = "Person"
USER_CLASS = "User"
NOT_PEOPLE = frozenset({"bot", "generic", "service", "system"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_EMAIL_FIELDS = ("tag.Email", "tag.email", "email")
_NAME_FIELDS = ("username", "userName", "name", "displayName")
_USER_TYPE_FIELDS = ("tag.userType", "tag.UserType", "userType")


def _email(value: Any) -> str | None:
    if isinstance(value, str) and _EMAIL.fullmatch(value.strip()):
        return value.strip().lower()
    return None


def user_email(user: Mapping[str, Any]) -> str | None:
    """The e-mail address that identifies the person behind ``user``, or None (not a person, or unknown)."""
    for field in _USER_TYPE_FIELDS:
        if str(user.get(field, "")).strip().lower() in NOT_PEOPLE:
            return None
    for field in _EMAIL_FIELDS + _NAME_FIELDS:
        found = _email(user.get(field))
        if found:
            return found
    return None


def person_key(email: str) -> str:
    """The ``_key`` of the person with this address."""
    return f"person:{email}"


def map_persons(users: Iterable[Mapping[str, Any]]) -> tuple[list[Entity], list[Relationship]]:
    """The persons behind ``users`` (records of ``User`` entities) and each user's ``IS`` relationship."""
    persons: dict[str, Entity] = {}
    relationships: list[Relationship] = []
    for user in users:
        email = user_email(user)
        if email is None:
            continue
        key = person_key(email)
        if key not in persons:
            persons[key] = Entity(key, PERSON_TYPE, (PERSON_CLASS,), email,
                                  {"email": email, "emailDomain": email.rsplit("@", 1)[1]})
        relationships.append(Relationship(str(user["_key"]), str(user["_type"]), "IS", key, PERSON_TYPE))
    return list(persons.values()), relationships
