"""Query speed: J1QL traversals on a store of 100,000 entities and 300,000 relationships.

Targets (issue "The query language users already know"): a one-hop traversal with a tag
filter answers in under 200 ms, a three-hop one in under 1 s. Each query runs ``--repeat``
times after one warm-up; the medians count, including reading the rows into Python. The
baseline, measured in the same run, is the same question written by hand in SQL on the
same store, knowing each relationship's direction (the query language follows either).

    python -m bench.query_speed [--entities N] [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_integration.graph.model import Entity, Relationship
from aws_integration.query.run import run_query
from aws_integration.store import GraphBatch, SqliteStore
from bench import write_figures

# Of every 100 entities: 40 instances, 20 volumes, 10 security groups, 10 subnets, 19 roles, 1 key.
SHARES = {"aws_instance": 40, "aws_ebs_volume": 20, "aws_security_group": 10, "aws_subnet": 10, "aws_iam_role": 19,
          "aws_kms_key": 1}
CLASSES = {"aws_instance": "Host", "aws_ebs_volume": "Disk", "aws_security_group": "Firewall", "aws_subnet": "Network",
           "aws_iam_role": "AccessRole", "aws_kms_key": "Key"}


@dataclass(frozen=True)
class Case:
    """One question: the query, its hand-written SQL, and its target."""

    name: str
    query: str
    sql: str
    target_ms: float


CASES = (
    Case(
        "one hop, tag filter",
        "FIND aws_instance WITH tag.Environment = 'staging' THAT USES aws_ebs_volume WITH encrypted = false",
        "SELECT DISTINCT i.key, i.properties FROM entities i JOIN relationships r ON r.from_key = i.key "
        "JOIN entities v ON v.key = r.to_key WHERE i.type = 'aws_instance' "
        "AND json_extract(i.properties, '$.\"tag.Environment\"') = 'staging' AND r.verb = 'USES' "
        "AND v.type = 'aws_ebs_volume' AND json_type(v.properties, '$.encrypted') = 'false' ORDER BY i.key",
        200.0,
    ),
    Case(
        "three hops",
        "FIND aws_security_group WITH tag.Exposure = 'internet' THAT PROTECTS aws_instance "
        "THAT USES aws_ebs_volume WITH encrypted = true THAT USES aws_kms_key "
        "RETURN aws_security_group.displayName, aws_instance.displayName, aws_kms_key.displayName",
        "SELECT DISTINCT g.display_name, i.display_name, k.display_name FROM entities g "
        "JOIN relationships p ON p.from_key = g.key JOIN entities i ON i.key = p.to_key "
        "JOIN relationships u ON u.from_key = i.key JOIN entities v ON v.key = u.to_key "
        "JOIN relationships w ON w.from_key = v.key JOIN entities k ON k.key = w.to_key "
        "WHERE g.type = 'aws_security_group' AND json_extract(g.properties, '$.\"tag.Exposure\"') = 'internet' "
        "AND p.verb = 'PROTECTS' AND i.type = 'aws_instance' AND u.verb = 'USES' AND v.type = 'aws_ebs_volume' "
        "AND json_type(v.properties, '$.encrypted') = 'true' AND w.verb = 'USES' AND k.type = 'aws_kms_key' "
        "ORDER BY 1, 2, 3",
        1000.0,
    ),
)


def synthetic_graph(count: int) -> tuple[list[Entity], list[Relationship]]:
    """``count`` entities in the shares above, and three relationships per entity: each security group
    PROTECTS 8 instances, each instance USES a volume and a role, each subnet HAS 4 instances, each volume
    USES a key, and each instance CONNECTS to the next two."""
    keys: dict[str, list[str]] = {}
    entities: list[Entity] = []
    for type_name, share in SHARES.items():
        total = count * share // 100
        keys[type_name] = [f"{type_name}-{index}" for index in range(total)]
        for index, key in enumerate(keys[type_name]):
            properties: dict[str, Any] = {"tag.Environment": "staging" if index % 5 == 0 else "production",
                                          "tag.Owner": f"team-{index % 40}"}
            if type_name == "aws_ebs_volume":
                properties["encrypted"] = index % 4 != 0
            if type_name == "aws_security_group":
                properties["tag.Exposure"] = "internet" if index % 20 == 0 else "internal"
            entities.append(Entity(key, type_name, (CLASSES[type_name],), key, properties))
    instances, volumes = keys["aws_instance"], keys["aws_ebs_volume"]
    relationships = [
        *(Relationship(group, "aws_security_group", "PROTECTS", instances[(index * 8 + step) % len(instances)],
                       "aws_instance") for index, group in enumerate(keys["aws_security_group"]) for step in range(8)),
        *(Relationship(instance, "aws_instance", "USES", volumes[index % len(volumes)], "aws_ebs_volume")
          for index, instance in enumerate(instances)),
        *(Relationship(instance, "aws_instance", "USES", keys["aws_iam_role"][index % len(keys["aws_iam_role"])],
                       "aws_iam_role") for index, instance in enumerate(instances)),
        *(Relationship(subnet, "aws_subnet", "HAS", instances[(index * 4 + step) % len(instances)], "aws_instance")
          for index, subnet in enumerate(keys["aws_subnet"]) for step in range(4)),
        *(Relationship(volume, "aws_ebs_volume", "USES", keys["aws_kms_key"][index % len(keys["aws_kms_key"])],
                       "aws_kms_key") for index, volume in enumerate(volumes)),
        *(Relationship(instance, "aws_instance", "CONNECTS", instances[(index + step) % len(instances)],
                       "aws_instance") for index, instance in enumerate(instances) for step in (1, 2)),
    ]
    if len({relationship.key for relationship in relationships}) != len(relationships):
        raise ValueError(f"the synthetic graph of {count} entities repeats a relationship")
    return entities, relationships


def _median_ms(action: Callable[[], int], repeat: int) -> tuple[float, int, list[float]]:
    """One warm-up, then ``repeat`` timed calls: the median in ms, the rows, and every sample."""
    rows = action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), rows, samples


def run(count: int, repeat: int = 5) -> dict[str, Any]:
    """Build the store, then time each case and its hand-written SQL."""
    entities, relationships = synthetic_graph(count)
    figures: dict[str, Any] = {"entities": len(entities), "relationships": len(relationships), "cases": []}
    with tempfile.TemporaryDirectory() as scratch, SqliteStore(Path(scratch) / "graph.sqlite") as store:
        store.commit_run(GraphBatch("aws:000000000000", entities, relationships, set(), set(), "success",
                                    "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00"))
        for case in CASES:
            query_ms, rows, samples = _median_ms(lambda: len(run_query(store, case.query).rows), repeat)
            sql_ms, sql_rows, _ = _median_ms(lambda: len(store.select(case.sql)), repeat)
            if rows != sql_rows:
                raise SystemExit(f"{case.name}: the query found {rows} rows, the hand-written SQL {sql_rows}")
            figures["cases"].append({
                "name": case.name, "query": case.query, "rows": rows, "queryMs": round(query_ms, 1),
                "samplesMs": [round(sample, 1) for sample in samples], "handWrittenSqlMs": round(sql_ms, 1),
                "vsHandWritten": round(query_ms / sql_ms, 2), "targetMs": case.target_ms,
                "withinTarget": query_ms < case.target_ms,
            })
    return figures


def main() -> int:
    """Print the table (and write JSON when asked); exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="time each query this many times; the medians count")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = run(args.entities, args.repeat)
    print(f"Query: {figures['entities']:,} entities, {figures['relationships']:,} relationships")
    print(f"  {'question':<22} {'rows':>6} {'query ms':>9} {'hand SQL ms':>12} {'ratio':>6} {'target':>7}")
    for case in figures["cases"]:
        verdict = "" if case["withinTarget"] else "  OVER"
        print(f"  {case['name']:<22} {case['rows']:>6} {case['queryMs']:>9.1f} {case['handWrittenSqlMs']:>12.1f} "
              f"{case['vsHandWritten']:>5.2f}x {case['targetMs']:>5.0f} ms{verdict}")
    write_figures(args.json, figures)
    return 0 if all(case["withinTarget"] for case in figures["cases"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
