"""An answer that is not an AWS answer is a failure, never an empty listing."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from aws_integration.integrations.aws.engine.answers import answer_problem
from aws_integration.integrations.aws.engine.errors import is_permission_error
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.aws_proxy import Answer, AwsProxy
from tests.cli_runs import ingest

HTML = Answer(200, b"<!DOCTYPE html><html><body>Sign in to the hotel Wi-Fi " + b"x" * 20_000 + b"</body></html>",
              (("Content-Type", "text/html"),))
_SESSION = botocore.session.get_session()


def _operation(service: str, name: str):  # type: ignore[no-untyped-def]
    return _SESSION.get_service_model(service).operation_model(name)


def _cut(answer: Answer) -> Answer:
    return Answer(answer.status, answer.body[: len(answer.body) // 2], answer.headers)


@pytest.mark.parametrize(
    ("service", "operation", "body", "problem"),
    [
        ("s3", "ListBuckets", HTML.body, "an HTML page"),
        ("s3", "ListBuckets", b'<?xml version="1.0"?>\n<ListAllMyBucketsResult><Buckets><Bucket>', "cut off"),
        ("s3", "ListBuckets", b'<?xml version="1.0"?>\n<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>', None),
        ("s3", "GetBucketLocation", b'<?xml version="1.0"?>\n<LocationConstraint xmlns="x"/>', None),
        ("s3", "HeadBucket", b"", None),
        ("ec2", "DescribeInstances", b"<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>", None),
        ("ec2", "DescribeInstances", b"<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>", "another operation"),
        ("ec2", "DescribeRegions", b"", "an empty body"),
        ("sts", "GetCallerIdentity", b"<html><head></head></html>", "an HTML page"),
        ("iam", "ListUsers", b"<ListUsersResponse><ListUsersResult><Users>", "cut off"),
        ("lambda", "ListFunctions", b'{"Functions": []}', None),
        ("lambda", "ListFunctions", b'{"message": "Forbidden by the proxy"}', "none of the operation's fields"),
        ("lambda", "ListFunctions", b'{"Functions": [{"FunctionName": "a"', "cut off"),
        ("logs", "DescribeLogGroups", b"{}", None),
        ("logs", "DescribeLogGroups", b"Service Unavailable", "not a JSON object"),
        ("sqs", "ListQueues", b"{}", None),  # SQS leaves QueueUrls out when there are none
    ],
)
def test_each_protocol_s_answers_are_checked_whole_and_of_their_operation(
    service: str, operation: str, body: bytes, problem: str | None
) -> None:
    found = answer_problem(_operation(service, operation), 200, body)
    assert (found is None) if problem is None else (found is not None and problem in found), found
    assert answer_problem(_operation(service, operation), 500, body) is None  # errors are botocore's to parse


@pytest.mark.parametrize(
    ("code", "status", "denied"),
    [("AccessDenied", 403, True), ("403", 403, True), ("", 403, True), ("Unknown", 403, True),
     ("ExpiredToken", 403, False), ("SignatureDoesNotMatch", 403, False), ("", 400, False), ("Throttling", 400, False)],
)
def test_a_403_whose_code_cannot_be_read_is_a_denial(code: str, status: int, denied: bool) -> None:
    error = ClientError({"Error": {"Code": code, "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")
    assert is_permission_error(error) is denied


def _ingest(store: Path, endpoint: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    return ingest(store, endpoint, "--no-permission-check", *extra)


def _stored(store: Path, type_name: str) -> set[str]:
    with sqlite3.connect(store) as db:
        return {key for (key,) in db.execute("SELECT key FROM entities WHERE type = ?", (type_name,))}


REGIONS = ("--regions", ",".join(SAMPLE_REGIONS))


@pytest.mark.e2e
@pytest.mark.parametrize("answer", [lambda upstream: HTML, _cut], ids=["html-page", "cut-off"])
def test_a_listing_answered_by_something_else_fails_its_step_and_keeps_its_data(endpoint: str, tmp_path: Path,
                                                                                answer: Any) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    code, _, stderr = _ingest(store, endpoint, *REGIONS)
    assert code == 0, stderr
    buckets, users = _stored(store, "aws_s3_bucket"), _stored(store, "aws_iam_user")
    assert buckets and users

    replace = {("s3", "GET /"): answer, ("iam", "ListUsers"): answer}
    with AwsProxy(endpoint, replace=replace) as proxy:
        code, report, stderr = _ingest(store, proxy.url, *REGIONS)
    assert code == 1 and report["status"] == "failure", stderr
    assert "Traceback" not in stderr
    steps = {step["stepId"]: step for step in report["steps"]}
    for step_id in ("fetch-s3-buckets", "fetch-iam-users"):
        step = steps[step_id]
        assert step["status"] == "failure" and "not the service's answer" in step["message"], step
    assert report["store"]["entities"]["deleted"] == 0
    assert _stored(store, "aws_s3_bucket") == buckets and _stored(store, "aws_iam_user") == users
    # Each of the two listings was tried AWS_MAX_ATTEMPTS (3) times, as a dropped connection would be.
    assert proxy.counts.faults["replaced"] == 2 * 3 and report["retries"] >= 2 * 2
    # Neither the history nor the output keeps the body.
    with sqlite3.connect(store) as db:
        (kept,) = db.execute("SELECT report FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert "hotel" not in kept and "hotel" not in stderr and len(kept) < 200_000


@pytest.mark.e2e
@pytest.mark.parametrize(("service", "operation"), [("sts", "GetCallerIdentity"), ("ec2", "DescribeRegions")])
def test_a_preflight_answer_that_is_not_aws_s_is_one_line_and_creates_no_store(endpoint: str, tmp_path: Path,
                                                                              service: str, operation: str) -> None:
    store = tmp_path / "graph.sqlite"
    with AwsProxy(endpoint, replace={(service, operation): lambda upstream: HTML}) as proxy:
        code, _, stderr = _ingest(store, proxy.url)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "not the service's answer" in lines[0] and "Traceback" not in stderr, stderr
    assert not store.exists()


@pytest.mark.e2e
def test_with_regions_given_a_failing_describe_regions_stops_no_other_service(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    with AwsProxy(endpoint, replace={("ec2", "DescribeRegions"): lambda upstream: HTML}) as proxy:
        code, report, stderr = _ingest(store, proxy.url, *REGIONS)
    assert code == 0 and report["status"] == "success", stderr
    assert "DescribeRegions" in report["unverifiedRegions"] and report["regions"] == sorted(SAMPLE_REGIONS)
    assert _stored(store, "aws_s3_bucket") and _stored(store, "aws_instance")


def test_an_error_is_stored_as_one_bounded_line_never_with_the_answer_under_it() -> None:
    from botocore.parsers import ResponseParserError

    from aws_integration.errors import MAX_ERROR_CHARS, brief

    error = ResponseParserError("Unable to parse response (syntax error), invalid XML received. Further retries may "
                                "succeed:\nb'<DescribeInstancesResponse>" + "x" * 23_000 + "'")
    assert brief(error) == ("Unable to parse response (syntax error), invalid XML received. Further retries may "
                            "succeed:")
    assert len(brief(ValueError("y" * 5000))) == MAX_ERROR_CHARS


def _broken_inside(upstream: Answer) -> Answer:
    """The operation's own document, whole at both ends, but not well-formed inside."""
    root = re.search(rb"<([A-Za-z]+)[ >]", upstream.body.split(b"?>", 1)[-1])
    assert root is not None
    name = root.group(1)
    return Answer(200, b'<?xml version="1.0"?><' + name + b"><Broken><Item>" + b"y" * 5000 + b"</" + name + b">",
                  upstream.headers)


@pytest.mark.e2e
def test_an_answer_broken_inside_fails_its_step_in_one_line_and_keeps_its_data(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    assert _ingest(store, endpoint, *REGIONS)[0] == 0
    users = _stored(store, "aws_iam_user")
    with AwsProxy(endpoint, replace={("iam", "ListUsers"): _broken_inside}) as proxy:
        code, report, stderr = _ingest(store, proxy.url, *REGIONS)
    assert code == 1 and "Traceback" not in stderr, stderr
    step = next(step for step in report["steps"] if step["stepId"] == "fetch-iam-users")
    assert step["status"] == "failure" and "Unable to parse response" in step["message"]
    assert "yyyy" not in json.dumps(report) and "yyyy" not in stderr
    assert _stored(store, "aws_iam_user") == users
