"""Start-up: seconds from exec to the first request, for ``aws-integration ingest`` and two floors.

moto's server on 127.0.0.1 answers through the proxy of ``tests/aws_proxy.py``, which
notes when the first request of each run reaches it. Measured, interleaved, medians of
``--repeat`` runs (after one warm-up run of each):

- ``aws-integration ingest --regions us-east-1 --no-permission-check`` (target 0.25 s);
- a bare aiobotocore client's first call (``sts.get_caller_identity``): the floor of any
  collector on aiobotocore and aiohttp;
- a bare boto3 client's first call: the floor of the peers.

    python -m bench.startup_speed [--repeat 7] [--json PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aws_integration.sample.moto_server import MotoServer
from bench import write_figures
from bench.ingest_speed import CREDENTIALS
from tests.aws_proxy import AwsProxy

TARGET_SECONDS = 0.25
AIOBOTOCORE_FIRST_CALL = """
import asyncio
from aiobotocore.session import get_session

async def main():
    async with get_session().create_client("sts") as sts:
        await sts.get_caller_identity()

asyncio.run(main())
"""
BOTO3_FIRST_CALL = 'import boto3\nboto3.client("sts").get_caller_identity()\n'


class _FirstRequest(AwsProxy):
    """The proxy, noting when the first request reaches it."""

    first: float | None = None

    def _choose_fault(self, request):  # type: ignore[no-untyped-def]
        if self.first is None:
            self.first = time.monotonic()
        return super()._choose_fault(request)


def first_request_seconds(endpoint: str, command: list[str]) -> float:
    """Seconds from starting ``command`` to its first request reaching the endpoint."""
    with _FirstRequest(endpoint) as proxy:
        started = time.monotonic()
        subprocess.run(command, env={**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": proxy.url},
                       capture_output=True, check=False, timeout=120)
        if proxy.first is None:
            raise RuntimeError(f"{command[1:3]} sent no request")
        return proxy.first - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each; the median counts")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, MotoServer({**os.environ, **CREDENTIALS}) as server:
        commands = {
            "aws-integration ingest": lambda number: [
                sys.executable, "-m", "aws_integration", "ingest", "--regions", "us-east-1", "--no-permission-check",
                "--json", "--store", str(Path(directory) / f"{number}.sqlite")],
            "bare aiobotocore client": lambda _: [sys.executable, "-c", AIOBOTOCORE_FIRST_CALL],
            "bare boto3 client": lambda _: [sys.executable, "-c", BOTO3_FIRST_CALL],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for number in range(args.repeat + 1):  # the first round warms moto and the file cache
            for name, command in commands.items():
                seconds = first_request_seconds(server.url, command(number))
                if number:
                    samples[name].append(seconds)
    figures = {name: {"seconds": round(statistics.median(values), 3), "samples": [round(v, 3) for v in values]}
               for name, values in samples.items()}
    print(f"Start-up: exec to the first request, medians of {args.repeat}")
    for name, row in figures.items():
        print(f"  {name:<26} {row['seconds']:6.3f} s")
    ours, floor = figures["aws-integration ingest"]["seconds"], figures["bare aiobotocore client"]["seconds"]
    print(f"  target {TARGET_SECONDS} s; ingest - aiobotocore floor: {ours - floor:.3f} s")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
