"""The baseline users have today: a sequential boto3 collector making the same API calls.

It runs the project's own steps (so the calls, transforms and store are the same), but
every request goes through a plain, blocking boto3 client, one at a time: the event
loop never gets a second request in flight. It also measures the CPU floor: the time
botocore spends parsing the responses, summed over the run.

    python -m bench.sequential --store PATH --regions R1,R2 [--no-permission-check]

prints one JSON object: wall seconds, API calls, parse seconds and the run status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import boto3
import botocore.parsers
from aiobotocore.session import AioSession
from botocore.config import Config

from aws_integration.integrations.aws.engine.clients import ClientSettings, new_session, one_host_for_every_account
from aws_integration.integrations.aws.engine.runner import RunOptions, ingest
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.store import GraphBatch, SqliteStore

PARSING = {"seconds": 0.0, "responses": 0}


def _timed_parse() -> None:
    """Count the time botocore's response parsers take (the CPU floor of the same answers)."""
    original = botocore.parsers.ResponseParser.parse

    def parse(self: Any, response: dict[str, Any], shape: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, response, shape)
        finally:
            PARSING["seconds"] += time.perf_counter() - started
            PARSING["responses"] += 1

    botocore.parsers.ResponseParser.parse = parse  # type: ignore[method-assign]


class _Pages:
    """A boto3 page iterator that the engine can ``async for`` over; each page blocks."""

    def __init__(self, pages: Any) -> None:
        self._pages = iter(pages)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self  # type: ignore[return-value]

    async def __anext__(self) -> dict[str, Any]:
        try:
            page: dict[str, Any] = next(self._pages)
        except StopIteration:
            raise StopAsyncIteration from None
        return page


class _Paginator:
    def __init__(self, paginator: Any) -> None:
        self._paginator = paginator

    def paginate(self, **params: Any) -> _Pages:
        return _Pages(self._paginator.paginate(**params))


class BlockingClient:
    """A boto3 client behind the async interface the engine calls; every call blocks the loop."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.meta = client.meta

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        async def call(**params: Any) -> Any:
            return method(**params)

        return call

    def get_paginator(self, name: str) -> _Paginator:
        return _Paginator(self._client.get_paginator(name))


class BlockingClientPool:
    """The engine's client pool, made of plain boto3 clients."""

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
            self._clients[key] = BlockingClient(client)
        return self._clients[key]

    def _count_request(self, **_: Any) -> None:
        self.requests += 1

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
    parser.add_argument("--no-permission-check", action="store_true")
    args = parser.parse_args()
    _timed_parse()
    options = RunOptions(regions=tuple(args.regions.split(",")), check_permissions=not args.no_permission_check,
                         client_settings=ClientSettings(max_concurrency=1, s3_path_style=True))
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
