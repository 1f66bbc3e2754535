"""Large answers parsed in worker processes: the same result as botocore's parser here, and
a worker that fails never costs an answer."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.parsers import ResponseParserError
from moto import mock_aws

from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings, SharedTlsHttpSession
from aws_integration.integrations.aws.engine.parsing import (
    ParserWithWorkers,
    ParseWorkers,
    default_parse_processes,
    shared_parse_workers,
)
from aws_integration.integrations.aws.engine.runner import RunOptions
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.conftest import collect
from tests.moto_aio import moto_session
from tests.moto_quirks import steady

REGION = "us-east-1"
EVERY_ANSWER = 0  # offload threshold in bytes: every answer of the offloaded protocols goes to a worker


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


async def _call(settings: ClientSettings, service: str, operation: str, **params: Any) -> dict[str, Any]:
    async with ClientPool(moto_session(), settings) as pool:
        client = await pool.get(service, REGION)
        answer: dict[str, Any] = await getattr(client, operation)(**params)
        return answer


@mock_aws
@pytest.mark.parametrize(("service", "operation"), [
    ("ec2", "describe_instances"),  # the ec2 protocol
    ("iam", "list_roles"),  # query
    ("logs", "describe_log_groups"),  # json
])
def test_a_worker_parses_an_answer_exactly_as_botocore_does_here(service: str, operation: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=3, MaxCount=3, TagSpecifications=[
        {"ResourceType": "instance",
         "Tags": [{"Key": "Team", "Value": "ünïcode = ok"}, {"Key": "Empty", "Value": ""}]}])
    boto3.client("iam").create_role(RoleName="app", AssumeRolePolicyDocument="{}", Tags=[{"Key": "A", "Value": "1"}])
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/app/one")
    workers = shared_parse_workers(1, EVERY_ANSWER)
    before = workers.offloaded

    offloading = ClientSettings(parse_processes=1, parse_offload_bytes=EVERY_ANSWER)
    in_worker = asyncio.run(_call(offloading, service, operation))
    assert workers.offloaded == before + 1
    here = asyncio.run(_call(ClientSettings(parse_processes=0), service, operation))

    assert _without_metadata(in_worker) == _without_metadata(here)
    assert _without_metadata(in_worker)  # something was parsed, not an empty answer on both sides
    assert in_worker["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_run_with_every_answer_parsed_in_a_worker_collects_the_same_graph() -> None:
    with mock_aws():
        seed_sample_account()
        workers = shared_parse_workers(1, EVERY_ANSWER)
        before = workers.offloaded
        offloaded = collect(options=RunOptions(regions=SAMPLE_REGIONS, client_settings=ClientSettings(
            parse_processes=1, parse_offload_bytes=EVERY_ANSWER)))
        assert workers.offloaded - before > 50
        here = collect(options=RunOptions(regions=SAMPLE_REGIONS, client_settings=ClientSettings(parse_processes=0)))
    assert [step.status.value for step in offloaded.report.steps] == [step.status.value for step in here.report.steps]
    assert {entity.key: steady(entity.to_dict()) for entity in offloaded.entities} == {
        entity.key: steady(entity.to_dict()) for entity in here.entities}
    assert {rel.key: rel.to_dict() for rel in offloaded.relationships} == {
        rel.key: rel.to_dict() for rel in here.relationships}


def _marked_answer(workers: ParseWorkers, body: bytes, operation: str = "DescribeVpcs") -> tuple[dict[str, Any], Any]:
    """A raw EC2 answer as the endpoint hands it to the parser, after the ``before-parse`` handlers."""
    model = botocore.session.get_session().get_service_model("ec2").operation_model(operation)
    response = {"headers": {"content-type": "text/xml"}, "status_code": 200, "body": body,
                "context": {"operation_name": operation}}
    workers.mark(operation_model=model, response_dict=response)
    return response, model.output_shape


VPCS = (b'<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>'
        b"<vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item>"
        b"</vpcSet></DescribeVpcsResponse>")


def _local_parser() -> Any:
    from aiobotocore.parsers import AioResponseParserFactory

    return AioResponseParserFactory().create_parser("ec2")


def test_an_answer_botocore_cannot_parse_fails_as_it_fails_without_workers() -> None:
    workers = ParseWorkers(1, min_bytes=0)
    try:
        response, shape = _marked_answer(workers, b"<DescribeVpcsResponse><vpcSet><item>")
        with pytest.raises(ResponseParserError):
            asyncio.run(ParserWithWorkers(_local_parser(), workers).parse(response, shape))
        assert workers.failures == 0  # the worker is fine: only the answer is broken
    finally:
        workers.close()


def test_a_worker_that_dies_costs_no_answer_and_is_replaced() -> None:
    workers = ParseWorkers(1, min_bytes=0)
    parser = ParserWithWorkers(_local_parser(), workers)
    try:
        response, shape = _marked_answer(workers, VPCS)
        assert asyncio.run(parser.parse(response, shape))["Vpcs"][0]["VpcId"] == "vpc-1"
        assert workers.offloaded == 1
        for pid in list(workers._executor._processes):  # type: ignore[union-attr]
            os.kill(pid, signal.SIGKILL)

        response, shape = _marked_answer(workers, VPCS)
        assert asyncio.run(parser.parse(response, shape))["Vpcs"][0]["VpcId"] == "vpc-1"  # parsed here instead
        assert (workers.failures, workers.offloaded) == (1, 1)

        response, shape = _marked_answer(workers, VPCS)
        assert asyncio.run(parser.parse(response, shape))["Vpcs"][0]["VpcId"] == "vpc-1"
        assert workers.offloaded == 2  # by a new worker
    finally:
        workers.close()


def test_small_and_failed_answers_are_parsed_here() -> None:
    workers = ParseWorkers(1, min_bytes=len(VPCS) + 1)
    response, _ = _marked_answer(workers, VPCS)
    assert "aws_integration.parse_in_worker" not in response["context"]
    big = ParseWorkers(1, min_bytes=0)
    error, _ = _marked_answer(big, VPCS)
    error["status_code"] = 400
    big.mark(operation_model=botocore.session.get_session().get_service_model("ec2").operation_model("DescribeVpcs"),
             response_dict=error)
    assert asyncio.run(big.parse({**error, "context": {}})) is None
    assert ParseWorkers(0, min_bytes=0).processes == 0


def test_clients_share_one_tls_context_until_the_ca_bundle_changes(tmp_path: Path) -> None:
    import certifi

    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    first, again = SharedTlsHttpSession(verify=str(bundle)), SharedTlsHttpSession(verify=str(bundle))
    context = first._build_ssl_contexts(None)[0]
    assert again._build_ssl_contexts(None)[0] is context
    assert SharedTlsHttpSession(verify=False)._build_ssl_contexts(None)[0] is not context

    stat = bundle.stat()
    os.utime(bundle, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert SharedTlsHttpSession(verify=str(bundle))._build_ssl_contexts(None)[0] is not context


def test_every_client_of_a_run_uses_the_shared_tls_session() -> None:
    async def session_class() -> type:
        async with ClientPool(moto_session(), ClientSettings()) as pool:
            client = await pool.get("ec2", REGION)
            return type(client._endpoint.http_session)

    assert asyncio.run(session_class()) is SharedTlsHttpSession


WORKER_OWNER = """
import os, signal, sys, time
from aws_integration.integrations.aws.engine.parsing import ParseWorkers, _warm_up

workers = ParseWorkers(1, min_bytes=0)
workers.start()
print(workers._executor.submit(_warm_up).result(timeout=60), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_workers_end_when_the_main_process_is_killed() -> None:
    owner = subprocess.run([sys.executable, "-c", WORKER_OWNER], capture_output=True, text=True, timeout=120,
                           check=False)
    assert owner.returncode == -signal.SIGKILL, owner.stderr
    worker = int(owner.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_one_worker_per_usable_core_but_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2}, raising=False)
    assert default_parse_processes() == 2
    monkeypatch.delattr(os, "sched_getaffinity")  # macOS has no affinity: every core counts
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_parse_processes() == 0


def test_a_worker_whose_main_process_died_while_it_started_ends_too() -> None:
    started = time.monotonic()
    late = subprocess.run(
        [sys.executable, "-c", "import os, time\nfrom aws_integration.integrations.aws.engine.workers import follow_parent\n"
                               "follow_parent(parent=os.getppid() + 1_000_000)\ntime.sleep(60)"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert late.returncode == 0, late.stderr
    assert time.monotonic() - started < 30  # it did not sleep its minute out
