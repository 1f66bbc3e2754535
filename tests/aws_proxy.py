"""A reverse proxy for AWS API traffic, on 127.0.0.1, between the CLI and moto's server.

Per request, at configured rates and with seeded randomness, it answers in place of
the server with the failures AWS produces under load:

- a throttling error in the protocol's own format (``Throttling`` for query and
  REST-XML services, ``ThrottlingException`` for JSON services,
  ``RequestLimitExceeded`` for EC2, ``SlowDown`` for S3);
- a 500 or 503 server error, also in the protocol's format;
- a reset connection (an RST, with no answer at all);
- a stall longer than the client's read timeout.

Services can also be made to fail every request, and a fixed latency can be added to
every answer. Everything else is forwarded to the upstream server unchanged, or, for
benchmarks, answered from a recording: in ``record`` mode every forwarded answer is
kept, keyed on the method, path, operation header, body and the signing key, region and service (the
last answer to a request made twice; but a role assumed again gets the credentials recorded first, as
a replay gives them); in ``replay`` mode the upstream is never asked (moto's CPU cost per request is far above
AWS's and would dominate a measurement). ``edit`` sees every forwarded answer and may
give AWS's answer where moto's differs (a field moto does not return yet). The proxy
counts what it did, per kind, so a test can check a run's report against it.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import botocore.session

from aws_integration.integrations.aws.registry import default_registry

_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
NOT_IMPLEMENTED = 501
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection"}


@dataclass(frozen=True)
class FaultRates:
    """The share of requests (0 to 1) that get each fault, drawn independently per request."""

    throttle: float = 0.0
    server_error: float = 0.0
    reset: float = 0.0
    stall: float = 0.0

    def __post_init__(self) -> None:
        if self.throttle + self.server_error + self.reset + self.stall > 1:
            raise ValueError("fault rates add up to more than 1")


RecordingKey = tuple[str, str, str, bytes, str, str, str]  # method, path, target, body, region, service, key


@dataclass
class ProxyCounts:
    """What the proxy did: requests seen, and how many got each fault."""

    requests: int = 0
    forwarded: int = 0
    replayed: int = 0
    not_recorded: int = 0
    not_recorded_operations: Counter[str] = field(default_factory=Counter)  # "service operation" of each
    upstream_errors: int = 0  # forwarded answers that were server errors (botocore retries them too)
    faults: Counter[str] = field(default_factory=Counter)
    by_service: Counter[str] = field(default_factory=Counter)

    @property
    def injected(self) -> int:
        """Requests that got a fault instead of the server's answer."""
        return sum(self.faults.values())


class _Protocols:
    """The wire protocol of a service, by the signing name in a request's credential scope."""

    def __init__(self) -> None:
        session = botocore.session.get_session()
        names = set(default_registry().services) | {"sts", "organizations"}
        self._by_signing_name: dict[str, str] = {}
        for name in sorted(names):
            model = session.get_service_model(name)
            self._by_signing_name.setdefault(model.signing_name, model.resolved_protocol)

    def of(self, signing_name: str) -> str:
        return self._by_signing_name.get(signing_name, "query")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body and headers."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def error_answer(protocol: str, signing_name: str, kind: str) -> Answer:
    """The answer AWS gives for ``kind`` (``throttle``, ``expired``, ``500`` or ``503``) in ``protocol``."""
    request_id = str(uuid.uuid4())
    if kind == "throttle":
        code, status, message = {
            "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
            "json": ("ThrottlingException", 400, "Rate exceeded"),
            "rest-json": ("ThrottlingException", 429, "Rate exceeded"),
        }.get(protocol, ("Throttling", 400, "Rate exceeded"))
        if signing_name == "s3":
            code, status, message = "SlowDown", 503, "Please reduce your request rate."
    elif kind == "expired":
        code, status, message = "ExpiredToken", 403, "The security token included in the request is expired"
    elif kind == "500":
        code, status, message = "InternalError", 500, "We encountered an internal error. Please try again."
    else:
        code, status, message = "ServiceUnavailable", 503, "Service is unavailable. Please try again."
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
        return Answer(status, body.encode(), (("Content-Type", "text/xml"),))
    if protocol == "json":
        body = f'{{"__type": "{code}", "message": "{message}"}}'
        return Answer(status, body.encode(), (("Content-Type", "application/x-amz-json-1.1"),))
    if protocol == "rest-json":
        return Answer(status, f'{{"message": "{message}"}}'.encode(),
                       (("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                        ("x-amzn-RequestId", request_id)))
    if signing_name == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return Answer(status, body.encode(), (("Content-Type", "text/xml"),))


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name), "")

    @property
    def recording_key(self) -> RecordingKey:
        """What identifies the same request on another pass (signatures and dates differ).

        JSON protocols name the operation in ``X-Amz-Target``, not in the path or body. The
        access key tells the accounts apart (an Organization's members have their own).
        """
        return (self.method, self.target, self.header("x-amz-target"), self.body, *self.scope, self.access_key)

    @property
    def operation(self) -> str:
        """The operation asked: named by JSON and query protocols; ``METHOD /path`` for REST ones."""
        target = self.header("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        action = re.search(rb"(?:^|&)Action=([A-Za-z0-9]+)", self.body)
        if action:
            return action.group(1).decode()
        return f"{self.method} {self.target.split('?')[0]}"

    @property
    def scope(self) -> tuple[str, str]:
        """(region, signing name) from the SigV4 credential scope; empty when unsigned."""
        found = _CREDENTIAL_SCOPE.search(self.header("authorization"))
        return (found.group(2), found.group(3)) if found else ("", "")

    @property
    def access_key(self) -> str:
        """The access key ID the request is signed with; empty when unsigned."""
        found = _CREDENTIAL_SCOPE.search(self.header("authorization"))
        return found.group(1) if found else ""


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    request = _Request(method, target, headers, b"")
    if request.header("transfer-encoding").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        request.body = b"".join(chunks)
    else:
        request.body = await reader.readexactly(int(request.header("content-length") or 0))
    return request


class AwsProxy:
    """The proxy, serving on a free 127.0.0.1 port from its own thread while in a ``with`` block.

    ``failing_services`` maps signing names (``sqs``, ``ec2``...) to the answer every
    request of that service gets (``"500"``, ``"503"``, ``"throttle"`` or ``"expired"``);
    ``rate_limits`` maps signing names to the requests per second AWS would let through
    (per access key and region); the others are throttled (counted as ``rate-limited``).
    ``replace`` maps ``(signing name, operation)`` (see ``_Request.operation``) to a
    function of the upstream's answer that gives the answer sent instead.
    """

    def __init__(
        self,
        upstream: str,
        rates: FaultRates = FaultRates(),
        *,
        seed: int = 0,
        stall_seconds: float = 3.0,
        latency_seconds: float = 0.0,
        failing_services: Mapping[str, str] | None = None,
        rate_limits: Mapping[str, float] | None = None,
        mode: str = "forward",
        recording: dict[RecordingKey, Answer] | None = None,
        edit: Callable[[str, str, Answer], Answer] | None = None,
        replace: Mapping[tuple[str, str], Callable[[Answer], Answer]] | None = None,
    ) -> None:
        if mode not in ("forward", "record", "replay"):
            raise ValueError(f"unknown proxy mode {mode!r}")
        self.upstream = upstream.rstrip("/")
        self.mode = mode
        self.recording: dict[RecordingKey, Answer] = recording if recording is not None else {}
        self.rates = rates
        self.stall_seconds = stall_seconds
        self.latency_seconds = latency_seconds
        self.failing_services = dict(failing_services or {})
        self.rate_limits = dict(rate_limits or {})
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self.edit = edit
        self.replace = dict(replace or {})
        self.counts = ProxyCounts()
        self.url = ""
        self._random = random.Random(seed)
        self._protocols = _Protocols()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> "AwsProxy":
        self._thread = threading.Thread(target=self._serve_forever, name="aws-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)

    def reset_counts(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self.counts = ProxyCounts()

    def _serve_forever(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=256)
        # No time limit of its own: the client's read timeout decides, as it would with AWS.
        no_limit = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False, timeout=no_limit) as upstream:
            self._upstream = upstream
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            self._ready.set()
            async with server:
                await self._stopped.wait()

    def _over_rate(self, request: _Request) -> bool:
        """Whether the request finds its bucket empty (AWS's token buckets: one per account, region and service,
        ``rate_limits[service]`` requests deep and refilled at that rate per second); takes a token when not."""
        region, signing_name = request.scope
        rate = self.rate_limits.get(signing_name)
        if rate is None:
            return False
        key, now = (request.access_key, region, signing_name), time.monotonic()
        tokens, then = self._buckets.get(key, (rate, now))
        tokens = min(rate, tokens + (now - then) * rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return True
        self._buckets[key] = (tokens - 1, now)
        return False

    def _choose_fault(self, request: _Request) -> str | None:
        signing_name = request.scope[1]
        with self._lock:
            self.counts.requests += 1
            self.counts.by_service[signing_name] += 1
            if signing_name in self.failing_services:
                fault: str | None = str(self.failing_services[signing_name])
            elif self._over_rate(request):
                fault = "rate-limited"
            else:
                draw, fault = self._random.random(), None
                for name, rate in (("throttle", self.rates.throttle), ("500", self.rates.server_error / 2),
                                   ("503", self.rates.server_error / 2), ("reset", self.rates.reset),
                                   ("stall", self.rates.stall)):
                    if draw < rate:
                        fault = name
                        break
                    draw -= rate
            if fault is None:
                self.counts.forwarded += self.mode != "replay"
            else:
                self.counts.faults[fault] += 1
            return fault

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                _, signing_name = request.scope
                fault = self._choose_fault(request)
                if fault == "reset":
                    _reset(writer)
                    return
                if fault == "stall":
                    await asyncio.sleep(self.stall_seconds)
                    _reset(writer)
                    return
                if fault is None:
                    answer = await self._answer(request)
                else:
                    kind = "throttle" if fault == "rate-limited" else fault
                    answer = error_answer(self._protocols.of(signing_name), signing_name, kind)
                if self.latency_seconds:
                    await asyncio.sleep(self.latency_seconds)
                _write(writer, answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _answer(self, request: _Request) -> Answer:
        if self.mode == "replay":
            recorded = self.recording.get(request.recording_key)
            with self._lock:
                if recorded is None:
                    self.counts.not_recorded += 1
                    self.counts.not_recorded_operations[f"{request.scope[1]} {request.operation}"] += 1
                else:
                    self.counts.replayed += 1
            if recorded is None:
                return Answer(400, b'{"__type": "NotRecorded", "message": "this request was not recorded"}',
                               (("Content-Type", "application/x-amz-json-1.1"),))
            return recorded
        if self.mode == "record" and request.scope[1] == "sts" and request.recording_key in self.recording:
            return self.recording[request.recording_key]  # a role assumed again: the credentials recorded first
        answer = await self._forward(request)
        if self.edit is not None:
            answer = self.edit(request.method, request.target, answer)
        replacement = self.replace.get((request.scope[1], request.operation))
        if replacement is not None:
            answer = replacement(answer)
            with self._lock:
                self.counts.faults["replaced"] += 1
        if answer.status >= 500 and answer.status != NOT_IMPLEMENTED:  # a 501 is final: botocore does not retry it
            with self._lock:
                self.counts.upstream_errors += 1
        if self.mode == "record" and answer.status != 502:
            self.recording[request.recording_key] = answer
        return answer

    async def _forward(self, request: _Request) -> Answer:
        """The upstream's answer; a 502 when the upstream cannot be reached (never recorded)."""
        headers = [(name, value) for name, value in request.headers if name.lower() not in _HOP_BY_HOP]
        try:
            async with self._upstream.request(
                request.method, self.upstream + request.target, headers=headers, data=request.body,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                kept = tuple((name, value) for name, value in response.headers.items()
                             if name.lower() not in _HOP_BY_HOP)
                return Answer(response.status, body, kept)
        except aiohttp.ClientError as error:
            return Answer(502, f"upstream unavailable: {type(error).__name__}".encode(), (("Content-Type", "text/plain"),))


def _write(writer: asyncio.StreamWriter, answer: Answer) -> None:
    head = [f"HTTP/1.1 {answer.status} {_reason(answer.status)}"]
    head += [f"{name}: {value}" for name, value in answer.headers]
    head += [f"Content-Length: {len(answer.body)}", "", ""]
    writer.write("\r\n".join(head).encode("latin-1") + answer.body)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close the connection with an RST, as a dropped connection looks to the client."""
    sock: Any = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _reason(status: int) -> str:
    return {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Status")
