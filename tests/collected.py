"""Helpers the collector tests share: one seeded moto account, collected once per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from moto import mock_aws

from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions
from aws_integration.graph.model import Entity
from aws_integration.steps.report import DisabledReason
from tests.conftest import collect, fake_aws_environment
from tests.moto_quirks import MOTO_LACKS

REGION = "us-east-1"
ACCOUNT = "123456789012"
Seeded = TypeVar("Seeded")


def collected_world(
    seed: Callable[[], Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Seeded, CollectedGraph]]:
    """Seed a fresh in-process moto account with ``seed`` and collect it once (one region)."""
    with fake_aws_environment(tmp_path_factory.mktemp("home")), mock_aws():
        seeded = seed()
        yield seeded, collect(options=RunOptions(regions=(REGION,)))


def entities_of(graph: CollectedGraph, type_name: str, by: str = "displayName") -> dict[str, Entity]:
    """The graph's entities of one type, by display name (or by ``_key``)."""
    return {(entity.key if by == "_key" else entity.display_name): entity
            for entity in graph.entities if entity.type == type_name}


def edges(graph: CollectedGraph, type_name: str) -> set[tuple[str, str]]:
    """The (from, to) keys of the graph's relationships of one type."""
    return {(rel.from_key, rel.to_key) for rel in graph.relationships if rel.type == type_name}


def failed_steps(graph: CollectedGraph) -> list[tuple[str, str | None]]:
    """Steps that did not succeed, with their messages (but those moto has no code for: see MOTO_LACKS)."""
    return [(step.step_id, step.message) for step in graph.report.steps if step.status.value != "success"
            and not (step.reason is DisabledReason.NOT_IMPLEMENTED and step.step_id in MOTO_LACKS)]
