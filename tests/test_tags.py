"""Tags to ``tag.*`` properties, exactly as users of asset graphs know them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_integration.graph.tags import flatten_tags, typed_tag_value


@pytest.mark.parametrize(
    ("raw", "typed"),
    [
        ("true", True), ("FALSE", False), ("True", True), ("42", 42), ("0", 0), ("007", "007"), ("3.14", 3.14),
        ("1.50", "1.50"), ("1.10", "1.10"), ("012345678901", "012345678901"), ("1234567890123456", "1234567890123456"),
        ("1.2.3", "1.2.3"), ("-5", "-5"), (".5", ".5"), ("1e5", "1e5"), ("", ""), ("yes", "yes"),
    ],
)
def test_tag_values_are_typed(raw: str, typed: object) -> None:
    value = typed_tag_value(raw)
    assert value == typed and type(value) is type(typed)


def test_tags_become_properties_with_derived_fields() -> None:
    tags = [
        {"Key": "Name", "Value": "web-1"},
        {"Key": "Environment", "Value": "production"},
        {"Key": "Classification", "Value": "Confidential"},
        {"Key": "owner", "Value": "Alice@Example.COM"},
        {"Key": "Email", "Value": "Bob@Example.com"},
        {"Key": "Monitored", "Value": "TRUE"},
        {"Key": "Ephemeral", "Value": ""},
        {"Key": "PatchGroup", "Value": "2"},
    ]
    result = flatten_tags(tags)
    assert result.name == "web-1"
    assert result.properties == {
        "tag.Name": "web-1",
        "tag.Environment": "production",
        "tag.Classification": "Confidential",
        "classification": "confidential",
        "tag.owner": "Alice@Example.COM",
        "owner": "alice@example.com",
        "tag.Email": "Bob@Example.com",
        "email": "bob@example.com",
        "tag.Monitored": True,
        "tag.Ephemeral": "",
        "tag.PatchGroup": 2,
        "tags": ["Monitored", "Ephemeral"],
    }


def test_lower_case_keys_and_plain_maps_are_accepted() -> None:
    assert flatten_tags([{"key": "NAME", "value": "db"}]).name == "db"
    assert flatten_tags({"Team": "platform", "name": "x"}).properties == {"tag.Team": "platform", "tag.name": "x"}


def test_empty_name_does_not_set_display_name_and_no_tags_is_nothing() -> None:
    assert flatten_tags([{"Key": "Name", "Value": ""}]).name is None
    assert flatten_tags(None).properties == {}
    assert flatten_tags([]).properties == {}


def test_account_name_is_added_when_asked() -> None:
    assert flatten_tags([{"Key": "a", "Value": "b"}], account_name="prod").properties["tag.AccountName"] == "prod"
    assert "tag.AccountName" not in flatten_tags([{"Key": "a", "Value": "b"}]).properties


def test_a_tag_without_key_is_a_missing_field() -> None:
    with pytest.raises(KeyError, match="Key"):
        flatten_tags([{"Value": "x"}])


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=20), max_size=10))
def test_every_tag_key_survives_with_its_case(tags: dict[str, str]) -> None:
    properties = flatten_tags(tags).properties
    for key, value in tags.items():
        assert properties[f"tag.{key}"] == typed_tag_value(value)


@given(st.text(max_size=40))
def test_typing_never_loses_what_the_tag_said(raw: str) -> None:
    typed = typed_tag_value(raw)
    if isinstance(typed, bool):
        assert raw.lower() == str(typed).lower()
    else:
        assert str(typed) == raw
