"""One ``Person`` per real person, mapped from the ``User`` entities of every source.

A user maps to the person with its e-mail address: from an ``Email``/``email`` tag, an
``email`` property, or a user name shaped like an address; addresses are compared
lower-cased. Users tagged ``userType`` ``bot``, ``generic``, ``service`` or ``system``
are not people and map to nobody. Each mapped user ``IS`` its person. The mapping is
recomputed from all users of all sources, so several sources share one Person, and a
Person disappears only when no user maps to it any more.

There is one Person per address, whatever its key: a Person another source holds (an
HR import's ``hr:emp-7`` with ``email: bob@example.com``) is the one users map to,
and no derived copy is made; the ``IS`` relationship's type names both real types
(``aws_iam_user_is_hr_person``). A derived Person's key is ``person:<address>``. It
carries ``firstName``/``lastName`` when a user has them (IAM tags ``FirstName`` and
``LastName``, or properties of those names), and its ``displayName`` is the full
name, else the user's ``Name`` tag, else the address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aws_integration.graph.model import Entity, Relationship, classes_of
from aws_integration.graph.properties import described
from aws_integration.steps.declarations import EntityDecl

PERSON_TYPE = "person"
PERSON_CLASS = "Person"
USER_CLASS = "User"
PERSON_ENTITY = EntityDecl(PERSON_TYPE, (PERSON_CLASS,), "One person per e-mail address of the users of every source.",
                           owned_by_account=False, properties=described(
    email="string: The person's e-mail address, lower-cased.",
    emailDomain="string: The domain of that address.",
    firstName="string: The first name, from the first of its users that has one.",
    lastName="string: The last name, from the first of its users that has one.",
))
NOT_PEOPLE = frozenset({"bot", "generic", "service", "system"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_EMAIL_FIELDS = ("tag.Email", "tag.email", "email")
_NAME_FIELDS = ("username", "userName", "name", "displayName")
_USER_TYPE_FIELDS = ("tag.userType", "tag.UserType", "userType")
_FIRST_NAME_FIELDS = ("firstName", "tag.FirstName", "tag.firstName")
_LAST_NAME_FIELDS = ("lastName", "tag.LastName", "tag.lastName")
_FULL_NAME_FIELDS = ("tag.Name", "tag.name")


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


def _text(record: Mapping[str, Any], fields: tuple[str, ...]) -> str | None:
    for field in fields:
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _names(users: list[Mapping[str, Any]], email: str) -> tuple[str, dict[str, str]]:
    """A person's display name and first/last names, from the first of its users that has them."""
    first = next((name for user in users if (name := _text(user, _FIRST_NAME_FIELDS))), None)
    last = next((name for user in users if (name := _text(user, _LAST_NAME_FIELDS))), None)
    names = {field: value for field, value in (("firstName", first), ("lastName", last)) if value}
    full = " ".join(names.values()) or next((name for user in users if (name := _text(user, _FULL_NAME_FIELDS))), None)
    return full or email, names


def map_persons(records: Iterable[Mapping[str, Any]]) -> tuple[list[Entity], list[Relationship]]:
    """The persons behind the user records, and each user's ``IS`` relationship.

    ``Person`` records (``_class`` Person) among them (held by other sources) are the persons of their
    addresses: users map to them, and no derived copy is made.
    """
    held: dict[str, tuple[str, str]] = {}  # address -> (key, type) of a Person another source holds
    users_by_email: dict[str, list[Mapping[str, Any]]] = {}
    for record in sorted(records, key=lambda found: str(found["_key"])):
        classes = classes_of(record)
        if PERSON_CLASS in classes:
            address = _email(record.get("email"))
            if address:
                held.setdefault(address, (str(record["_key"]), str(record["_type"])))
        elif address := user_email(record):  # every other record is a user
            users_by_email.setdefault(address, []).append(record)
    persons: list[Entity] = []
    relationships: list[Relationship] = []
    for email, users in sorted(users_by_email.items()):
        key, type_name = held.get(email, (person_key(email), PERSON_TYPE))
        if email not in held:
            display_name, names = _names(users, email)
            persons.append(Entity(key, PERSON_TYPE, (PERSON_CLASS,), display_name,
                                  {"email": email, "emailDomain": email.rsplit("@", 1)[1], **names}))
        relationships += [Relationship(str(user["_key"]), str(user["_type"]), "IS", key, type_name) for user in users]
    return persons, relationships
