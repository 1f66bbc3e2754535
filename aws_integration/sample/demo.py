"""``make demo``: the main job end to end on a local AWS endpoint and a local SentinelOne console.

Starts moto's server on a free 127.0.0.1 port, seeds the sample account and an
inventory role allowed exactly the declared IAM actions, then, as that role, runs the
real ``aws-integration permissions`` and ``aws-integration ingest`` of a configured
instance. Starts the local SentinelOne console (2 sites, 5 groups, 2,500 agents, two
of them on the sample account's EC2 instances, some logged in as its people), checks
its token with ``permissions`` and ingests it into the same store. Changes the account
(a security group opened to the internet, a retagged instance) and runs again, so that
an alert rule fires, and shows ``runs`` and ``changes``, the cross-source questions
(EC2 instances without an endpoint agent, the agents on cloud hosts, who owns which
device), a few stored entities, and stops the servers it started.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3

from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.moto_server import MotoServer
from aws_integration.sample.sentinelone_console import FakeConsole, serve
from aws_integration.sample.sentinelone_seed import ACCOUNT_TOKEN, cloud_hosts, sample_console, sample_tokens
from aws_integration.sample.principals import inventory_role
from aws_integration.sample.seed import HOME_REGION, SAMPLE_REGIONS, SampleAccount, seed_sample_account

DEMO_STORE = Path("demo-graph.sqlite")
DEMO_CONFIG = Path("demo-config.yaml")
DEMO_QUERY = (
    "FIND aws_security_group AS g WITH allowsIngressFromInternet = true "
    "THAT PROTECTS aws_instance AS i RETURN g.displayName, i.displayName, i.tag.Environment"
)
CROSS_SOURCE_QUERIES = (
    "FIND aws_instance AS i THAT !PROTECTS sentinelone_agent RETURN i.displayName, i.instanceId, i.region",
    "FIND sentinelone_agent AS a THAT PROTECTS aws_instance AS i RETURN a.displayName, a.siteName, i.tag.Name",
    "FIND Person AS p THAT OWNS Device AS d RETURN p.email, d.displayName, d.serialNumber, d.category LIMIT 8",
    "FIND sentinelone_agent AS a WITH infected = true RETURN a.displayName, a.activeThreats, a.siteName LIMIT 5",
)
DEMO_QUESTIONS = ("ssh-open-to-internet", "rdp-open-to-internet", "unencrypted-databases", "trusted-from-outside",
                  "instances-without-endpoint-agent")  # some of the saved security questions (docs/query.md)
CONSOLE_TOKEN_VARIABLE = "DEMO_S1_TOKEN"
DEMO_CONFIG_TEXT = f"""\
instances:
  - name: demo-account
    description: the sample account in moto
    pollingInterval: ONE_HOUR
    regions: [{", ".join(SAMPLE_REGIONS)}]
    tagWithAccountName: true
  - name: demo-console
    integration: sentinelone
    description: the sample SentinelOne console (local)
    managementUrl: {{console_url}}
    apiToken: {{{{fromEnv: {CONSOLE_TOKEN_VARIABLE}}}}}
    accountName: Example Corp
    pollingInterval: FOUR_HOURS
alerts:
  - name: security group opened to the internet
    type: aws_security_group
    change: [created, updated]
    property: allowsIngressFromInternet
    to: true
  - name: endpoint agent infected
    type: sentinelone_agent
    change: [created, updated]
    property: infected
    to: true
    instances: [demo-console]
  - name: endpoint agent stopped reporting
    type: sentinelone_agent
    change: [updated]
    property: isStale
    to: true
    instances: [demo-console]
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


def _show(command: tuple[str, ...], *, full: bool = True) -> int:
    """Run one command as a user would, print what it says; returns its exit code."""
    print(f"$ aws-integration {' '.join(command)}\n")
    result = _cli(*command)
    if result.returncode not in (0, 3) or full:
        print(result.stdout)
    else:
        print("\n".join(line for line in result.stdout.splitlines() if line.startswith(("Status:", "Stored", "alert"))))
    if result.returncode not in (0, 3):
        print(result.stderr, file=sys.stderr)
    return result.returncode


def _ingest_both(sample: SampleAccount) -> int:
    """Ingest the account and the console into one store, then the changed account again."""
    store = ("--store", str(DEMO_STORE))
    account = ("ingest", "--config", str(DEMO_CONFIG), "--instance", "demo-account", *store)
    steps = (
        (account, True),
        (("permissions", "--config", str(DEMO_CONFIG), "--instance", "demo-console"), True),
        (("ingest", "--config", str(DEMO_CONFIG), "--instance", "demo-console", *store), True),
    )
    for command, full in steps:
        code = _show(command, full=full)
        if code not in (0, 3):
            return code
    print("Changing the account: the db security group opened to 0.0.0.0/0, web-1 retagged staging ...")
    _change_the_account(sample)
    code = _show(account, full=False)
    return code if code not in (0, 3) else 0


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
        described = boto3.client("ec2", region_name=HOME_REGION).describe_instances(
            InstanceIds=[sample.web_instances[0], sample.db_instance])
        console = FakeConsole(sample_console(cloud_hosts(described)), sample_tokens())
        with serve(console) as console_url:
            os.environ[CONSOLE_TOKEN_VARIABLE] = ACCOUNT_TOKEN
            print(f"SentinelOne console (local) on {console_url}: 2 sites, 5 groups, {len(console.data.agents)} agents")
            config_text = DEMO_CONFIG_TEXT.format(console_url=console_url)
            DEMO_CONFIG.write_text(config_text, encoding="utf-8")
            print(f"$ cat {DEMO_CONFIG}\n{config_text}")
            code = _ingest_both(sample)
        if code:
            return code
    for listing in (
        ("runs", "--store", str(DEMO_STORE)),
        ("changes", "3", "--store", str(DEMO_STORE)),
        ("query", DEMO_QUERY, "--store", str(DEMO_STORE)),
        ("query", "FIND Person AS p THAT IS User AS u RETURN p.email, u._type, u.displayName", "--store", str(DEMO_STORE)),
        *(("query", question, "--store", str(DEMO_STORE)) for question in CROSS_SOURCE_QUERIES),
        ("questions", *DEMO_QUESTIONS, "--store", str(DEMO_STORE)),
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
        ("sentinelone_agent", lambda e: e.get("modelName") == "Amazon EC2"),
        ("device", lambda e: e.get("category") == "laptop"),
    )
    for type_name, chosen in shown:
        entity = next(e for e in exported["entities"] if e["_type"] == type_name and chosen(e))
        print(json.dumps(entity, indent=2, ensure_ascii=False))
    print(f"\nThe graph is in {DEMO_STORE}; 'aws-integration export --store {DEMO_STORE}' prints all of it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
