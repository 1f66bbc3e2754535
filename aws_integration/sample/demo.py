"""``make demo``: the main job end to end on a local AWS endpoint.

Starts moto's server on a free 127.0.0.1 port, seeds the sample account and an
inventory role allowed exactly the declared IAM actions, then, as that role, runs the
real ``aws-integration permissions`` and ``aws-integration ingest`` of a configured
instance; changes the account (a security group opened to the internet, a retagged
instance) and runs again, so that an alert rule fires, and shows ``runs`` and
``changes``, two queries (instances behind security groups open to the internet;
the people behind the users), a few stored entities, and stops the server it started.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3

from aws_integration.registry import default_registry
from aws_integration.sample.moto_server import MotoServer
from aws_integration.sample.principals import inventory_role
from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, SampleAccount, seed_sample_account

DEMO_STORE = Path("demo-graph.sqlite")
DEMO_CONFIG = Path("demo-config.yaml")
DEMO_QUERY = (
    "FIND aws_security_group AS g WITH allowsIngressFromInternet = true "
    "THAT PROTECTS aws_instance AS i RETURN g.displayName, i.displayName, i.tag.Environment"
)
DEMO_CONFIG_TEXT = f"""\
instances:
  - name: demo-account
    description: the sample account in moto
    pollingInterval: ONE_HOUR
    regions: [{", ".join(SAMPLE_REGIONS)}]
    tagWithAccountName: true
alerts:
  - name: security group opened to the internet
    type: aws_security_group
    change: [created, updated]
    property: allowsIngressFromInternet
    to: true
"""
DEMO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": HOME_REGION,
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aws_integration", *args], text=True, capture_output=True, check=False)


def _change_the_account(sample: SampleAccount) -> None:
    ec2 = boto3.client("ec2", region_name=HOME_REGION)
    ec2.authorize_security_group_ingress(
        GroupId=sample.db_security_group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.create_tags(Resources=[sample.web_instances[0]], Tags=[{"Key": "Environment", "Value": "staging"}])


def main() -> int:
    """Run the demo; returns the ingest command's exit code."""
    DEMO_STORE.unlink(missing_ok=True)
    shutil.rmtree(DEMO_STORE.with_name(f"{DEMO_STORE.name}.locks"), ignore_errors=True)
    with MotoServer() as server:
        os.environ.update(DEMO_CREDENTIALS, AWS_ENDPOINT_URL=server.url)
        os.environ.pop("AWS_PROFILE", None)
        print(f"moto server on {server.url} (pid {server.pid}); seeding the sample account ...")
        sample = seed_sample_account(server.url)
        declared = sorted({call.iam_action for call in default_registry().api_calls()})
        os.environ.update(inventory_role(declared, server.url, name="aws-integration-demo"))
        print("$ aws-integration permissions   (as the role aws-integration-demo)\n")
        checked = _cli("permissions")
        print(checked.stdout)
        if checked.returncode != 0:
            print(checked.stderr, file=sys.stderr)
            return checked.returncode
        DEMO_CONFIG.write_text(DEMO_CONFIG_TEXT, encoding="utf-8")
        print(f"$ cat {DEMO_CONFIG}\n{DEMO_CONFIG_TEXT}")
        command = ("ingest", "--config", str(DEMO_CONFIG), "--instance", "demo-account", "--store", str(DEMO_STORE))
        print(f"$ aws-integration {' '.join(command)}\n")
        result = _cli(*command)
        print(result.stdout)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        print("Changing the account: the db security group opened to 0.0.0.0/0, web-1 retagged staging ...")
        _change_the_account(sample)
        print(f"$ aws-integration {' '.join(command)}\n")
        again = _cli(*command)
        if again.returncode != 0:
            print(again.stdout, again.stderr, file=sys.stderr)
            return again.returncode
        print("\n".join(line for line in again.stdout.splitlines() if line.startswith(("Status:", "Stored", "alert"))))
    for listing in (
        ("runs", "--store", str(DEMO_STORE)),
        ("changes", "2", "--store", str(DEMO_STORE)),
        ("query", DEMO_QUERY, "--store", str(DEMO_STORE)),
        ("query", "FIND Person AS p THAT IS User AS u RETURN p.email, u._type, u.displayName", "--store", str(DEMO_STORE)),
    ):
        print("\n$ aws-integration " + " ".join(f'"{arg}"' if " " in arg else arg for arg in listing))
        print(_cli(*listing).stdout)
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
