"""Ingestion speed: aws-integration against the boto3 collectors users could write, and against the bound.

1. Starts moto's server on 127.0.0.1 and seeds a large account (``bench/large_account.py``).
2. Puts the proxy of ``tests/aws_proxy.py`` in front of it. A first pass of each
   collector through the proxy records moto's answers. The measured passes are replayed
   from that recording with a fixed added latency, because moto's CPU cost per request
   is far above AWS's.
3. Measures, on the same replayed answers, in the same invocation (``bench/sequential.py``):
   (a) the sequential boto3 baseline;
   (c) the peer users would write instead: boto3 on a pool of 32 threads (prowler's and
       ScoutSuite's pattern);
   (b) ``aws-integration ingest`` end to end: collection, transform, store;
   each with its wall time, its CPU time (the process and the workers it waited for)
   and its CPU per API call. (a) also runs with no latency at all.
4. Computes the bound: the larger of the critical path (the longest chain of calls that
   must wait for each other, as the run reports it, times the latency) and the least CPU
   any of the clients spent on the same calls, spread over the machine's cores.
5. Prints one table and writes it as JSON.

Further profiles: 20,000 instances, to check that memory stays flat; and 10% of
requests throttled, for (b) and for the peer (c), medians of the same number of passes.

    python -m bench.ingest_speed [--latency-ms 50] [--instances 2000] [--json PATH] [--memory] [--throttling]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from aws_integration.integrations.aws.defaults import DEFAULT_CONCURRENCY
from aws_integration.sample.moto_server import MotoServer
from bench import write_figures
from bench.large_account import BENCH_REGIONS, Profile, seed_large_account
from tests.aws_proxy import AwsProxy, FaultRates, RecordingKey, Answer

SPEEDUP_TARGET = 15.0  # against sequential boto3 (issue "Faster than every collector users could write themselves")
THREAD_POOL_TARGET = 1.5  # against boto3 on a pool of 32 threads
THREAD_POOL = 32
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_MAX_ATTEMPTS": "6"}


@dataclass
class Measured:
    """One measured pass of one collector."""

    name: str
    seconds: float
    api_calls: int
    peak_rss_mb: float
    report: dict[str, Any]
    cpu_seconds: float = 0.0  # user + system, of the process and the workers it waited for


def _tree_rss_kb(pid: int) -> int:
    """The resident memory of a process and all its descendants, in kB (0 once it is gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended between two reads
    return total


class _TreeRssSampler(threading.Thread):
    """Samples a process tree's total RSS every 20 ms: the parsing workers count too."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(0.02):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, str, str, float]:
    """Run a child to completion: wall seconds, peak RSS in MB, stdout, stderr, CPU seconds.

    The peak RSS is the larger of the child's own peak (exact) and the sampled peak of
    the child with its worker processes added up.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        sampler = _TreeRssSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.finished.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{command[2:4]} exited {process.returncode}: {stderr[-2000:]}")
    return seconds, max(usage.ru_maxrss, sampler.peak_kb) / 1024, stdout, stderr, usage.ru_utime + usage.ru_stime


def sequential(endpoint: str, store: Path, threads: int = 1) -> Measured:
    """(a): the sequential boto3 baseline; with ``threads``, (c): the boto3 thread-pool peer."""
    seconds, rss, stdout, _, cpu = _run(
        [sys.executable, "-m", "bench.sequential", "--store", str(store), "--regions", ",".join(BENCH_REGIONS),
         "--no-permission-check", "--threads", str(threads)],
        {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint},
    )
    report = json.loads(stdout)
    name = "sequential boto3 (a)" if threads == 1 else f"boto3, {threads} threads (c)"
    return Measured(name, seconds, report["apiCalls"], rss, report, cpu)


def ingest(endpoint: str, store: Path, concurrency: int, read_timeout: float = 30, processes: int | None = None) -> Measured:
    """(b): ``aws-integration ingest``, end to end (on every core, unless ``processes`` says otherwise)."""
    seconds, rss, stdout, _, cpu = _run(
        [sys.executable, "-m", "aws_integration", "ingest", "--regions", ",".join(BENCH_REGIONS), "--store",
         str(store), "--json", "--no-permission-check", "--concurrency", str(concurrency),
         "--read-timeout", str(read_timeout), *(("--processes", str(processes)) if processes else ())],
        {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint},
    )
    report = json.loads(stdout)
    return Measured("aws-integration ingest (b)", seconds, report["apiCalls"], rss, report, cpu)


def _record(server: MotoServer, scratch: Path, concurrency: int) -> dict[RecordingKey, Answer]:
    """Pass the ingest once through the proxy, keeping moto's answers.

    The baseline makes the same calls; a request of either that was not recorded is
    counted on the measured passes (``notRecorded``) and fails the benchmark.
    """
    recording: dict[RecordingKey, Answer] = {}
    with AwsProxy(server.url, mode="record", recording=recording) as proxy:
        ingest(proxy.url, scratch / "record-b.sqlite", concurrency, read_timeout=900)  # moto is slow, not down
    return recording


def recorded_profile(profile: Profile, concurrency: int, cache: Path | None) -> tuple[dict[str, Any], dict[RecordingKey, Answer]]:
    """Seed and record a profile, or load the recording ``cache`` made earlier for the same profile."""
    if cache is not None and cache.exists():
        saved = pickle.loads(cache.read_bytes())
        if saved["profile"] == profile.__dict__:
            # Recordings kept before keys named the signing key were all signed with the bench's own.
            recording = {key if len(key) == 7 else (*key, CREDENTIALS["AWS_ACCESS_KEY_ID"]): answer
                         for key, answer in saved["recording"].items()}
            return saved["figures"], recording
    figures: dict[str, Any] = {"profile": profile.__dict__}
    with tempfile.TemporaryDirectory() as directory, MotoServer({**os.environ, **CREDENTIALS}) as server:
        os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": server.url})
        started = time.perf_counter()
        seed_large_account(profile)
        figures["seedSeconds"] = round(time.perf_counter() - started, 1)
        recording = _record(server, Path(directory), concurrency)
    figures["recordedAnswers"] = len(recording)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({"profile": profile.__dict__, "figures": figures, "recording": recording}))
    return figures, recording


def _replayed(recording: dict[RecordingKey, Answer], latency: float, rates: FaultRates = FaultRates()) -> AwsProxy:
    return AwsProxy("http://127.0.0.1:9", rates, mode="replay", recording=recording, latency_seconds=latency, seed=9)


def profile_run(profile: Profile, latency: float, concurrency: int, *, baseline: bool, throttling: bool,
                cache: Path | None = None, repeat: int = 1) -> dict[str, Any]:
    """Seed and record one profile (or load its recording), and measure what was asked on replayed answers.

    A kept recording that no longer covers the calls (the collectors changed) is made again.
    """
    recorded, recording = recorded_profile(profile, concurrency, cache)
    if cache is not None and not _covers(recording, concurrency):
        cache.unlink()
        recorded, recording = recorded_profile(profile, concurrency, cache)
    figures: dict[str, Any] = {**recorded, "latencyMs": round(latency * 1000), "concurrency": concurrency}
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        with _replayed(recording, latency) as proxy:
            figures["b"] = _median_of(
                repeat, lambda n: _figures(ingest(proxy.url, scratch / f"b-{n}.sqlite", concurrency)))
            if baseline:
                figures["b1"] = _median_of(repeat, lambda n: _figures(
                    ingest(proxy.url, scratch / f"b1-{n}.sqlite", concurrency, processes=1)))
                figures["c"] = _median_of(
                    repeat, lambda n: _figures(sequential(proxy.url, scratch / f"c-{n}.sqlite", THREAD_POOL)))
                figures["a"] = _figures(sequential(proxy.url, scratch / "a.sqlite"))
            figures["notRecorded"] = proxy.counts.not_recorded
            missing = proxy.counts.not_recorded_operations
        if baseline:
            with _replayed(recording, 0.0) as proxy:
                figures["a0"] = _median_of(
                    repeat, lambda n: _figures(sequential(proxy.url, scratch / f"a0-{n}.sqlite")))
                figures["notRecorded"] += proxy.counts.not_recorded
                missing += proxy.counts.not_recorded_operations
        if throttling:  # each pass on a proxy of its own: the same draws, its own counts
            def throttled_pass(collect: Callable[[str, Path], Measured], name: str) -> dict[str, Any]:
                with _replayed(recording, latency, FaultRates(throttle=0.10)) as proxy:
                    return {**_figures(collect(proxy.url, scratch / f"{name}.sqlite")),
                            "requests": proxy.counts.requests, "throttledRequests": proxy.counts.faults["throttle"]}

            figures["throttled"] = _median_of(repeat, lambda n: throttled_pass(
                lambda url, store: ingest(url, store, concurrency), f"throttled-b-{n}"))
            if baseline:  # the peer under the same throttling: botocore backs off the same way for both
                figures["throttledPeer"] = _median_of(repeat, lambda n: throttled_pass(
                    lambda url, store: sequential(url, store, THREAD_POOL), f"throttled-c-{n}"))
    for peer in ("a", "c") if baseline else ():
        failed = figures[peer]["failedSteps"]
        if failed and not figures["b"]["failedSteps"]:
            raise RuntimeError(f"the baseline failed {', '.join(failed)}: ({peer}) would not have done (b)'s work")
    if figures["notRecorded"]:
        asked = ", ".join(f"{operation} ×{count}" for operation, count in sorted(missing.items()))
        raise RuntimeError(f"{figures['notRecorded']} requests were not in the recording ({asked}): the passes differ")
    return figures


_RESERVATIONS = re.compile(rb"(<reservationSet>)(.*)(</reservationSet>)", re.S)


def scaled_recording(recording: dict[RecordingKey, Answer], factor: int) -> dict[RecordingKey, Answer]:
    """The recording with ``factor`` times the instances: each DescribeInstances answer
    becomes ``factor`` pages chained by ``nextToken``, each a copy of the original page
    with new reservation and instance IDs.

    Seeding 20,000 instances into moto takes longer than the benchmark itself, and the
    replayed passes cannot tell the difference. Pages stay as large as the original one
    (at most 1,000 instances, as AWS answers), so the profile grows in pages, as a real
    account does.
    """
    scaled = dict(recording)
    for key, answer in recording.items():
        method, path, target, body, region, service, signer = key
        if b"Action=DescribeInstances&" not in body or b"NextToken=" in body or answer.status != 200:
            continue
        found = _RESERVATIONS.search(answer.body)
        if found is None:
            continue
        headers = tuple((name, value) for name, value in answer.headers if name.lower() != "content-length")
        for page in range(factor):
            reservations = found.group(2) if page == 0 else re.sub(
                rb"<(reservationId|instanceId)>([a-z]+-)([0-9a-f]+)</",
                lambda match: b"<%s>%s%s%02x</" % (match.group(1), match.group(2), match.group(3), page),
                found.group(2),
            )
            more = b"<nextToken>bench-page-%d</nextToken>" % (page + 1) if page + 1 < factor else b""
            page_body = answer.body[:found.start(2)] + reservations + answer.body[found.end(2):found.end(3)] + more \
                + answer.body[found.end(3):]
            page_key = key if page == 0 else (method, path, target, body + b"&NextToken=bench-page-%d" % page, region,
                                              service, signer)
            scaled[page_key] = Answer(answer.status, page_body, headers)
    return scaled


def _covers(recording: dict[RecordingKey, Answer], concurrency: int) -> bool:
    """Whether today's ingest finds every answer it asks for in ``recording``."""
    with tempfile.TemporaryDirectory() as directory, _replayed(recording, 0.0) as proxy:
        ingest(proxy.url, Path(directory) / "probe.sqlite", concurrency)
        return proxy.counts.not_recorded == 0


def memory_run(instances: int, latency: float, concurrency: int, cache: Path, factor: int = 10) -> dict[str, Any]:
    """The ingest on the main profile's recording with ten times the instances."""
    recorded, recording = recorded_profile(Profile(instances=instances), concurrency, cache)
    with tempfile.TemporaryDirectory() as directory, _replayed(scaled_recording(recording, factor), latency) as proxy:
        measured = _figures(ingest(proxy.url, Path(directory) / "memory.sqlite", concurrency))
        if proxy.counts.not_recorded:
            raise RuntimeError(f"{proxy.counts.not_recorded} requests of the memory profile were not in its recording")
    return {"profile": {**recorded["profile"], "instances": instances * factor}, "b": measured}


def _median_of(repeat: int, measure: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """The pass of median wall time out of ``repeat`` (this machine's timings vary by a tenth),
    with every pass's seconds kept as ``samples``. Each pass gets its number (a new store)."""
    passes = sorted((measure(number) for number in range(repeat)), key=lambda figures: figures["seconds"])
    return {**passes[len(passes) // 2], "samples": [figures["seconds"] for figures in passes]}


def _figures(measured: Measured) -> dict[str, Any]:
    report = measured.report
    return {
        "seconds": round(measured.seconds, 3),
        "runSeconds": round(report.get("seconds", measured.seconds), 3),
        "apiCalls": measured.api_calls,
        "retries": report.get("retries", 0),
        "peakRssMb": round(measured.peak_rss_mb, 1),
        "cpuSeconds": round(measured.cpu_seconds, 3),
        "cpuMsPerCall": round(measured.cpu_seconds * 1000 / measured.api_calls, 2) if measured.api_calls else None,
        "status": report.get("status"),
        "entities": report.get("entities") or sum((report.get("entityCounts") or {}).values()),
        "longestCallChain": report.get("longestCallChain"),
        "parseSeconds": report.get("parseSeconds"),
        "failedSteps": report.get("failedSteps") or [
            step["stepId"] for step in report.get("steps", []) if step["status"] == "failure"],
    }


def summarise(main: dict[str, Any], latency: float) -> dict[str, Any]:
    """Ratios against each peer and against the bound of the main profile.

    The bound is the larger of the critical path (the longest chain of calls that wait for
    each other, times the latency) and the least CPU any of the clients spent on the same
    calls, spread over the machine's cores.
    """
    a, b, c = main["a"], main["b"], main["c"]
    cores = os.cpu_count() or 1
    critical_path = (b["longestCallChain"] or 0) * latency
    least_cpu = min(run["cpuSeconds"] for run in (main["a0"], b, c))
    bound = max(critical_path, least_cpu / cores)
    return {
        "speedup": round(a["seconds"] / b["seconds"], 2),
        "overOneProcess": round(main["b1"]["seconds"] / b["seconds"], 2),
        "rssOverThreadPool": round(b["peakRssMb"] / c["peakRssMb"], 2),
        "overThreadPool": round(c["seconds"] / b["seconds"], 2),
        "criticalPathSeconds": round(critical_path, 3),
        "leastCpuSeconds": round(least_cpu, 3),
        "cores": cores,
        "boundSeconds": round(bound, 3),
        "bOverBound": round(b["seconds"] / bound, 2) if bound else None,
        "cOverBound": round(c["seconds"] / bound, 2) if bound else None,
        "parseFloorSeconds": round(a["parseSeconds"] or 0.0, 3),  # botocore's parsing alone, for context
        "speedupTarget": SPEEDUP_TARGET,
        "threadPoolTarget": THREAD_POOL_TARGET,
    }


def print_table(figures: dict[str, Any]) -> None:
    """The one table of the benchmark."""
    main, summary = figures["main"], figures["summary"]
    print(f"Ingestion: {main['profile']['instances']:,} instances over {len(BENCH_REGIONS)} regions, "
          f"{main['recordedAnswers']:,} recorded answers replayed at {main['latencyMs']} ms latency, "
          f"{summary['cores']} cores")
    print(f"  {'':<32} {'wall s':>8} {'CPU s':>7} {'API calls':>10} {'CPU ms/call':>12} {'peak RSS MB':>12} "
          f"{'entities':>9}")
    rows = (("a", "sequential boto3 (a)"), ("c", f"boto3, {THREAD_POOL} threads (c)"), ("b", "aws-integration ingest (b)"),
            ("b1", "ingest in 1 process (b1)"), ("a0", "sequential boto3, 0 ms"))
    for key, name in rows:
        if key not in main:
            continue
        row = main[key]
        samples = f"   median of {', '.join(f'{sample:.2f}' for sample in row['samples'])}" if "samples" in row else ""
        print(f"  {name:<32} {row['seconds']:>8.2f} {row['cpuSeconds']:>7.2f} {row['apiCalls']:>10,} "
              f"{row['cpuMsPerCall']:>12.2f} {row['peakRssMb']:>12.0f} {row['entities']:>9,}{samples}")
    print(f"  a/b: {summary['speedup']:.2f}x (target {SPEEDUP_TARGET:.0f}x); c/b: {summary['overThreadPool']:.2f}x "
          f"(target {THREAD_POOL_TARGET}x); b1/b: {summary['overOneProcess']:.2f}x (all cores against one)")
    print(f"  CPU ms per call: b {main['b']['cpuMsPerCall']:.2f}, c {main['c']['cpuMsPerCall']:.2f} (target: b at most c); "
          f"peak RSS b/c {summary['rssOverThreadPool']:.2f}x (target 1.5x)")
    print(f"  bound {summary['boundSeconds']:.2f} s: the larger of the critical path ({main['b']['longestCallChain']} "
          f"calls x {main['latencyMs']} ms = {summary['criticalPathSeconds']:.2f} s) and the least CPU of the clients "
          f"over {summary['cores']} cores ({summary['leastCpuSeconds']:.2f} s / {summary['cores']}); "
          f"b / bound {summary['bOverBound']}x, c / bound {summary['cOverBound']}x")
    if "throttled" in main:
        throttled = main["throttled"]
        print(f"  10% throttled: {throttled['seconds']:.2f} s ({throttled['seconds'] / main['b']['seconds']:.2f}x, "
              f"target 2x; passes {', '.join(f'{seconds:.2f}' for seconds in throttled['samples'])}), "
              f"{throttled['requests']:,} requests ({throttled['requests'] / main['b']['apiCalls']:.2f}x the calls, "
              f"target 1.5x)")
    if "throttledPeer" in main:
        peer = main["throttledPeer"]
        print(f"  10% throttled, boto3 on {THREAD_POOL} threads (c): {peer['seconds']:.2f} s "
              f"({peer['seconds'] / main['c']['seconds']:.2f}x its calm pass; "
              f"passes {', '.join(f'{seconds:.2f}' for seconds in peer['samples'])})")


def print_memory(figures: dict[str, Any]) -> None:
    """The memory profile's line: peak RSS of the larger account against the main one."""
    main, memory = figures["main"], figures["memory"]
    print(f"  memory: {memory['profile']['instances']:,} instances: {memory['b']['seconds']:.2f} s, peak RSS "
          f"{memory['b']['peakRssMb']:.0f} MB, {memory['b']['peakRssMb'] / main['b']['peakRssMb']:.2f}x the "
          f"{main['profile']['instances']:,}-instance profile (target under 2x)")


def main() -> int:
    """Run the benchmark; print the table, write JSON when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added per request (0, 50, 150)")
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="requests in flight, over all processes")
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes of (b), (b1), (c), (a) at 0 ms and the throttled runs; the median counts")
    parser.add_argument("--memory", action="store_true", help="also run the 20,000-instance memory profile")
    parser.add_argument("--throttling", action="store_true", help="also run with 10%% of requests throttled")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--recordings", type=Path, default=Path("bench/results/recordings"),
                        help="where recordings are kept between invocations (seeding and recording take minutes)")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    figures: dict[str, Any] = {
        "main": profile_run(Profile(instances=args.instances), latency, args.concurrency, baseline=True,
                            throttling=args.throttling, cache=args.recordings / f"{args.instances}.pickle",
                            repeat=args.repeat),
    }
    figures["summary"] = summarise(figures["main"], latency)
    print_table(figures)
    if args.memory:
        figures["memory"] = memory_run(args.instances, latency, args.concurrency,
                                       args.recordings / f"{args.instances}.pickle")
        print_memory(figures)
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
