"""Clients retry server errors whose body is not the protocol's (an HTML page from a proxy)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from aws_integration.engine.clients import ClientPool, ClientSettings

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
