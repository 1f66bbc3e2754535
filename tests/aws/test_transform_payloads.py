"""Transforms fed API-shaped payloads (hypothesis): never a crash.

Items are generated from botocore's own output shapes (every field may be missing, as
AWS leaves out what a resource does not have), for every step whose items are declared
as data: the default fetch (the items of its first call) and list-then-describe fetches
(the listed item plus each detail call's answer). A transform either produces entities
and relationships that pass the graph schema, or fails with a ``KeyError`` naming a
field of the shape (which the runner reports as the step's failure).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from aws_integration.integrations.aws.collectors.common import ListThenDescribe
from aws_integration.integrations.aws.declarations import StepDecl
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.integrations.aws.engine.runner import RunOptions
from aws_integration.steps.runner import Contract
from aws_integration.graph.model import Entity, GraphError
from aws_integration.integrations.aws.registry import Registry, default_registry
from tests.conftest import collect

SCOPE = TransformContext("aws", "123456789012", "us-east-1", "payloads")
MAX_DEPTH = 5


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _names(shape: Shape, depth: int = 0) -> set[str]:
    """Every member name of a shape, at any depth (the fields a transform may ask for)."""
    if depth > MAX_DEPTH:
        return set()
    if isinstance(shape, StructureShape):
        names = set(shape.members)
        for member in shape.members.values():
            names |= _names(member, depth + 1)
        return names
    if isinstance(shape, ListShape):
        return _names(shape.member, depth + 1)
    if isinstance(shape, MapShape):
        return _names(shape.value, depth + 1)
    return set()


def _text(name: str) -> st.SearchStrategy[str]:
    if name.lower().endswith("arn"):  # AWS always answers a well-formed ARN where the model says Arn
        return st.sampled_from([
            "arn:aws:iam::123456789012:role/app", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd", "arn:aws:s3:::bucket",
        ])
    return st.text(min_size=0, max_size=12)


def strategy(shape: Shape, name: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a botocore shape; every structure member optional."""
    if depth > MAX_DEPTH:
        return st.none()
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        return st.fixed_dictionaries(
            {}, optional={member: strategy(inner, member, depth + 1) for member, inner in shape.members.items()}
        )
    if isinstance(shape, ListShape):
        return st.lists(strategy(shape.member, name, depth + 1), max_size=3)
    if isinstance(shape, MapShape):
        return st.dictionaries(st.text(max_size=8), strategy(shape.value, name, depth + 1), max_size=3)
    if kind == "string":
        enum = shape.enum
        return st.sampled_from(enum) if enum else _text(name)
    if kind in ("integer", "long"):
        return st.integers(min_value=-1, max_value=2**40)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                            timezones=st.just(timezone.utc))
    if kind == "blob":
        return st.binary(max_size=16)
    return st.none()


def _output_member(service: str, operation: str, result_key: str | None) -> Shape:
    """The shape an item of a declared call's result has (the call's whole answer without a result key)."""
    shape: Shape = _model(service).operation_model(operation).output_shape
    for part in (result_key or "").split("."):
        if part:
            assert isinstance(shape, StructureShape)
            shape = shape.members[part]
    return shape.member if isinstance(shape, ListShape) else shape


def item_strategy(step: StepDecl) -> tuple[st.SearchStrategy[dict[str, Any]], set[str]] | None:
    """Raw items of a step and the field names they may hold, when its fetch is declared as data."""
    if step.fetch is None:
        call = step.calls[0]
        shape = _output_member(call.service, call.operation, call.result_key)
        return strategy(shape), _names(shape)
    if not isinstance(step.fetch, ListThenDescribe):
        return None
    fetch = step.fetch
    listed_call = fetch.listing
    listed_shape = _output_member(listed_call.service, listed_call.operation, listed_call.result_key)
    listed = strategy(listed_shape)
    if fetch.as_item is not None:
        listed = listed.map(fetch.as_item)
    names = _names(listed_shape)
    details = {}
    for detail in fetch.details:
        call = detail.call
        shape = _output_member(call.service, call.operation, call.result_key)
        if not call.paginated:
            for part in (detail.pick or "").split("."):
                if part:
                    assert isinstance(shape, StructureShape)
                    shape = shape.members[part]
        names |= _names(shape) | {detail.field}
        answer = strategy(shape)
        details[detail.field] = st.lists(answer, max_size=3) if call.paginated else st.one_of(st.none(), answer)

    def merge(parts: tuple[Mapping[str, Any], Mapping[str, Any]]) -> dict[str, Any]:
        item = dict(parts[0]) if isinstance(parts[0], Mapping) else {"value": parts[0]}
        return {**item, **parts[1]}

    return st.tuples(listed, st.fixed_dictionaries(details)).map(merge), names


REGISTRY = default_registry()
STEPS = [step for step in REGISTRY.steps if item_strategy(step) is not None]


def test_most_steps_declare_their_items_as_data() -> None:
    assert len(STEPS) >= 30, [step.id for step in STEPS]


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.id)
def test_a_transform_never_crashes_on_what_aws_may_answer(step: StepDecl) -> None:
    items, names = item_strategy(step)  # type: ignore[misc]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(items)
    def check(item: dict[str, Any]) -> None:
        try:
            produced = list(step.transform(item, SCOPE))
        except KeyError as missing:  # tag_pairs calls a tag's key "Key" in every tag format (TagKey, key)
            assert missing.args[0] in names | {"Key"}, f"{step.id} asked for {missing.args[0]!r}, which is not in the shape"
            return
        contract = Contract.of(step)
        for thing in produced:
            contract.check(thing)  # declared types, schema-valid entities
            assert not REGISTRY.property_problems(thing)  # declared properties, of their declared kinds

    check()


def test_a_missing_field_fails_the_step_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = default_registry()
    vpcs = next(step for step in registry.steps if step.id == "fetch-vpcs")

    def without_vpc_id(item: dict[str, Any], scope: TransformContext) -> Any:
        return vpcs.transform({key: value for key, value in item.items() if key != "VpcId"}, scope)

    account = next(step for step in registry.steps if step.id == "fetch-account")
    broken = Registry(steps=(account, StepDecl(**{**vpcs.__dict__, "transform": without_vpc_id})), mappers=())
    with mock_aws():
        report = collect(broken, RunOptions(regions=("us-east-1",), check_permissions=False)).report
    result = next(step for step in report.steps if step.step_id == "fetch-vpcs")
    assert result.status.value == "failure"
    assert result.message == "us-east-1: a resource AWS described has no field 'VpcId', which fetch-vpcs needs"


def test_graph_errors_are_the_only_other_refusal() -> None:
    """The schema check the property test relies on does refuse a bad entity."""
    vpcs = next(step for step in default_registry().steps if step.id == "fetch-vpcs")
    with pytest.raises(GraphError):
        Contract.of(vpcs).check(Entity("k", "aws_subnet", ("Network",), "k", {}))
    assert inspect.isasyncgenfunction(ListThenDescribe.__call__)  # a fetch that streams its items
