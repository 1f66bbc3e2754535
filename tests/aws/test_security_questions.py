"""The saved security questions, asked of the sample account and console: each has its expected answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aws_integration.cli import main
from aws_integration.graph.model import Entity, Relationship
from aws_integration.integrations import declared_properties
from aws_integration.integrations.sentinelone import transforms
from aws_integration.integrations.sentinelone.transforms import ConsoleContext
from aws_integration.query import parse_query
from aws_integration.query.questions import SECURITY_QUESTIONS
from aws_integration.query.run import query_warnings, run_query
from aws_integration.sample.seed import HOME_REGION, VENDOR_ACCOUNT, SampleAccount, seed_sample_account
from aws_integration.sample.sentinelone_console import ConsoleData
from aws_integration.sample.sentinelone_seed import SITES, cloud_hosts, sample_console
from aws_integration.store import GraphBatch, GraphStore
from aws_integration.store.derivations import open_graph_store
from tests.conftest import collect, fake_aws_environment

QUERY_DOC = Path(__file__).resolve().parents[2] / "docs" / "query.md"
ALL_PATHS = 21
AGENTS = 400  # enough for a few infected ones


def _console_records(data: ConsoleData) -> tuple[list[Entity], list[Relationship]]:
    """The console's objects as the SentinelOne steps transform them."""
    context = ConsoleContext("console.example.net", {site["id"]: site["accountId"] for site in data.sites})
    records = [record for transform, raws in ((transforms.account, data.accounts), (transforms.site, data.sites),
                                              (transforms.group, data.groups), (transforms.agent, data.agents))
               for raw in raws for record in transform(raw, context)]
    return ([record for record in records if isinstance(record, Entity)],
            [record for record in records if isinstance(record, Relationship)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory,
          module_store_location: str) -> Iterator[tuple[SampleAccount, ConsoleData, GraphStore]]:
    """The sample account, and the sample console with agents on two of its instances (as ``make demo`` has them)."""
    with fake_aws_environment(tmp_path_factory.mktemp("home")), mock_aws():
        sample = seed_sample_account()
        graph = collect()
        described = boto3.client("ec2", region_name=HOME_REGION).describe_instances(
            InstanceIds=[sample.web_instances[0], sample.db_instance])
    console = sample_console(cloud_hosts(described), agents=AGENTS)
    with open_graph_store(module_store_location) as store:
        report = graph.report
        store.commit_run(GraphBatch("aws:123456789012", graph.entities, graph.relationships, set(), set(),
                                    report.status, report.started_at, report.finished_at))
        agents, edges = _console_records(console)
        store.commit_run(GraphBatch("sentinelone:sample", agents, edges, set(), set(), "success",
                                    report.started_at, report.finished_at))
        yield sample, console, store


def _answer(store: GraphStore, name: str, now: datetime | None = None) -> list[tuple[Any, ...]]:
    question = next(question for question in SECURITY_QUESTIONS if question.name == name)
    return sorted(tuple(row.values()) for row in run_query(store, parse_query(question.query), now).records())


def _infected(console: ConsoleData) -> list[tuple[Any, ...]]:
    sites = dict(SITES)
    return sorted((agent["computerName"], agent["activeThreats"], sites[agent["siteId"]])
                  for agent in console.agents if agent["infected"])


# Each question's answer on the sample: a function of what the seed created (IDs are moto's).
EXPECTED: dict[str, Callable[[SampleAccount, ConsoleData], list[tuple[Any, ...]]]] = {
    "ssh-open-to-internet": lambda sample, _: [("web", sample.public_vpc, "0.0.0.0/0")],
    "rdp-open-to-internet": lambda sample, _: [("web", sample.public_vpc, "0.0.0.0/0")],
    "instances-exposed-to-internet": lambda sample, _: [("web-1", "us-east-1")],  # web-2 has no public address
    "imdsv1-instances": lambda sample, _: [("db-1", "us-east-1"), ("staging-worker", "eu-west-1"),
                                           ("web-1", "us-east-1"), ("web-2", "us-east-1")],
    "public-buckets": lambda sample, _: [("sample-public-assets", False, ["AllUsers:READ"])],
    "unencrypted-buckets": lambda sample, _: [("sample-eu-customer-data", "eu-west-1"),
                                              ("sample-public-assets", "us-east-1")],
    "buckets-without-public-access-block": lambda sample, _: [("sample-eu-customer-data", "restricted"),
                                                              ("sample-public-assets", None)],
    # the root volumes moto gives instances; db-1's encrypted data volume is not one
    "unencrypted-volumes": lambda sample, _: [("db-1", 8, "us-east-1"), ("staging-worker", 8, "eu-west-1"),
                                              ("web-1", 8, "us-east-1"), ("web-2", 8, "us-east-1")],
    "unencrypted-databases": lambda sample, _: [("aws_db_instance", sample.database)],
    "public-snapshots-and-images": lambda sample, _: [("aws_ebs_snapshot", "db-data-export", None)],
    "ebs-encryption-by-default-off": lambda sample, _: [("eu-west-1",), ("us-east-1",)],
    "keys-without-rotation": lambda sample, _: [
        ("Default master key that protects my EBS volumes when no other key is defined", "us-east-1")],
    "admin-policies": lambda sample, _: [("aws_iam_policy", "break-glass")],
    "console-without-mfa": lambda sample, _: [("bob@example.com", None)],
    "root-without-mfa": lambda sample, _: [("123456789012",)],
    "root-access-keys": lambda sample, _: [],
    "unused-access-keys": lambda sample, _: [("ci-deployer", None)],  # created by the seed, never used
    "old-access-keys": lambda sample, _: [],  # all created today (see the test a hundred days on)
    "weak-password-policy": lambda sample, _: [("123456789012", False, None)],  # no policy: IAM's defaults
    "users-outside-groups": lambda sample, _: [("bob@example.com",), ("ci-deployer",)],
    "users-with-own-policies": lambda sample, _: [("bob@example.com", "aws_iam_policy", "read-audit-logs"),
                                                  ("ci-deployer", "aws_iam_user_policy", "deploy")],
    "trusted-from-outside": lambda sample, _: [("vendor-audit", VENDOR_ACCOUNT)],
    "no-multi-region-trail": lambda sample, _: [("123456789012",)],
    "instances-without-endpoint-agent": lambda sample, _: [("staging-worker", "eu-west-1"), ("web-2", "us-east-1")],
    "infected-endpoints": lambda _, console: _infected(console),
}


def test_there_are_at_least_25_questions_each_with_a_distinct_name() -> None:
    assert len(SECURITY_QUESTIONS) >= 25
    assert len({question.name for question in SECURITY_QUESTIONS}) == len(SECURITY_QUESTIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_question_has_its_answer(world: tuple[SampleAccount, ConsoleData, GraphStore], name: str) -> None:
    sample, console, store = world
    assert _answer(store, name) == EXPECTED[name](sample, console)


def test_every_question_is_checked_and_names_only_what_is_declared(
        world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    checked_elsewhere = {"all-traffic-from-internet", "subnets-without-flow-logs", "privilege-escalation"}
    assert set(EXPECTED) | checked_elsewhere == {question.name for question in SECURITY_QUESTIONS}
    for question in SECURITY_QUESTIONS:
        assert query_warnings(world[2], parse_query(question.query), declared_properties()) == [], question.name


def test_the_infected_endpoints_are_some(world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    assert 0 < len(_infected(world[1])) < 10  # the question above then tells something


def test_firewalls_open_to_all_traffic(world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    sample, _, store = world
    answer = _answer(store, "all-traffic-from-internet")
    # the four VPCs' default network ACLs let everything in (their rule 100); no security group does
    assert {row[0] for row in answer} == {"aws_network_acl"} and len(answer) == 4
    assert {sample.public_vpc, sample.private_vpc} <= {row[1] for row in answer}


def test_subnets_without_flow_logs(world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    sample, _, store = world
    per_vpc = dict(_answer(store, "subnets-without-flow-logs"))
    assert per_vpc[sample.public_vpc] == 2 and per_vpc[sample.private_vpc] == 1
    assert sum(per_vpc.values()) == 12  # with the default VPCs' subnets


def test_privilege_escalation(world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    answers = {name: paths for _, name, paths in _answer(world[2], "privilege-escalation")}
    assert set(answers) == {"break-glass", "deploy"}
    assert answers["deploy"] == ["pass-role-to-ec2"] and len(answers["break-glass"]) == ALL_PATHS


def test_keys_age_into_the_old_keys_question(world: tuple[SampleAccount, ConsoleData, GraphStore]) -> None:
    later = datetime.now(timezone.utc) + timedelta(days=100)
    assert _answer(world[2], "old-access-keys", later) == [("ci-deployer",)]


def test_the_questions_command_lists_and_runs_them(world: tuple[SampleAccount, ConsoleData, GraphStore],
                                                   module_store_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = module_store_location
    assert main(["questions"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[:len(SECURITY_QUESTIONS)]] == [q.name for q in SECURITY_QUESTIONS]
    assert listed[-1] == f"{len(SECURITY_QUESTIONS)} questions; run them with 'aws-integration questions --run' (or name some)"
    assert main(["questions", "rdp-open-to-internet", "root-access-keys", "--store", store]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## rdp-open-to-internet: Which security groups open RDP to the internet?\n")
    assert "## root-access-keys: Which accounts' root user has access keys?\na.accountId\n(0 rows)" in out
    assert out.endswith("1 of 2 questions have findings\n")
    assert main(["questions", "--run", "--store", store, "--format", "json"]) == 0
    answers = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert answers["trusted-from-outside"]["rows"] == [{"role.roleName": "vendor-audit", "a.accountId": VENDOR_ACCOUNT}]
    assert set(answers) == {question.name for question in SECURITY_QUESTIONS}
    assert main(["questions", "rdp-open-to-internt", "--store", store]) == 2
    assert capsys.readouterr().err == ("aws-integration: error: no saved question 'rdp-open-to-internt' (did you mean "
                                       "rdp-open-to-internet?): 'aws-integration questions' lists them\n")


def test_the_docs_list_every_question_with_its_query() -> None:
    text = QUERY_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (.+\?) \| `(.+)` \|$", text, flags=re.M)
    # a | inside a table cell is written \| (GitHub's tables split cells at a bare one, in code too)
    assert rows == [(question.name, question.text, question.query.replace("|", "\\|")) for question in SECURITY_QUESTIONS]
