"""SentinelOne ingestion speed: a large console over a fixed latency, against its bound.

Starts the local console (``aws_integration/sample/sentinelone_console.py``) in its own
process with N agents (default 10,000) and a fixed added latency per answer, then
measures, in this one invocation:

(a) the bound: every page the run asks for, one after another, times the latency,
    plus the parse CPU (JSON and transforms of the same pages, measured with no
    latency), i.e. what a sequential client would need at the least;
(b) a sequential client (one page after another, site after site, parsed and
    transformed): the baseline a user would write first;
(c) ``ingest_console``: the product's run (sites paged in parallel), into a store.

Prints the table (and the ratio of (c) to the bound, target under 2x) and writes it as JSON.

    python -m bench.sentinelone_speed [--agents 10000] [--latency-ms 50] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aws_integration.integrations.sentinelone.client import ClientSettings, ConsoleClient
from aws_integration.integrations.sentinelone.steps import STEPS, console_registry
from aws_integration.integrations.sentinelone.target import Console, ConsoleOptions, ingest_console
from aws_integration.sample.sentinelone_seed import ACCOUNT_TOKEN
from aws_integration.store import SqliteStore, GraphBatch
from bench import write_figures

BOUND_TARGET = 2.0
UNTHROTTLED = ClientSettings(requests_per_second=0)


class ConsoleProcess:
    """The local console in a process of its own, so its CPU is not the measured run's."""

    def __init__(self, agents: int, latency_ms: float) -> None:
        self._args = [sys.executable, "-m", "aws_integration.sample.sentinelone_console", "--agents", str(agents),
                      "--latency-ms", str(latency_ms)]

    def __enter__(self) -> str:
        self._process = subprocess.Popen(self._args, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def __exit__(self, *exc_info: object) -> None:
        self._process.terminate()
        self._process.wait(10)


async def _sequential(url: str) -> tuple[float, int]:
    """Every step's pages one after another, parsed and transformed: the first client a user writes."""
    clock = time.perf_counter()
    async with ConsoleClient(url, ACCOUNT_TOKEN, UNTHROTTLED) as client:
        await client.get("/system/info")
        console = Console(client, ConsoleOptions())
        sites: list[tuple[Any, dict[str, Any]]] = []
        for step in STEPS:
            unit = console.unit(step, None, {"sentinelone-sites": sites})
            site_ids = sorted(unit.context.site_accounts) if step.by_site else [None]
            rows = []
            for site_id in site_ids:  # one site after another
                rows += [row async for row in unit.rows(step.endpoint, **({"siteIds": site_id} if site_id else {}))]
            for row in rows:
                list(step.transform(row, unit.context))
            if step.id == "sentinelone-sites":
                sites = [(unit.context, row) for row in rows]
        pages = client.tally.requests
    return time.perf_counter() - clock, pages


async def _product(url: str, store_path: Path) -> tuple[float, int, dict[str, Any]]:
    clock = time.perf_counter()
    with SqliteStore(store_path) as store:
        lease = store.begin_run(instance="bench", started_at="t", source="sentinelone:bench")
        collected = await ingest_console(console_registry(), lambda: ConsoleClient(url, ACCOUNT_TOKEN, UNTHROTTLED),
                                         ConsoleOptions(), store.staging(lease))
        report = collected.report
        store.commit_run(GraphBatch("sentinelone:bench", [], [], set(), set(), report.status, report.started_at,
                                    report.finished_at, report=report.to_dict(), units=collected.units,
                                    instance="bench", lease=lease))
    return time.perf_counter() - clock, report.api_calls, report.to_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with ConsoleProcess(args.agents, 0) as url:
        parse_cpu, _ = asyncio.run(_sequential(url))  # no latency: the CPU of the same pages
    with ConsoleProcess(args.agents, args.latency_ms) as url:
        sequential, pages = asyncio.run(_sequential(url))
        with tempfile.TemporaryDirectory() as folder:
            product, calls, report = asyncio.run(_product(url, Path(folder) / "bench.sqlite"))
    bound = pages * args.latency_ms / 1000 + parse_cpu
    rows = {
        "agents": args.agents, "latencyMs": args.latency_ms, "pages": pages, "parseCpuSeconds": round(parse_cpu, 3),
        "boundSeconds": round(bound, 3), "sequentialSeconds": round(sequential, 3),
        "productSeconds": round(product, 3), "productCalls": calls,
        "productOverBound": round(product / bound, 3), "sequentialOverProduct": round(sequential / product, 2),
        "status": report["status"], "entities": sum(report["entityCounts"].values()),
    }
    print(f"SentinelOne, {args.agents} agents, {args.latency_ms:g} ms per answer, {pages} pages")
    print(f"  bound (pages x latency + parse CPU)  {bound:7.2f} s   (parse CPU {parse_cpu:.2f} s)")
    print(f"  sequential client                    {sequential:7.2f} s")
    print(f"  ingest_console (into a store)        {product:7.2f} s   = {product / bound:.2f}x the bound "
          f"(target < {BOUND_TARGET:g}x), {sequential / product:.1f}x faster than sequential")
    write_figures(args.json, rows)
    return 0 if product / bound < BOUND_TARGET and report["status"] == "success" else 1


if __name__ == "__main__":
    raise SystemExit(main())
