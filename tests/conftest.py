"""Shared fixtures: fake credentials, in-process moto, the sample account."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from moto import mock_aws

from aws_integration.engine.runner import CollectedGraph, RunOptions, ingest
from aws_integration.registry import Registry, default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, SampleAccount, seed_sample_account
from tests.moto_aio import moto_session

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials; no profile, endpoint or store from the developer's machine."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "AWS_INTEGRATION_")):
            monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))


@pytest.fixture
def moto() -> Iterator[None]:
    """An in-process moto account."""
    with mock_aws():
        yield


@pytest.fixture
def sample(moto: None) -> SampleAccount:
    """The sample account, seeded into in-process moto."""
    return seed_sample_account()


def collect(registry: Registry | None = None, options: RunOptions | None = None) -> CollectedGraph:
    """Run the engine against in-process moto."""
    return asyncio.run(
        ingest(registry or default_registry(), moto_session(), options or RunOptions(regions=SAMPLE_REGIONS))
    )
