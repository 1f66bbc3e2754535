"""Parsing AWS answers: botocore's parsers, with large answers parsed in worker processes.

Parsing is most of the CPU a run needs: botocore turns a page of 1,000 EC2 instances
(1.4 MB of XML) into dicts in about a quarter of a second, during which the event loop
can do nothing else. A run therefore hands answers above ``DEFAULT_OFFLOAD_BYTES`` to a
small pool of worker processes, one per spare core. The worker runs the same botocore
parser with the same options on the same bytes, so the result is identical; the event
loop meanwhile sends, signs and parses the small answers. Handing a parsed page back
costs a tenth of parsing it.

Only answers of the ``ec2``, ``query`` and ``json`` protocols go to a worker (their
body is the whole answer), only successful ones, never streams. If a worker fails
(it died, or could not start), the answer is parsed here, as it would have been
without workers, and the next large one starts a new worker; after three failures,
the process parses everything itself.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import Shape
from botocore.parsers import ResponseParserFactory
from botocore.utils import parse_timestamp as botocore_parse_timestamp

from aws_integration.integrations.aws.engine.workers import follow_parent, usable_cores

log = logging.getLogger(__name__)

DEFAULT_OFFLOAD_BYTES = 64 * 1024
OFFLOAD_PROTOCOLS = frozenset({"ec2", "query", "json"})
MAX_FAILURES = 3
_MARK = "aws_integration.parse_in_worker"


def parse_timestamp(value: Any) -> datetime:
    """botocore's timestamp parsing, with ISO 8601 (what nearly every AWS answer uses) done by
    ``datetime.fromisoformat`` instead of dateutil, which costs a large share of parsing."""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():  # digits are epoch seconds to botocore
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    parsed: datetime = botocore_parse_timestamp(value)
    return parsed


PARSER_DEFAULTS: dict[str, Any] = {"timestamp_parser": parse_timestamp}


def default_parse_processes() -> int:
    """One worker per core this process may use, besides the one the event loop runs on."""
    return max(0, usable_cores() - 1)


@dataclass(frozen=True)
class ParseJob:
    """One answer to parse, with what names its output shape."""

    protocol: str
    service_name: str
    api_version: str
    operation_name: str
    response: dict[str, Any]


def parse_job(job: ParseJob) -> dict[str, Any] | None:
    """Parse one answer as botocore would (runs in a worker process).

    ``None`` when botocore cannot parse it: the main process then parses it again, so
    that the error is the one botocore raises there, with its context.
    """
    parser = _parser_factory().create_parser(job.protocol)
    try:
        parsed: dict[str, Any] = parser.parse(
            job.response, _output_shape(job.service_name, job.api_version, job.operation_name))
    except Exception:  # noqa: BLE001 - reported by the main process's own parse of the same answer
        return None
    return parsed


@functools.cache
def _parser_factory() -> ResponseParserFactory:
    factory = ResponseParserFactory()
    factory.set_parser_defaults(**PARSER_DEFAULTS)
    return factory


@functools.cache
def _output_shape(service_name: str, api_version: str, operation_name: str) -> Shape | None:
    model = _botocore_session().get_service_model(service_name, api_version)
    shape: Shape | None = model.operation_model(operation_name).output_shape
    return shape


@functools.cache
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


def _warm_up() -> int:
    """Import what parsing needs before the first answer arrives; the worker's pid."""
    _parser_factory()
    return os.getpid()


class ParseWorkers:
    """Worker processes that parse large answers, started on first use.

    ``mark`` is a ``before-parse`` handler: it marks an answer worth parsing elsewhere.
    ``parse`` parses a marked answer in a worker, or answers ``None`` (parse it here).
    """

    def __init__(self, processes: int, min_bytes: int = DEFAULT_OFFLOAD_BYTES) -> None:
        self.processes = processes
        self.min_bytes = min_bytes
        self.offloaded = 0
        self.failures = 0
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers (the first large answer does, unless they were started before)."""
        if self.processes > 0 and self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=follow_parent,
                initargs=(os.getpid(),))
            for _ in range(self.processes):
                self._executor.submit(_warm_up)

    def mark(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        """Mark a successful, large, non-streaming answer of a whole-body protocol."""
        body = response_dict.get("body")
        if (
            self.processes < 1
            or response_dict.get("status_code", 500) >= 300
            or not isinstance(body, (bytes, bytearray))
            or len(body) < self.min_bytes
            or operation_model.has_streaming_output
            or operation_model.has_event_stream_output
        ):
            return
        service_model = operation_model.service_model
        if service_model.resolved_protocol in OFFLOAD_PROTOCOLS:
            response_dict["context"][_MARK] = (
                service_model.resolved_protocol, service_model.service_name, service_model.api_version,
                operation_model.name,
            )

    async def parse(self, response: dict[str, Any]) -> dict[str, Any] | None:
        """The parsed answer, from a worker; ``None`` when it is not marked or no worker could parse it."""
        context = response.get("context") or {}
        mark = context.pop(_MARK, None)
        if mark is None:
            return None
        job = ParseJob(*mark, response={
            "headers": dict(response["headers"].items()),
            "status_code": response["status_code"],
            "body": bytes(response["body"]),
            "context": dict(context),
        })
        executor = self._executor
        try:
            if executor is None:
                self.start()
                executor = self._executor
            if executor is None:  # a failure before turned the workers off
                return None
            parsed = await asyncio.get_running_loop().run_in_executor(executor, parse_job, job)
        except Exception as error:  # the pool failed: botocore's parser here gives the answer it always gives
            self._failed(executor, error)
            return None
        if parsed is not None:
            self.offloaded += 1
        return parsed

    def _failed(self, executor: ProcessPoolExecutor | None, error: Exception) -> None:
        """Forget a pool that failed; after ``MAX_FAILURES`` failures, parse everything here."""
        if executor is not self._executor:
            return  # another answer in flight already reported this pool
        self.failures += 1
        self._executor = None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if self.failures >= MAX_FAILURES:
            self.processes = 0
        log.warning("a parsing worker failed (%s: %s); the answer is parsed in this process%s",
                    type(error).__name__, str(error).strip().splitlines()[0] if str(error).strip() else "",
                    ", as every answer from now on" if self.processes == 0 else "")

    def close(self) -> None:
        """Stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


@functools.cache
def shared_parse_workers(processes: int, min_bytes: int = DEFAULT_OFFLOAD_BYTES) -> ParseWorkers:
    """The workers every run of this process shares (a scheduler keeps them between runs)."""
    return ParseWorkers(processes, min_bytes)


class ParserWithWorkers:
    """botocore's parser for one protocol, which first offers marked answers to the workers."""

    def __init__(self, local: Any, workers: ParseWorkers) -> None:
        self._local = local
        self._workers = workers

    async def parse(self, response: dict[str, Any], shape: Shape | None) -> Any:
        """The parsed answer: from a worker when it is marked for one, else from botocore's parser here."""
        parsed = await self._workers.parse(response)
        if parsed is None:
            parsed = await self._local.parse(response, shape)
        return parsed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local, name)
