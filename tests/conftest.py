"""Shared fixtures: fake credentials, in-process moto, the sample account."""

from __future__ import annotations

import asyncio
import contextlib
import os
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from pathlib import Path

import pytest
from moto import mock_aws

from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions, ingest
from aws_integration.sample.moto_server import MotoServer
from aws_integration.integrations.aws.registry import Registry, default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, SampleAccount, seed_sample_account
from tests.moto_aio import moto_session
from tests.servers import PostgresServer, RedisServer, ServerMissing, postgres_server, redis_server

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextlib.contextmanager
def fake_aws_environment(home: Path) -> Iterator[None]:
    """Fake credentials; no profile, endpoint or store from the developer's machine."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name, raising=False)
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        patch.setenv("XDG_DATA_HOME", str(home / "data"))
        yield


@pytest.fixture(autouse=True)
def aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test runs with fake credentials."""
    with fake_aws_environment(tmp_path_factory.mktemp("home")):
        yield


@pytest.fixture(scope="module")
def sampled_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleAccount, CollectedGraph]]:
    """The sample account in moto and one run over it, shared by a module's read-only tests."""
    with fake_aws_environment(tmp_path_factory.mktemp("home")), mock_aws():
        sample = seed_sample_account()
        yield sample, collect(
            options=RunOptions(regions=SAMPLE_REGIONS, account_name="sample", tag_with_account_name=True)
        )


@pytest.fixture
def moto() -> Iterator[None]:
    """An in-process moto account."""
    with mock_aws():
        yield


@pytest.fixture
def sample(moto: None) -> SampleAccount:
    """The sample account, seeded into in-process moto."""
    return seed_sample_account()


# moto cannot verify the SigV4 signatures of these services' REST requests while it
# enforces IAM: every call fails (SignatureDoesNotMatch, or an empty error) whatever the
# policy. Runs under enforcement leave them out; S3, also REST, is handled by moto.
# CloudWatch, MSK and OpenSearch: moto names the action after the signing name and the
# request path (monitoring:..., not cloudwatch:...), so it denies what IAM would allow.
# Amazon MQ, AppSync, Batch, Backup, Security Hub and Macie (REST too): moto answers 403 to
# every signed call under enforcement.
MOTO_UNVERIFIABLE_SERVICES = frozenset(
    {"apigateway", "apigatewayv2", "cloudfront", "efs", "eks", "guardduty", "lambda", "route53",
     "cloudwatch", "kafka", "opensearch", "mq", "appsync", "batch", "backup", "securityhub",
     "macie2"}
)


def enforceable_registry() -> Registry:
    """The default registry without the services moto cannot authenticate under IAM enforcement."""
    registry = default_registry()
    steps = tuple(step for step in registry.steps if step.service not in MOTO_UNVERIFIABLE_SERVICES)
    return Registry(steps=steps, mappers=registry.mappers)


def collect(registry: Registry | None = None, options: RunOptions | None = None) -> CollectedGraph:
    """Run the engine against in-process moto; every record it made keeps to its declared properties."""
    registry = registry or default_registry()
    graph = asyncio.run(ingest(registry, moto_session(), options or RunOptions(regions=SAMPLE_REGIONS)))
    problems = [problem for record in (*graph.entities, *graph.relationships)
                for problem in registry.property_problems(record)]
    assert not problems, problems[:20]
    return graph


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    """moto's server on 127.0.0.1, shared by a module's end-to-end tests."""
    with MotoServer() as running:
        yield running


@pytest.fixture
def endpoint(server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server, emptied, as this test's ``AWS_ENDPOINT_URL``."""
    server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    return server.url


class _WebhookHandler(BaseHTTPRequestHandler):
    """Records each POST; answers with the next of ``server.statuses`` (default 204), or stalls 3 s."""

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        server: Any = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.received.append((self.path, self.headers["Content-Type"], body))
        status = server.statuses.pop(0) if server.statuses else 204
        if status == "stall":
            time.sleep(3)
            status = 204
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def hook() -> Iterator[Any]:
    """A webhook receiver on 127.0.0.1: ``.received`` (path, content type, JSON), ``.statuses`` to answer."""
    receiver: Any = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookHandler)
    receiver.received, receiver.statuses = [], []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    yield receiver
    receiver.shutdown()
    receiver.server_close()


STORE_BACKENDS = ("sqlite", "postgresql")
Served = TypeVar("Served")


def _serving(server: contextlib.AbstractContextManager[Served], needed_by: str) -> Iterator[Served]:
    """A server for the test session; the tests that need it are skipped, with the reason, where it is missing."""
    with contextlib.ExitStack() as stack:
        try:
            started = stack.enter_context(server)
        except ServerMissing as missing:
            pytest.skip(f"{missing}: {needed_by}")
        yield started


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session."""
    yield from _serving(postgres_server(), "the PostgreSQL tests need it")


@pytest.fixture(params=STORE_BACKENDS)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store lives, once per backend: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "graph.sqlite")
    return request.getfixturevalue("postgres").database()


@pytest.fixture(scope="module", params=STORE_BACKENDS)
def module_store_location(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where a module's shared store lives, once per backend (for read-only tests over one graph)."""
    if request.param == "sqlite":
        return str(tmp_path_factory.mktemp("store") / "graph.sqlite")
    return request.getfixturevalue("postgres").database()


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    """One Redis server for the test session."""
    yield from _serving(redis_server(), "the worker tests need it")
