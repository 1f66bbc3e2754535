"""Runs through a fault-injecting proxy: nothing lost, retries counted and bounded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.aws_proxy import AwsProxy, FaultRates, error_answer
from tests.cli_runs import export, ingest
from tests.moto_quirks import MOTO_LACKS, steady_export

pytestmark = pytest.mark.e2e

UNDER_LOAD = FaultRates(throttle=0.20, server_error=0.05, reset=0.01, stall=0.01)


def _ingest(store: Path, endpoint: str, *, attempts: int = 10, read_timeout: float = 30) -> tuple[int, dict[str, Any], str]:
    return ingest(store, endpoint, "--regions", ",".join(SAMPLE_REGIONS), "--read-timeout", str(read_timeout),
                  attempts=attempts)


def _export(store: Path) -> dict[str, Any]:
    return steady_export(export(store))


def test_a_run_under_faults_stores_exactly_the_fault_free_graph(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    # IAM answers a first GenerateCredentialReport "STARTED" and the run asks again: both runs find it made.
    boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1").generate_credential_report()
    with AwsProxy(endpoint) as counting:  # no faults: it counts what reaches the server
        code, calm, stderr = _ingest(tmp_path / "calm.sqlite", counting.url)
    assert code == 0 and calm["status"] == "success", stderr
    # Every request is counted once, as an API call or as a retry of one (after a server error).
    assert calm["apiCalls"] + calm["retries"] == counting.counts.requests
    assert calm["retries"] == counting.counts.upstream_errors

    # moto is warm now: only the proxy's stalls outlast a short read timeout.
    with AwsProxy(endpoint, UNDER_LOAD, seed=8, stall_seconds=6) as proxy:
        code, stormy, stderr = _ingest(tmp_path / "stormy.sqlite", proxy.url, read_timeout=5)

    assert code == 0 and stormy["status"] == "success", stderr
    assert "Traceback" not in stderr
    faults = proxy.counts.faults
    assert faults["throttle"] > 20 and faults["500"] + faults["503"] > 5  # the run really was under load
    assert stormy["apiCalls"] == calm["apiCalls"]
    # Every throttle, 5xx and stall is retried by botocore and counted; a reset on a kept-alive
    # connection may be re-sent by the HTTP client itself, below botocore's count.
    answered_with_an_error = faults["throttle"] + faults["500"] + faults["503"] + faults["stall"]
    assert answered_with_an_error <= stormy["retries"] <= proxy.counts.injected + proxy.counts.upstream_errors
    assert _export(tmp_path / "stormy.sqlite") == _export(tmp_path / "calm.sqlite")


def test_a_service_failing_every_request_fails_its_step_alone_and_keeps_its_data(
    endpoint: str, tmp_path: Path
) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    code, first, stderr = _ingest(store, endpoint)
    assert code == 0, stderr
    before = _export(store)
    buckets = [entity for entity in before["entities"] if entity["_type"] == "aws_s3_bucket"]
    assert buckets

    attempts = 3
    with AwsProxy(endpoint, failing_services={"s3": "503"}) as proxy:
        code, second, stderr = _ingest(store, proxy.url, attempts=attempts)

    assert code == 1 and second["status"] == "failure", stderr
    steps = {step["stepId"]: step for step in second["steps"]}
    failed = steps.pop("fetch-s3-buckets")
    assert failed["status"] == "failure" and "ServiceUnavailable" in failed["message"]
    assert failed["retries"] == failed["apiCalls"] * (attempts - 1)
    for step in steps.values():
        assert step["status"] == "success" or (
            step["reason"] == "parent_disabled" and "fetch-s3-buckets" in step["message"]
        ) or (step["reason"] == "not_implemented" and step["stepId"] in MOTO_LACKS), step
    # Retries are bounded: each S3 call was sent exactly `attempts` times, then given up.
    assert proxy.counts.by_service["s3"] == failed["apiCalls"] * attempts
    assert "aws_s3_bucket" in {skipped["type"] for skipped in second["skippedTypes"]}
    assert second["store"]["entities"]["keptFromEarlierRuns"] == len(buckets)
    assert _export(store) == before


def test_a_service_throttling_a_fast_caller_is_asked_less_at_once_and_nothing_fails(
    endpoint: str, tmp_path: Path
) -> None:
    seed_sample_account(endpoint)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    for number in range(60):  # each user's keys, devices, groups and policies are asked at once
        iam.create_user(UserName=f"contractor-{number}")
    iam.generate_credential_report()
    with AwsProxy(endpoint) as counting:
        code, calm, stderr = _ingest(tmp_path / "calm.sqlite", counting.url, attempts=6)
    assert code == 0, stderr
    asked = counting.counts.by_service["iam"]

    # AWS's token bucket: 10 IAM requests a second once the burst is spent. With 64 in
    # flight and nothing adapting, the retry quota runs out and IAM's steps fail.
    with AwsProxy(endpoint, rate_limits={"iam": 10}) as proxy:
        code, limited, stderr = ingest(tmp_path / "limited.sqlite", proxy.url, "-v",
                                       "--regions", ",".join(SAMPLE_REGIONS), attempts=6)

    assert code == 0 and limited["status"] == "success", stderr
    cuts = [int(limit) for limit in re.findall(r"iam throttles in us-east-1: at most (\d+) of its requests in flight", stderr)]
    assert cuts and cuts == sorted(cuts, reverse=True), stderr  # halved, and said so each time
    throttled = proxy.counts.faults["rate-limited"]
    assert 0 < throttled < asked  # fewer throttled answers than IAM requests: the pace was found
    assert limited["retries"] >= throttled
    assert _export(tmp_path / "limited.sqlite") == _export(tmp_path / "calm.sqlite")


@pytest.mark.parametrize(
    ("protocol", "signing_name", "code", "status"),
    [
        ("query", "iam", "Throttling", 400),
        ("json", "logs", "ThrottlingException", 400),
        ("rest-json", "lambda", "ThrottlingException", 429),
        ("ec2", "ec2", "RequestLimitExceeded", 503),
        ("rest-xml", "s3", "SlowDown", 503),
        ("rest-xml", "route53", "Throttling", 400),
    ],
)
def test_the_proxy_throttles_in_each_protocols_own_format(protocol: str, signing_name: str, code: str, status: int) -> None:
    answer = error_answer(protocol, signing_name, "throttle")
    assert answer.status == status
    assert code.encode() in answer.body or (("x-amzn-ErrorType", code) in answer.headers)
