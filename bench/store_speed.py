"""Store speed: write a large graph, then diff a changed copy of it against the stored one.

Target (issue "Benchmark harness"): a run of 100,000 entities with 200,000
relationships written and diffed against the previous run's graph in under 10 s. The
first run of an account (nothing to diff against, everything logged as created) is
measured too. Each is measured three times (``--repeat``) on new files, and the
medians count. The baseline, measured in the same run, is the physical floor of the
same work in SQLite: inserting the same rows with ``executemany`` in one transaction
into empty tables of the same shape. The ratio says
what diffing, change sets and the Person derivation cost on top.

    python -m bench.store_speed [--entities N] [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store import GraphBatch
from aws_integration.store.derivations import open_graph_store
from aws_integration.store.migrations import BASE_SCHEMA
from aws_integration.store.records import canonical
from bench import write_figures

TARGET_SECONDS = 10.0
Graph = tuple[list[Entity], list[Relationship]]


def synthetic_graph(count: int, generation: int = 0) -> Graph:
    """``count`` hosts with tags, and two edges per host; ``generation`` 1 changes 10%, drops 1%, adds 1%."""
    keep = range(count - count // 100) if generation else range(count)
    entities = [
        Entity(f"host-{i}", "aws_instance", ("Host",), f"host-{i}", {
            "tag.Environment": "production" if i % 3 else "staging",
            "tag.Owner": f"team-{i % 40}@example.com",
            "state": "stopped" if generation and i % 10 == 0 else "running",
            "cpuCount": 2 ** (i % 5),
            "securityGroupIds": [f"sg-{i % 200}"],
        })
        for i in keep
    ]
    if generation:
        entities += [Entity(f"host-new-{i}", "aws_instance", ("Host",), f"host-new-{i}", {"state": "running"})
                     for i in range(count // 100)]
    keys = [entity.key for entity in entities]
    relationships = [
        Relationship(keys[i], "aws_instance", verb, keys[(i * step + offset) % len(keys)], "aws_instance")
        for i in range(len(keys)) for verb, step, offset in (("CONNECTS", 7, 1), ("USES", 13, 5))
    ]
    return entities, relationships


def _batch(entities: list[Entity], relationships: list[Relationship]) -> GraphBatch:
    return GraphBatch("aws:000000000000", entities, relationships, set(), set(), "success",
                      "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00")


def raw_insert_seconds(path: Path, entities: list[Entity], relationships: list[Relationship]) -> float:
    """The floor: the same rows inserted with executemany, one transaction, no diff, no change set."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(BASE_SCHEMA)
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO entities VALUES ('aws:0', ?, ?, ?, ?, ?, 1, 1)",
        ((e.key, e.type, canonical(list(e.classes)), e.display_name, canonical(e.properties)) for e in entities),
    )
    db.executemany(
        "INSERT INTO relationships VALUES ('aws:0', ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
        ((r.key, r.type, r.verb, r.from_key, r.from_type, r.to_key, r.to_type, canonical(r.properties))
         for r in relationships),
    )
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def _pass(scratch: Path, index: int, first: Graph, second: Graph) -> tuple[float, float, float, Any]:
    """One measurement on new files: the floor, the first commit, the diffing commit (and its summary)."""
    floor = raw_insert_seconds(scratch / f"raw-{index}.sqlite", *first)
    with open_graph_store(scratch / f"graph-{index}.sqlite") as store:
        started = time.perf_counter()
        store.commit_run(_batch(*first))
        write = time.perf_counter() - started
        started = time.perf_counter()
        summary = store.commit_run(_batch(*second))
        diff = time.perf_counter() - started
    return floor, write, diff, summary


def run(count: int, repeat: int = 3) -> dict[str, Any]:
    """Measure the floor, the first commit and the diffing commit ``repeat`` times; the medians count."""
    first = synthetic_graph(count)
    second = synthetic_graph(count, generation=1)
    with tempfile.TemporaryDirectory() as scratch:
        passes = [_pass(Path(scratch), index, first, second) for index in range(repeat)]
    floor, write, diff = (statistics.median(samples) for samples in list(zip(*passes))[:3])
    summary = passes[0][3]
    return {
        "entities": len(first[0]),
        "relationships": len(first[1]),
        "rawInsertSeconds": round(floor, 3),
        "firstCommitSeconds": round(write, 3),
        "diffCommitSeconds": round(diff, 3),
        "samples": {name: [round(sample[index], 3) for sample in passes]
                    for index, name in enumerate(("rawInsertSeconds", "firstCommitSeconds", "diffCommitSeconds"))},
        "firstVsRaw": round(write / floor, 2),
        "diffVsRaw": round(diff / floor, 2),
        "diffChanges": {"created": summary.entities.created, "updated": summary.entities.updated,
                        "deleted": summary.entities.deleted},
        "targetSeconds": TARGET_SECONDS,
        "withinTarget": diff < TARGET_SECONDS,
    }


def main() -> int:
    """Print the table (and write JSON when asked); exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="measure this many times; the medians count")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = run(args.entities, args.repeat)
    samples = figures["samples"]

    def spread(name: str) -> str:
        return "median of " + ", ".join(f"{sample:.2f}" for sample in samples[name])

    print(f"Store: {figures['entities']:,} entities, {figures['relationships']:,} relationships")
    print(f"  {'raw executemany (floor)':<32} {figures['rawInsertSeconds']:>8.2f} s   1.00x   "
          f"{spread('rawInsertSeconds')}")
    print(f"  {'first commit (all created)':<32} {figures['firstCommitSeconds']:>8.2f} s  {figures['firstVsRaw']:>5.2f}x   "
          f"{spread('firstCommitSeconds')}")
    changes = figures["diffChanges"]
    label = f"diff commit (+{changes['created']} ~{changes['updated']} -{changes['deleted']})"
    print(f"  {label:<32} {figures['diffCommitSeconds']:>8.2f} s  {figures['diffVsRaw']:>5.2f}x   "
          f"{spread('diffCommitSeconds')}")
    verdict = "within" if figures["withinTarget"] else "OVER"
    print(f"  a run over a previous run (write + diff): {figures['diffCommitSeconds']:.2f} s, "
          f"{verdict} the {TARGET_SECONDS:.0f} s target")
    write_figures(args.json, figures)
    return 0 if figures["withinTarget"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
