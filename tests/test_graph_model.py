"""Entity and relationship rules: keys, derived types, property shapes, class schemas."""

import pytest

from aws_integration.graph.model import Entity, GraphError, Relationship, relationship_key, relationship_type
from aws_integration.graph.schema import validate_entity


@pytest.mark.parametrize(
    ("from_type", "verb", "to_type", "expected"),
    [
        ("aws_vpc", "CONTAINS", "aws_subnet", "aws_vpc_contains_subnet"),
        ("aws_iam_group", "CONTAINS", "aws_iam_user", "aws_iam_group_contains_user"),
        ("aws_account", "HAS", "aws_iam_user", "aws_account_has_iam_user"),
        ("aws_vpc", "CONNECTS", "aws_vpc", "aws_vpc_connects_vpc"),
        ("aws_iam_user", "IS", "person", "aws_iam_user_is_person"),
        ("aws_security_group", "PROTECTS", "aws_instance", "aws_security_group_protects_instance"),
    ],
)
def test_relationship_type_drops_the_shared_prefix(from_type: str, verb: str, to_type: str, expected: str) -> None:
    assert relationship_type(from_type, verb, to_type) == expected


def test_relationship_key_and_shape() -> None:
    rel = Relationship("vpc-key", "aws_vpc", "CONTAINS", "subnet-key", "aws_subnet")
    assert rel.key == relationship_key("vpc-key", "CONTAINS", "subnet-key") == "vpc-key|contains|subnet-key"
    assert rel.to_dict() == {
        "_key": "vpc-key|contains|subnet-key",
        "_type": "aws_vpc_contains_subnet",
        "_class": "CONTAINS",
        "_fromEntityKey": "vpc-key",
        "_toEntityKey": "subnet-key",
        "displayName": "CONTAINS",
    }


def test_relationship_rejects_lower_case_verbs_and_empty_keys() -> None:
    with pytest.raises(GraphError, match="upper case"):
        Relationship("a", "aws_vpc", "contains", "b", "aws_subnet")
    with pytest.raises(GraphError, match="empty endpoint"):
        Relationship("", "aws_vpc", "CONTAINS", "b", "aws_subnet")


def test_entity_class_is_a_string_when_single_and_a_list_when_many() -> None:
    host = Entity("k1", "aws_instance", ("Host",), "web", {"instanceId": "i-1"})
    disk = Entity("k2", "aws_ebs_volume", ("DataStore", "Disk"), "vol", {})
    assert host.to_dict() == {"_key": "k1", "_type": "aws_instance", "_class": "Host", "displayName": "web", "instanceId": "i-1"}
    assert disk.to_dict()["_class"] == ["DataStore", "Disk"]


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"nested": {"a": 1}}, "must be a string"),
        ({"mixed": [1, {"a": 1}]}, "must be a string"),
        ({"_key": "x"}, "reserved"),
    ],
)
def test_entity_properties_must_be_flat(properties: dict, message: str) -> None:
    with pytest.raises(GraphError, match=message):
        Entity("k", "aws_instance", ("Host",), "x", properties)


def test_entity_type_must_be_snake_case_and_key_non_empty() -> None:
    with pytest.raises(GraphError, match="lower_snake_case"):
        Entity("k", "AwsInstance", ("Host",), "x")
    with pytest.raises(GraphError, match="empty _key"):
        Entity("", "aws_instance", ("Host",), "x")


def test_schema_requires_datastore_and_network_properties() -> None:
    validate_entity(Entity("b", "aws_s3_bucket", ("DataStore",), "b", {"classification": None, "encrypted": False}))
    with pytest.raises(GraphError, match="requires property 'encrypted'"):
        validate_entity(Entity("b", "aws_s3_bucket", ("DataStore",), "b", {"classification": None}))
    with pytest.raises(GraphError, match="requires property 'public'"):
        validate_entity(Entity("v", "aws_vpc", ("Network",), "v", {"CIDR": "10.0.0.0/16", "internal": True}))
    with pytest.raises(GraphError, match="unknown _class"):
        validate_entity(Entity("v", "aws_vpc", ("Netwerk",), "v", {}))
