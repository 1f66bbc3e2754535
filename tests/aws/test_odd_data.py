"""Odd but valid data: every tag AWS accepts survives to the store exactly."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from aws_integration.integrations.aws.engine.runner import RunOptions
from aws_integration.graph.tags import typed_tag_value
from aws_integration.store import GraphBatch, SqliteStore
from tests.conftest import collect

ODD_KEYS = [
    "Cost Center", "a=b", "app.tier", "team:owner", "  padded  ", "ключ", "部署", "emoji 🚀", "k" * 128,
    "Name", "name", "NAME", "tags", "tag.nested", "_key", "",
]


def _odd_tags() -> list[dict[str, str]]:
    """50 tags (the most AWS allows): odd keys, empty and unicode values, 256-character values."""
    keys = [key for key in ODD_KEYS if key] + [f"filler-{index:02d}" for index in range(50)]
    values = ["", "ü" * 256, "x" * 256, "=:.", "true", "007", "1.50", "Ünïcødé ✓", "  spaced  "]
    return [{"Key": key, "Value": values[index % len(values)]} for index, key in enumerate(keys[:50])]


def test_every_tag_aws_accepts_reaches_the_store_exactly(tmp_path: Path) -> None:
    tags = _odd_tags()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc_id], Tags=tags)
        graph = collect(options=RunOptions(regions=("us-east-1",), include_services=frozenset({"ec2"}),
                                           check_permissions=False))
    vpc = next(e for e in graph.entities if e.type == "aws_vpc" and e.properties.get("vpcId") == vpc_id)
    assert len(tags) == 50
    for tag in tags:
        assert vpc.properties[f"tag.{tag['Key']}"] == typed_tag_value(tag["Value"]), tag["Key"]
    assert vpc.properties["tag._key"] == tags[ODD_KEYS.index("_key")]["Value"]  # a tag cannot overwrite _key
    assert vpc.key != vpc.properties["tag._key"]

    with SqliteStore(tmp_path / "graph.sqlite") as store:
        store.commit_run(GraphBatch("aws:123456789012", graph.entities, graph.relationships, set(), set(),
                                    graph.report.status, graph.report.started_at, graph.report.finished_at))
        stored = next(record for record in store.entities(types=["aws_vpc"]) if record.get("vpcId") == vpc_id)
    assert {name: value for name, value in stored.items() if name.startswith("tag.")} == {
        name: value for name, value in vpc.properties.items() if name.startswith("tag.")
    }
    named = [tag["Value"] for tag in tags if tag["Key"].lower() == "name" and tag["Value"]]
    assert named and stored["displayName"] == named[-1]
