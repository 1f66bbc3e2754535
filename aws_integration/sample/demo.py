"""``make demo``: the main job end to end on a local AWS endpoint.

Starts moto's server on a free 127.0.0.1 port, seeds the sample account and an
inventory role allowed exactly the declared IAM actions, then, as that role, runs the
real ``aws-integration permissions`` and ``aws-integration ingest``; prints their
output and a few stored entities, and stops the server it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aws_integration.registry import default_registry
from aws_integration.sample.moto_server import MotoServer
from aws_integration.sample.principals import inventory_role
from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, seed_sample_account

DEMO_STORE = Path("demo-graph.sqlite")
DEMO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": HOME_REGION,
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], text=True, capture_output=True, check=False)


def main() -> int:
    """Run the demo; returns the ingest command's exit code."""
    DEMO_STORE.unlink(missing_ok=True)
    with MotoServer() as server:
        os.environ.update(DEMO_CREDENTIALS, AWS_ENDPOINT_URL=server.url)
        os.environ.pop("AWS_PROFILE", None)
        print(f"moto server on {server.url} (pid {server.pid}); seeding the sample account ...")
        seed_sample_account(server.url)
        declared = sorted({call.iam_action for call in default_registry().api_calls()})
        os.environ.update(inventory_role(declared, server.url, name="aws-integration-demo"))
        print("$ aws-integration permissions   (as the role aws-integration-demo)\n")
        checked = _cli("permissions")
        print(checked.stdout)
        if checked.returncode != 0:
            print(checked.stderr, file=sys.stderr)
            return checked.returncode
        command = (
            "ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(DEMO_STORE),
            "--account-name", "demo-account", "--tag-with-account-name",
        )
        print(f"$ aws-integration {' '.join(command)}\n")
        result = _cli(*command)
        print(result.stdout)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
    exported = json.loads(_cli("export", "--store", str(DEMO_STORE)).stdout)
    print("A few stored entities:")
    shown = (
        ("aws_instance", lambda e: e.get("tag.Name") == "web-1"),
        ("aws_subnet", lambda e: e.get("public") is True),
        ("aws_s3_bucket", lambda e: e.get("encrypted") is True),
        ("aws_iam_user", lambda e: "email" in e),
    )
    for type_name, chosen in shown:
        entity = next(e for e in exported["entities"] if e["_type"] == type_name and chosen(e))
        print(json.dumps(entity, indent=2, ensure_ascii=False))
    print(f"\nThe graph is in {DEMO_STORE}; 'aws-integration export --store {DEMO_STORE}' prints all of it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
