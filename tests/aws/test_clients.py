"""Clients retry server errors whose body is not the protocol's (an HTML page from a proxy)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.loaders
import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from botocore.utils import parse_timestamp as botocore_parse_timestamp

from aws_integration.integrations.aws.engine.clients import ClientPool, ClientSettings, new_session
from aws_integration.integrations.aws.engine.parsing import parse_timestamp
from tests.moto_aio import moto_session

VPCS = (b'<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
        b"<vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock></item></vpcSet></DescribeVpcsResponse>")
HTML = b"<!doctype html>\n<html><title>500 Internal Server Error</title></html>\n"


class _Flaky(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        server: Any = self.server
        self.rfile.read(int(self.headers["Content-Length"]))
        server.requests += 1
        status, body = (500, HTML) if server.requests <= server.failures else (200, VPCS)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def flaky() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    server.requests, server.failures = 0, 2
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _describe(server: Any, attempts: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")

    async def run() -> dict[str, Any]:
        async with ClientPool(get_session(), ClientSettings(max_attempts=attempts)) as clients:
            ec2 = await clients.get("ec2", "us-east-1")
            return await ec2.describe_vpcs()

    return asyncio.run(run())


def test_an_html_server_error_is_retried_like_any_server_error(flaky: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    response = _describe(flaky, attempts=3, monkeypatch=monkeypatch)
    assert [vpc["VpcId"] for vpc in response["Vpcs"]] == ["vpc-1"]
    assert flaky.requests == 3


def test_when_retries_run_out_it_is_a_clear_client_error(flaky: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    flaky.failures = 10
    with pytest.raises(ClientError, match="InternalError"):
        _describe(flaky, attempts=2, monkeypatch=monkeypatch)
    assert flaky.requests == 2


@pytest.mark.parametrize("value", [
    "2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123Z", "2026-11-23T10:00:00.123456+02:00", "2026-11-23T10:00:00",
    "Mon, 23 Nov 2026 10:00:00 GMT", 1700000000, 1700000000.25, "1700000000.5", "20261123", "2026-11-23",
])
def test_timestamps_parse_as_botocore_parses_them(value: object) -> None:
    ours, theirs = parse_timestamp(value), botocore_parse_timestamp(value)
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()


def test_the_pool_parses_timestamps_its_way(flaky: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    session = get_session()
    ClientPool(session, ClientSettings())
    parser = session.get_component("response_parser_factory").create_parser("ec2")
    assert parser._timestamp_parser is parse_timestamp


class _Recording(_Flaky):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.server.agents.append(self.headers["User-Agent"])  # type: ignore[attr-defined]
        super().do_POST()


def test_a_client_builds_its_user_agent_once_and_sends_botocore_s(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.useragent

    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Recording)
    server.requests, server.failures, server.agents = 0, 0, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    builds = []
    original = botocore.useragent.UserAgentString._build_sdk_metadata
    monkeypatch.setattr(botocore.useragent.UserAgentString, "_build_sdk_metadata",
                        lambda self: builds.append(1) or original(self))
    settings = ClientSettings()
    counted: list[int] = []  # builds during the pooled requests, then during the plain client's first two

    async def run() -> None:
        async with ClientPool(get_session(), settings) as clients:
            ec2 = await clients.get("ec2", "us-east-1")
            created = len(builds)
            for _ in range(3):
                await ec2.describe_vpcs()
            async for _ in ec2.get_paginator("describe_vpcs").paginate():  # a feature of its own: the paginator
                pass
            counted.append(len(builds) - created)
        async with get_session().create_client("ec2", region_name="us-east-1", config=settings.botocore_config()) as plain:
            created = len(builds)
            await plain.describe_vpcs()
            await plain.describe_vpcs()
            counted.append(len(builds) - created)
            async for _ in plain.get_paginator("describe_vpcs").paginate():
                pass

    try:
        asyncio.run(run())
    finally:
        server.shutdown()
        server.server_close()
    pooled, plain = server.agents[:4], server.agents[4:]
    assert pooled[:3] == [plain[0]] * 3 and pooled[3] == plain[2]  # what botocore itself sends
    assert pooled[3] != pooled[0]  # the paginator's feature is in its header
    assert counted == [2, 4]  # the pool: once per set of features; a plain client: twice per request


def test_clients_of_a_service_share_their_class_within_a_session(moto: None) -> None:
    async def run() -> tuple[Any, ...]:
        first_session, second_session = moto_session(), moto_session()
        async with ClientPool(first_session, ClientSettings()) as clients:
            east, west = await clients.get("sqs", "us-east-1"), await clients.get("sqs", "eu-west-1")
            s3 = await clients.get("s3", "us-east-1")
            await east.create_queue(QueueName="east-only")
            queues = (await east.list_queues()).get("QueueUrls", []), (await west.list_queues()).get("QueueUrls", [])
            async with ClientPool(second_session, ClientSettings()) as others:
                other = await others.get("sqs", "us-east-1")
                return type(east), type(west), type(s3), type(other), east.meta.region_name, west.meta.region_name, \
                    queues, hasattr(s3, "generate_presigned_post")

    east, west, s3, other, east_region, west_region, (east_queues, west_queues), s3_extras = asyncio.run(run())
    assert east is west and s3 is not east  # built once per service
    assert other is not east  # another session's handlers may add other methods
    assert (east_region, west_region) == ("us-east-1", "eu-west-1")
    assert [url.rsplit("/", 1)[-1] for url in east_queues] == ["east-only"] and west_queues == []
    assert s3_extras  # what the creating-client-class handlers add is still there


def test_sessions_share_the_loaded_service_models(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def counted(self: Any, file_path: str) -> Any:
        reads.append(file_path)
        return original(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counted)

    async def run(session: Any) -> list[str]:
        async with ClientPool(session, ClientSettings()) as clients:
            sqs = await clients.get("sqs", "us-east-1")
            return (await sqs.list_queues()).get("QueueUrls", [])

    first, second = moto_session(), moto_session()
    assert first.get_component("data_loader") is second.get_component("data_loader")
    assert asyncio.run(run(first)) == asyncio.run(run(second)) == []
    read_by_two = list(reads)
    asyncio.run(run(moto_session()))
    assert any("/sqs/" in path for path in read_by_two) or not reads  # (read earlier in this process: cached)
    assert reads == read_by_two  # a third session read no file again
    assert new_session("a-profile-nobody-configured") is not None  # its error comes where it is first used
