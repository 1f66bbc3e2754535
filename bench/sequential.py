"""The collectors users have today: boto3 making the same API calls, sequentially or on a thread pool.

It runs the project's own steps (so the calls, transforms and store are the same), but
every request goes through a plain, blocking boto3 client. With ``--threads 1`` (the
sequential baseline) one at a time: the event loop never gets a second request in
flight. With ``--threads 32``, the peer users would write in an afternoon (prowler's and
ScoutSuite's pattern): each call and each page runs on a pool of that many threads, so
as many requests are in flight. It also measures the CPU floor: the time botocore
spends parsing the responses, summed over the run.

    python -m bench.sequential --store PATH --regions R1,R2 [--threads N] [--no-permission-check]

prints one JSON object: wall seconds, API calls, parse seconds and the run status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.parsers
from aiobotocore.session import AioSession
from botocore.config import Config

from aws_integration.integrations.aws.engine.clients import ClientSettings, new_session, one_host_for_every_account
from aws_integration.integrations.aws.engine.limits import Unlimited
from aws_integration.integrations.aws.engine.runner import RunOptions, ingest
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.store import GraphBatch, SqliteStore

PARSING = {"seconds": 0.0, "responses": 0}
_PARSING_LOCK = threading.Lock()  # the thread pool's parses add up from many threads


def _timed_parse() -> None:
    """Count the time botocore's response parsers take (the CPU floor of the same answers)."""
    original = botocore.parsers.ResponseParser.parse

    def parse(self: Any, response: dict[str, Any], shape: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, response, shape)
        finally:
            with _PARSING_LOCK:
                PARSING["seconds"] += time.perf_counter() - started
                PARSING["responses"] += 1

    botocore.parsers.ResponseParser.parse = parse  # type: ignore[method-assign]


_DONE = object()  # a page iterator's end, handed back from a thread


async def _blocking(work: Callable[[], Any], threads: ThreadPoolExecutor | None) -> Any:
    """Run blocking ``work``: on the loop itself (sequential), or on a thread of the pool."""
    if threads is None:
        return work()
    return await asyncio.get_running_loop().run_in_executor(threads, work)


class _Pages:
    """A boto3 page iterator that the engine can ``async for`` over; each page blocks (or takes a thread)."""

    def __init__(self, pages: Any, threads: ThreadPoolExecutor | None) -> None:
        self._pages = iter(pages)
        self._threads = threads

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self  # type: ignore[return-value]

    async def __anext__(self) -> dict[str, Any]:
        page = await _blocking(lambda: next(self._pages, _DONE), self._threads)
        if page is _DONE:
            raise StopAsyncIteration
        return page  # type: ignore[no-any-return]


class _Paginator:
    def __init__(self, paginator: Any, threads: ThreadPoolExecutor | None) -> None:
        self._paginator = paginator
        self._threads = threads

    def paginate(self, **params: Any) -> _Pages:
        return _Pages(self._paginator.paginate(**params), self._threads)


class BlockingClient:
    """A boto3 client behind the async interface the engine calls; every call blocks the loop, or a thread."""

    def __init__(self, client: Any, threads: ThreadPoolExecutor | None = None) -> None:
        self._client = client
        self._threads = threads
        self.meta = client.meta

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        async def call(**params: Any) -> Any:
            return await _blocking(lambda: method(**params), self._threads)

        return call

    def get_paginator(self, name: str) -> _Paginator:
        return _Paginator(self._client.get_paginator(name), self._threads)


class BlockingClientPool:
    """The engine's client pool, made of plain boto3 clients; with ``threads``, their calls run on that pool."""

    threads: ThreadPoolExecutor | None = None  # set once per process, before the run

    def __init__(self, session: AioSession, settings: ClientSettings) -> None:
        del session  # the standard credential chain, through boto3's own session
        self._session = boto3.session.Session()
        self._config = Config(retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
                              connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
                              s3={"addressing_style": "path" if settings.s3_path_style else "auto"})
        self._clients: dict[tuple[str, str], BlockingClient] = {}
        self.requests = 0

    async def get(self, service: str, region: str) -> BlockingClient:
        key = (service, region)
        if key not in self._clients:
            client = self._session.client(service, region_name=region, config=self._config)
            client.meta.events.register("request-created", self._count_request)
            if service == "s3control":  # as the engine's pool: a local endpoint has no per-account hosts
                client.meta.events.register("before-sign", one_host_for_every_account)
            self._clients[key] = BlockingClient(client, self.threads)
        return self._clients[key]

    def _count_request(self, **_: Any) -> None:
        self.requests += 1

    def limit(self, service: str, region: str) -> Unlimited:
        """No limit per service: the peers' requests in flight are their threads."""
        return Unlimited()

    async def available_regions(self, service: str) -> set[str]:
        return set(self._session.get_available_regions(service))

    async def foreign_regions(self, partition: str) -> set[str]:
        foreign: set[str] = set()
        for other in self._session.get_available_partitions():
            if other != partition:
                foreign |= set(self._session.get_available_regions("ec2", partition_name=other))
        return foreign

    async def __aenter__(self) -> "BlockingClientPool":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._clients.clear()


def main() -> int:
    """Run the baseline once and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--regions", required=True)
    parser.add_argument("--threads", type=int, default=1, help="1: sequential; more: calls on a pool of this many threads")
    parser.add_argument("--no-permission-check", action="store_true")
    args = parser.parse_args()
    _timed_parse()
    if args.threads > 1:
        BlockingClientPool.threads = ThreadPoolExecutor(args.threads, thread_name_prefix="boto3")
    options = RunOptions(regions=tuple(args.regions.split(",")), check_permissions=not args.no_permission_check,
                         client_settings=ClientSettings(max_concurrency=args.threads, s3_path_style=True))
    started = time.perf_counter()
    collected = asyncio.run(ingest(default_registry(), new_session(), options, pool=BlockingClientPool))
    report = collected.report
    with SqliteStore(args.store) as store:
        store.commit_run(GraphBatch(f"aws:{report.target_id}", collected.entities, collected.relationships,
                                    collected.partial_entity_types, collected.partial_relationship_types,
                                    report.status, report.started_at, report.finished_at, report.to_dict()))
    print(json.dumps({
        "seconds": time.perf_counter() - started,
        "status": report.status,
        "apiCalls": report.api_calls,
        "retries": report.retries,
        "entities": len(collected.entities),
        "parseSeconds": PARSING["seconds"],
        "parsedResponses": PARSING["responses"],
        "failedSteps": [step.step_id for step in report.steps if step.status.value == "failure"],
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
