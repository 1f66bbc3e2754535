"""The engine's behaviour beyond the happy path: regions, failures, dependencies, contracts."""

from __future__ import annotations

import asyncio
import dataclasses

import boto3
import pytest
from moto import mock_aws

from aws_integration.integrations.aws.collectors import COLLECTOR_STEPS
from aws_integration.integrations.aws.declarations import ApiCall, Scope, StepDecl
from aws_integration.errors import IntegrationError
from aws_integration.steps.report import DisabledReason, StepStatus
from aws_integration.integrations.aws.engine.runner import RunOptions, ingest
from aws_integration.integrations.aws.mappers import MAPPERS
from aws_integration.integrations.aws.registry import Registry
from aws_integration.sample.seed import SAMPLE_REGIONS
from aws_integration.sample.seed import seed_sample_account
from tests.conftest import collect
from tests.moto_aio import moto_session


def _replace_step(step_id: str, **changes: object) -> Registry:
    steps = tuple(dataclasses.replace(step, **changes) if step.id == step_id else step for step in COLLECTOR_STEPS)
    return Registry(steps=steps, mappers=MAPPERS)


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    """A transform that fails on every item."""

    def transform(item, scope):  # type: ignore[no-untyped-def]
        raise error

    return transform


def _status(graph, step_id: str):  # type: ignore[no-untyped-def]
    return next(step for step in graph.report.steps if step.step_id == step_id)


def test_regions_narrow_the_run(moto: None) -> None:
    seed_sample_account()
    graph = collect(options=RunOptions(regions=("eu-west-1",)))
    regions = {entity.properties.get("region") for entity in graph.entities if entity.type == "aws_instance"}
    assert regions == {"eu-west-1"}
    # Global types do not depend on the regions chosen.
    assert sum(1 for entity in graph.entities if entity.type == "aws_s3_bucket") == 3


def test_unknown_region_is_a_clear_error(moto: None) -> None:
    with pytest.raises(IntegrationError, match="unknown or disabled region.*xx-nowhere-1"):
        collect(options=RunOptions(regions=("us-east-1", "xx-nowhere-1")))


def test_all_enabled_regions_are_used_by_default(moto: None) -> None:
    graph = collect(options=RunOptions())
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(graph.report.details["regions"])
    vpcs = {entity.properties["region"] for entity in graph.entities if entity.type == "aws_vpc"}
    assert vpcs == set(graph.report.details["regions"])  # moto makes a default VPC in every region


def test_a_failing_transform_fails_its_step_only(moto: None) -> None:
    seed_sample_account()
    graph = collect(_replace_step("fetch-ebs-volumes", transform=_raising(KeyError("VolumeId"))))
    volumes = _status(graph, "fetch-ebs-volumes")
    assert volumes.status is StepStatus.FAILURE and "has no field 'VolumeId'" in (volumes.message or "")
    assert graph.report.status == "failure"
    assert "aws_ebs_volume" in graph.partial_entity_types
    assert "aws_account_has_ebs_volume" in graph.partial_relationship_types
    assert _status(graph, "fetch-instances").status is StepStatus.SUCCESS
    assert not any(entity.type == "aws_ebs_volume" for entity in graph.entities)


def test_an_undeclared_entity_type_fails_the_step(moto: None) -> None:
    seed_sample_account()
    vpc_step = next(step for step in COLLECTOR_STEPS if step.id == "fetch-vpcs")
    graph = collect(_replace_step("fetch-subnets", transform=vpc_step.transform, fetch=None,
                                  calls=(ApiCall("ec2", "DescribeVpcs", "Vpcs"),)))
    subnets = _status(graph, "fetch-subnets")
    assert subnets.status is StepStatus.FAILURE
    assert "undeclared entity type aws_vpc" in (subnets.message or "")


def test_an_undeclared_call_fails_the_step(moto: None) -> None:
    async def sneaky(context):  # type: ignore[no-untyped-def]
        return await context.items(ApiCall("ec2", "DescribeSnapshots", "Snapshots"))

    graph = collect(_replace_step("fetch-ebs-volumes", fetch=sneaky))
    volumes = _status(graph, "fetch-ebs-volumes")
    assert volumes.status is StepStatus.FAILURE and "does not declare" in (volumes.message or "")


def test_a_failed_parent_disables_its_dependents(moto: None) -> None:
    seed_sample_account()
    graph = collect(_replace_step("fetch-iam-users", transform=_raising(ValueError("bad user"))))
    keys = _status(graph, "fetch-iam-access-keys")
    assert keys.status is StepStatus.DISABLED and keys.reason is DisabledReason.PARENT_DISABLED
    assert "fetch-iam-users (failure)" in (keys.message or "")
    assert "aws_iam_access_key" in graph.partial_entity_types


def test_mapper_is_disabled_when_a_network_step_fails(moto: None) -> None:
    graph = collect(_replace_step("fetch-route-tables", transform=_raising(ValueError("bad table"))))
    mapper = _status(graph, "map-public-networks")
    assert mapper.status is StepStatus.DISABLED and mapper.reason is DisabledReason.PARENT_DISABLED
    # Unknown, not guessed: the VPC step itself succeeded, so its entities are there with public = null.
    vpcs = [entity for entity in graph.entities if entity.type == "aws_vpc"]
    assert vpcs and all(entity.properties["public"] is None for entity in vpcs)
    assert "aws_vpc" not in graph.partial_entity_types
    assert "aws_subnet_uses_route_table" in graph.partial_relationship_types


def test_registry_rejects_inconsistent_declarations() -> None:
    step = COLLECTOR_STEPS[1]
    with pytest.raises(ValueError, match="duplicate step ids"):
        Registry(steps=(step, step))
    with pytest.raises(ValueError, match="unknown steps"):
        Registry(steps=(dataclasses.replace(step, depends_on=("fetch-nothing",)),))
    first = dataclasses.replace(step, id="a", depends_on=("b",))
    second = dataclasses.replace(COLLECTOR_STEPS[2], id="b", depends_on=("a",))
    with pytest.raises(ValueError, match="dependency cycle"):
        Registry(steps=(first, second))
    with pytest.raises(ValueError, match="paginated first call"):
        StepDecl("x", "x", "ec2", Scope.REGIONAL, step.entities, step.transform, (ApiCall("ec2", "DescribeAddresses"),))
    kms = next(step for step in COLLECTOR_STEPS if step.id == "fetch-kms-keys")
    with pytest.raises(ValueError, match="must not name them again"):
        dataclasses.replace(kms, calls=kms.calls[:1])


def test_services_left_out_by_the_configuration_are_disabled_but_the_account_is_not(sample) -> None:  # type: ignore[no-untyped-def]
    graph = collect(options=RunOptions(regions=SAMPLE_REGIONS, include_services=frozenset({"ec2"})))

    steps = {step.step_id: step for step in graph.report.steps}
    assert steps["fetch-account"].status is StepStatus.SUCCESS
    assert steps["fetch-instances"].status is StepStatus.SUCCESS
    assert (steps["fetch-s3-buckets"].status, steps["fetch-s3-buckets"].reason) == (StepStatus.DISABLED, DisabledReason.CONFIG)
    # A step that depends on a left-out step is left out too, for the same reason: nothing went wrong.
    assert steps["fetch-iam-access-keys"].status is StepStatus.DISABLED
    assert steps["fetch-iam-access-keys"].reason is DisabledReason.CONFIG
    assert graph.report.status == "success"
    assert "aws_s3_bucket" in graph.partial_entity_types
    assert not any(entity.type == "aws_iam_user" for entity in graph.entities)
    # The run's scope holds what it collected, nothing of what it left out.
    assert ("aws_instance", "us-east-1") in graph.units and ("aws_account", "") in graph.units
    assert not any(type_name in ("aws_s3_bucket", "aws_iam_access_key") for type_name, _ in graph.units)


def test_a_dependency_that_failed_still_disables_its_dependents_as_parent_disabled(sample) -> None:  # type: ignore[no-untyped-def]
    registry = _replace_step("fetch-iam-users", transform=_raising(ValueError("boom")))
    graph = asyncio.run(ingest(registry, moto_session(), RunOptions(regions=SAMPLE_REGIONS,
                                                                     exclude_services=frozenset({"s3"}))))
    assert _status(graph, "fetch-iam-access-keys").reason is DisabledReason.PARENT_DISABLED
    assert graph.report.status == "failure"


def _only(*step_ids: str) -> Registry:
    return Registry(steps=tuple(step for step in COLLECTOR_STEPS if step.id in step_ids), mappers=())


@pytest.mark.parametrize(("groups", "chain"), [(10, 4), (55, 5)])
def test_the_longest_call_chain_counts_pages_one_after_another(moto: None, groups: int, chain: int) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for index in range(groups):  # moto answers DescribeLogGroups 50 at a time
        logs.create_log_group(logGroupName=f"/chain/{index:02d}")
    graph = collect(_only("fetch-log-groups"), RunOptions(regions=("us-east-1",), check_permissions=False))
    # GetCallerIdentity, then DescribeRegions, then each page of log groups, then each group's tags
    assert graph.report.longest_call_chain == chain


def test_the_longest_call_chain_follows_declared_dependencies(moto: None) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.generate_credential_report()  # made already: each run asks for it once, then reads it
    options = RunOptions(regions=("us-east-1",), check_permissions=False)
    users = collect(_only("fetch-iam-users"), options).report.longest_call_chain
    with_keys = collect(_only("fetch-iam-users", "fetch-iam-access-keys"), options).report.longest_call_chain
    # preflight (2); ListUsers alongside GetAccountAuthorizationDetails and GenerateCredentialReport, which
    # GetCredentialReport follows; then ListAccessKeys, then GetAccessKeyLastUsed
    assert (users, with_keys) == (4, 6)


def test_listings_ask_for_their_declared_page_size() -> None:
    sent: dict[str, dict[str, object]] = {}

    def observe(model: object, params: dict[str, object], **_: object) -> None:
        sent[model.name] = dict(params["body"])  # type: ignore[attr-defined, call-overload]

    session = moto_session()
    session.register("before-call.ec2", observe)
    with mock_aws():
        graph = asyncio.run(ingest(
            Registry(COLLECTOR_STEPS, MAPPERS),
            session,
            RunOptions(regions=(SAMPLE_REGIONS[0],), include_services=frozenset({"ec2"}), check_permissions=False),
        ))
    assert "failure" not in {step.status.value for step in graph.report.steps}
    asked = {operation: str(body.get("MaxResults")) for operation, body in sent.items()}
    assert asked["DescribeInstances"] == "1000" and asked["DescribeVolumes"] == "500"
    assert asked["DescribeRouteTables"] == "100" and asked["DescribeSnapshots"] == "1000"
    assert asked["DescribeAddresses"] == "None"  # no page size where none is declared


def test_a_listing_is_transformed_page_by_page(moto: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for index in range(120):  # moto answers DescribeLogGroups 50 at a time
        logs.create_log_group(logGroupName=f"/paged/{index:03d}")
    events: list[str] = []

    def transform(item, scope):  # type: ignore[no-untyped-def]
        events.append("item")
        return iter(())

    listing = next(step for step in COLLECTOR_STEPS if step.id == "fetch-log-groups")
    step = dataclasses.replace(listing, fetch=None, transform=transform)  # the default fetch: the declared listing
    session = moto_session()
    session.register("before-call.cloudwatch-logs.DescribeLogGroups", lambda **_: events.append("page"))
    graph = asyncio.run(ingest(Registry(steps=(step,), mappers=()), session,
                               RunOptions(regions=("us-east-1",), check_permissions=False)))
    assert _status(graph, "fetch-log-groups").status is StepStatus.SUCCESS
    assert (events.count("page"), events.count("item")) == (3, 120)
    assert events.index("item") < events.index("page", 1)  # page one was transformed before page two was asked for


def test_details_are_asked_while_the_listing_goes_on(moto: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for index in range(120):  # moto answers DescribeLogGroups 50 at a time
        logs.create_log_group(logGroupName=f"/paged/{index:03d}", tags={"index": f"group-{index}"})
    events: list[str] = []
    listing = next(step for step in COLLECTOR_STEPS if step.id == "fetch-log-groups")  # lists, then tags each group
    session = moto_session()
    session.register("before-call.cloudwatch-logs.DescribeLogGroups", lambda **_: events.append("page"))
    session.register("before-call.cloudwatch-logs.ListTagsForResource", lambda **_: events.append("detail"))
    graph = asyncio.run(ingest(Registry(steps=(listing,), mappers=()), session,
                               RunOptions(regions=("us-east-1",), check_permissions=False)))
    groups = sorted((e for e in graph.entities if e.type == "aws_cloudwatch_log_group"), key=lambda e: e.display_name)
    assert [group.properties["tag.index"] for group in groups] == [f"group-{index}" for index in range(120)]
    assert (events.count("page"), events.count("detail")) == (3, 120)
    assert events.index("detail") < len(events) - 1 - events[::-1].index("page")  # before the last page was asked


def test_tag_with_account_name_alone_tags_with_the_alias_else_the_id(moto: None) -> None:
    seed_sample_account()
    graph = collect(options=RunOptions(regions=SAMPLE_REGIONS[:1], tag_with_account_name=True))
    names = {entity.properties.get("tag.AccountName") for entity in graph.entities}
    assert names == {"123456789012"}, names  # the sample account has no alias
    boto3.client("iam").create_account_alias(AccountAlias="acme-prod")
    graph = collect(options=RunOptions(regions=SAMPLE_REGIONS[:1], tag_with_account_name=True))
    assert {entity.properties.get("tag.AccountName") for entity in graph.entities} == {"acme-prod"}
    named = collect(options=RunOptions(regions=SAMPLE_REGIONS[:1], tag_with_account_name=True, account_name="given"))
    assert {entity.properties.get("tag.AccountName") for entity in named.entities} == {"given"}
