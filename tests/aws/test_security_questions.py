"""The security questions of docs/query.md, asked of the sample account: each has its expected answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from aws_integration.query import parse_query
from aws_integration.query.questions import SECURITY_QUESTIONS
from aws_integration.query.run import run_query
from aws_integration.sample.seed import VENDOR_ACCOUNT, SampleAccount, seed_sample_account
from aws_integration.store import GraphBatch, SqliteStore
from aws_integration.store.derivations import open_graph_store
from tests.conftest import collect, fake_aws_environment

QUERY_DOC = Path(__file__).resolve().parents[2] / "docs" / "query.md"
ALL_PATHS = 21


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleAccount, SqliteStore]]:
    with fake_aws_environment(tmp_path_factory.mktemp("home")), mock_aws():
        sample = seed_sample_account()
        graph = collect()
    with open_graph_store(tmp_path_factory.mktemp("questions") / "graph.sqlite") as store:
        report = graph.report
        store.commit_run(GraphBatch("aws:123456789012", graph.entities, graph.relationships, set(), set(),
                                    report.status, report.started_at, report.finished_at))
        yield sample, store


def _answer(store: SqliteStore, name: str) -> list[tuple[Any, ...]]:
    question = next(question for question in SECURITY_QUESTIONS if question.name == name)
    return sorted(tuple(row.values()) for row in run_query(store, parse_query(question.query)).records())


def test_ssh_open_to_the_internet(world: tuple[SampleAccount, SqliteStore]) -> None:
    sample, store = world
    assert _answer(store, "ssh-open-to-internet") == [("web", sample.public_vpc, "0.0.0.0/0")]


def test_administrator_policies(world: tuple[SampleAccount, SqliteStore]) -> None:
    assert _answer(world[1], "admin-policies") == [("aws_iam_policy", "break-glass")]


def test_privilege_escalation(world: tuple[SampleAccount, SqliteStore]) -> None:
    answers = {name: paths for _, name, paths in _answer(world[1], "privilege-escalation")}
    assert set(answers) == {"break-glass", "deploy"}
    assert answers["deploy"] == ["pass-role-to-ec2"] and len(answers["break-glass"]) == ALL_PATHS


def test_public_buckets(world: tuple[SampleAccount, SqliteStore]) -> None:
    assert _answer(world[1], "public-buckets") == [("sample-public-assets", False, ["AllUsers:READ"])]


def test_public_snapshots_and_images(world: tuple[SampleAccount, SqliteStore]) -> None:
    assert _answer(world[1], "public-snapshots-and-images") == [("aws_ebs_snapshot", "db-data-export", None)]


def test_console_users_without_mfa(world: tuple[SampleAccount, SqliteStore]) -> None:
    assert _answer(world[1], "console-without-mfa") == [("bob@example.com", None)]


def test_roles_trusted_from_outside(world: tuple[SampleAccount, SqliteStore]) -> None:
    assert _answer(world[1], "trusted-from-outside") == [("vendor-audit", VENDOR_ACCOUNT)]


def test_the_docs_list_every_question_with_its_query() -> None:
    text = QUERY_DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (.+\?) \| `(.+)` \|$", text, flags=re.M))
    assert rows == {question.text: question.query for question in SECURITY_QUESTIONS}
