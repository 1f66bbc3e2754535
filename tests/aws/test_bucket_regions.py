"""Bucket regions: from ``ListBuckets`` where AWS names them, else from ``GetBucketLocation``.

moto does not return ``BucketRegion`` yet, so the first test gives the answer AWS gives
by editing moto's through the proxy; botocore parses it as it parses AWS's.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from aws_integration.integrations.aws.engine.clients import new_session
from aws_integration.integrations.aws.engine.runner import CollectedGraph, RunOptions, ingest
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.aws_proxy import Answer, AwsProxy

REGIONS = {"sample-audit-logs": "us-east-1", "sample-public-assets": "us-east-1",
           "sample-eu-customer-data": "eu-west-1"}


def _with_bucket_regions(method: str, target: str, answer: Answer) -> Answer:
    """ListBuckets as AWS answers it: each bucket with its ``BucketRegion``."""
    if method != "GET" or target.split("?")[0] != "/" or b"<ListAllMyBucketsResult" not in answer.body:
        return answer
    body = re.sub(rb"<Name>([^<]+)</Name>", lambda found: found.group(0) + b"<BucketRegion>%s</BucketRegion>" % (
        REGIONS[found.group(1).decode()].encode()), answer.body)
    headers = tuple((name, value) for name, value in answer.headers if name.lower() != "content-length")
    return Answer(answer.status, body, headers)


def _collect_s3(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, *, listed_regions: bool
) -> tuple[CollectedGraph, list[str]]:
    """An S3-only run through the proxy; with ``listed_regions``, ListBuckets names each bucket's region."""
    asked: list[str] = []

    def record(method: str, target: str, answer: Answer) -> Answer:
        asked.append(target)
        return _with_bucket_regions(method, target, answer) if listed_regions else answer

    with AwsProxy(endpoint, edit=record) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        graph = asyncio.run(ingest(default_registry(), new_session(), RunOptions(
            regions=SAMPLE_REGIONS, include_services=frozenset({"s3"}), check_permissions=False)))
    return graph, asked


def _regions(graph: CollectedGraph) -> dict[str, str]:
    return {entity.display_name: str(entity.properties["region"]) for entity in graph.entities
            if entity.type == "aws_s3_bucket"}


def test_listed_bucket_regions_spare_a_location_call_per_bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account(endpoint)
    graph, asked = _collect_s3(endpoint, monkeypatch, listed_regions=True)
    assert _regions(graph) == REGIONS
    assert not [target for target in asked if target.endswith("?location")]
    assert [step.status.value for step in graph.report.steps if step.step_id == "fetch-s3-buckets"] == ["success"]


def test_buckets_listed_without_a_region_are_located(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_sample_account(endpoint)
    graph, asked = _collect_s3(endpoint, monkeypatch, listed_regions=False)
    assert _regions(graph) == REGIONS
    assert len([target for target in asked if target.endswith("?location")]) == len(REGIONS)
