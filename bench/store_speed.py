"""Store speed: write a large graph, then diff a changed copy of it against the stored one.

Target (issue "Benchmark harness"): a run of 100,000 entities with 200,000
relationships written and diffed against the previous run's graph in under 10 s. The
first run of an account (nothing to diff against, everything logged as created) is
measured too. Each is measured three times (``--repeat``) on new files (or new
databases), and the medians count. The baseline, measured in the same run, is the
physical floor of the same work in the same database: inserting the same rows in one
transaction into empty tables of the same shape (SQLite: ``executemany``; PostgreSQL:
``COPY``, its fastest way in). The ratio says what diffing, change sets and the
derivations cost on top.

``--backend postgresql`` measures a PostgreSQL store, on a throwaway server started
on 127.0.0.1 from Debian's packages (as the tests do), with the same target.

    python -m bench.store_speed [--backend sqlite|postgresql] [--entities N] [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store import GraphBatch
from aws_integration.store.derivations import open_graph_store
from aws_integration.store.migrations import BASE_SCHEMA
from aws_integration.store.records import canonical
from bench import write_figures
from tests.servers import ServerMissing, postgres_server

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


def _entity_rows(entities: list[Entity]) -> Iterator[tuple[Any, ...]]:
    return ((e.key, e.type, canonical(list(e.classes)), e.display_name, canonical(e.properties)) for e in entities)


def _relationship_rows(relationships: list[Relationship]) -> Iterator[tuple[Any, ...]]:
    return ((r.key, r.type, r.verb, r.from_key, r.from_type, r.to_key, r.to_type, canonical(r.properties))
            for r in relationships)


def raw_insert_seconds(path: str, entities: list[Entity], relationships: list[Relationship]) -> float:
    """The floor: the same rows inserted with executemany, one transaction, no diff, no change set."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(BASE_SCHEMA)
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO entities VALUES ('aws:0', ?, ?, ?, ?, ?, 1, 1)", _entity_rows(entities))
    db.executemany("INSERT INTO relationships VALUES ('aws:0', ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
                   _relationship_rows(relationships))
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def raw_copy_seconds(url: str, entities: list[Entity], relationships: list[Relationship]) -> float:
    """PostgreSQL's floor: the same rows copied in (``COPY``), one transaction, into the store's empty tables."""
    import psycopg

    from aws_integration.store.postgres import PostgresStore

    PostgresStore(url).close()  # the store's own tables, indexes and collation
    with psycopg.connect(url) as db:
        started = time.perf_counter()
        with db.cursor() as cursor:
            for table, columns, rows in (
                ("entities", "key, type, classes, display_name, properties", _entity_rows(entities)),
                ("relationships", "key, type, verb, from_key, from_type, to_key, to_type, properties",
                 _relationship_rows(relationships)),
            ):
                with cursor.copy(f"COPY {table} (source, {columns}, first_run) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(("aws:0", *row, 1))
        db.commit()
        return time.perf_counter() - started


Floor = Callable[[str, list[Entity], list[Relationship]], float]


def _pass(location: str, floor_location: str, floor: Floor, first: Graph, second: Graph) -> tuple[float, float, float, Any]:
    """One measurement in new stores: the floor, the first commit, the diffing commit (and its summary)."""
    floor_seconds = floor(floor_location, *first)
    with open_graph_store(location) as store:
        started = time.perf_counter()
        store.commit_run(_batch(*first))
        write = time.perf_counter() - started
        started = time.perf_counter()
        summary = store.commit_run(_batch(*second))
        diff = time.perf_counter() - started
    return floor_seconds, write, diff, summary


@contextlib.contextmanager
def _places(backend: str) -> Iterator[Callable[[str], str]]:
    """New, empty places for stores of ``backend``: files in a scratch folder, or databases of a throwaway server."""
    if backend == "postgresql":
        with postgres_server() as server:
            yield lambda name: server.database()
        return
    with tempfile.TemporaryDirectory() as scratch:
        yield lambda name: str(Path(scratch) / f"{name}.sqlite")


def run(count: int, repeat: int = 3, backend: str = "sqlite") -> dict[str, Any]:
    """Measure the floor, the first commit and the diffing commit ``repeat`` times; the medians count."""
    first = synthetic_graph(count)
    second = synthetic_graph(count, generation=1)
    floor: Floor = raw_copy_seconds if backend == "postgresql" else raw_insert_seconds
    with _places(backend) as place:
        passes = [_pass(place(f"graph-{index}"), place(f"raw-{index}"), floor, first, second) for index in range(repeat)]
    floor, write, diff = (statistics.median(samples) for samples in list(zip(*passes))[:3])
    summary = passes[0][3]
    return {
        "backend": backend,
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
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="measure this many times; the medians count")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    try:
        figures = run(args.entities, args.repeat, args.backend)
    except ServerMissing as missing:
        print(f"Store on {args.backend}: not measured: {missing}")
        return 1
    samples = figures["samples"]

    def spread(name: str) -> str:
        return "median of " + ", ".join(f"{sample:.2f}" for sample in samples[name])

    print(f"Store on {args.backend}: {figures['entities']:,} entities, {figures['relationships']:,} relationships")
    floor = "raw COPY (floor)" if args.backend == "postgresql" else "raw executemany (floor)"
    print(f"  {floor:<32} {figures['rawInsertSeconds']:>8.2f} s   1.00x   "
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
