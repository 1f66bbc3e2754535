"""The real CLI, as a subprocess, against moto's server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from aws_integration.sample.moto_server import MotoServer, free_port
from aws_integration.sample.principals import allow_document, inventory_role, inventory_user
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account
from tests.conftest import MOTO_UNVERIFIABLE_SERVICES
from tests.moto_quirks import MOTO_LACKS, volatile_records
from tests.aws.test_permission_enforced import _every_declared_action_but

pytestmark = pytest.mark.e2e
SECRET = "s3cr3t-SECRET-value-never-printed"
TOKEN = "t0ken-TOKEN-value-never-printed"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aws_integration", *args],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120, check=False,
    )


def _assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aws-integration: error: ") and expected in lines[0], result.stderr


def test_ingest_then_export(endpoint: str, tmp_path: Path) -> None:
    sample = seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    result = _cli("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(store), "--json",
                  "--account-name", "e2e", "--tag-with-account-name")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "success"
    # Skipped: only the types whose calls moto has no code for, each said to be not implemented.
    assert {(skipped["stepId"], skipped["reason"]) for skipped in report["skippedTypes"]} == {
        (step, "not_implemented") for step in MOTO_LACKS}
    assert report["entityCounts"]["aws_instance"] == 4 and report["entityCounts"]["aws_s3_bucket"] == 3
    assert report["store"]["entities"]["created"] == sum(report["entityCounts"].values())

    exported = json.loads(_cli("export", "--store", str(store)).stdout)
    staging = [e for e in exported["entities"] if e["_type"] == "aws_instance" and e.get("tag.Environment") == "staging"]
    assert [e["instanceId"] for e in staging] == [sample.eu_instance]
    assert staging[0]["tag.AccountName"] == "e2e"
    keys = {e["_key"] for e in exported["entities"]}
    assert all(r["_fromEntityKey"] in keys and r["_toEntityKey"] in keys for r in exported["relationships"])

    again = _cli("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(store),
                 "--account-name", "e2e", "--tag-with-account-name")
    assert again.returncode == 0, again.stderr
    changed = volatile_records(exported)  # moto's own made-up fields; nothing the integration itself varies
    assert "Status: success" in again.stdout and f"entities 0 new, {changed} changed, 0 deleted" in again.stdout


def test_secrets_never_reach_output_or_store(endpoint: str, tmp_path: Path) -> None:
    store = tmp_path / "graph.sqlite"
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    result = _cli("-vv", "ingest", "--regions", "us-east-1", "--store", str(store), env=env)
    assert result.returncode == 0, result.stderr
    assert "fetch-vpcs: success" in result.stderr  # progress is logged with -vv
    for text in (result.stdout, result.stderr, store.read_bytes().decode("utf-8", "replace")):
        assert SECRET not in text and TOKEN not in text


def test_missing_credentials(endpoint: str, tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    result = subprocess.run(
        [sys.executable, "-m", "aws_integration", "ingest", "--store", str(tmp_path / "s.sqlite")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    _assert_one_line_error(result, "no usable AWS credentials")


def test_unknown_region(endpoint: str, tmp_path: Path) -> None:
    result = _cli("ingest", "--regions", "us-east-1,xx-fake-1", "--store", str(tmp_path / "s.sqlite"))
    _assert_one_line_error(result, "unknown or disabled region(s): xx-fake-1")


def test_unreachable_endpoint(tmp_path: Path) -> None:
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    result = _cli("ingest", "--store", str(tmp_path / "s.sqlite"), env=env)
    _assert_one_line_error(result, "cannot reach the AWS endpoint")


def test_unwritable_store(endpoint: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = _cli("ingest", "--store", str(blocker / "graph.sqlite"))
    _assert_one_line_error(result, "cannot open store")


def test_export_without_a_store(tmp_path: Path) -> None:
    _assert_one_line_error(_cli("export", "--store", str(tmp_path / "none.sqlite")), "run 'aws-integration ingest' first")


def test_unknown_profile(endpoint: str, tmp_path: Path) -> None:
    result = _cli("ingest", "--profile", "no-such-profile", "--store", str(tmp_path / "s.sqlite"))
    _assert_one_line_error(result, "no-such-profile")


def _as(credentials: dict[str, str]) -> dict[str, str]:
    """An environment with only these credentials (no session token left over)."""
    env = {name: value for name, value in os.environ.items() if name != "AWS_SESSION_TOKEN"}
    return {**env, **credentials}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aws_integration", *args], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )


def test_denied_action_is_reported_and_earlier_data_kept(server: MotoServer, endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    store = tmp_path / "graph.sqlite"
    assert _cli("ingest", "--regions", "us-east-1", "--store", str(store)).returncode == 0
    env = _as(inventory_user(endpoint_url=endpoint, actions=_every_declared_action_but("s3:GetBucketTagging")))

    with server.iam_enforced():
        result = _run("ingest", "--regions", "us-east-1", "--store", str(store),
                      "--exclude-services", ",".join(MOTO_UNVERIFIABLE_SERVICES), env=env)

    assert result.returncode == 0, result.stderr
    assert "Status: partial" in result.stdout
    assert "fetch-s3-buckets" in result.stdout and "missing s3:GetBucketTagging" in result.stdout
    # Kept: the three buckets, the sample's GuardDuty detector and the Macie session moto reports
    # as on (their services are left out here).
    assert "deleted, 5 kept from earlier runs; relationships" in result.stdout
    assert "Permission check for user inventory: predicted denied s3:GetBucketTagging;" in result.stdout
    assert "0 disagreement(s)" in result.stdout
    exported = json.loads(_cli("export", "--store", str(store)).stdout)
    assert sum(1 for e in exported["entities"] if e["_type"] == "aws_s3_bucket") == 3
    assert env["AWS_SECRET_ACCESS_KEY"] not in result.stdout + result.stderr


def test_permissions_predicts_exactly_what_the_run_is_refused(server: MotoServer, endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    env = _as(inventory_role(endpoint_url=endpoint, actions=_every_declared_action_but("s3:GetBucketTagging", "iam:ListRoles")))

    with server.iam_enforced():
        table = _run("permissions", env=env)
        predicted = _run("permissions", "--json", env=env)
        run = _run("ingest", "--regions", "us-east-1", "--store", str(tmp_path / "g.sqlite"), "--json",
                   "--exclude-services", ",".join(MOTO_UNVERIFIABLE_SERVICES), env=env)

    assert table.returncode == 3, table.stderr
    assert "Permissions of role Inventory" in table.stdout
    bucket_row = next(line for line in table.stdout.splitlines() if line.startswith("aws_s3_bucket "))
    assert "will be skipped" in bucket_row and "s3:GetBucketTagging" in bucket_row
    role_row = next(line for line in table.stdout.splitlines() if line.startswith("aws_iam_role "))
    assert "will be skipped" in role_row and "iam:ListRoles" in role_row
    assert "service control policies" in table.stdout.lower()
    assert predicted.returncode == 3
    report = json.loads(predicted.stdout)
    skipped = {step["stepId"]: step["missingActions"] for step in report["steps"] if step["verdict"] == "will be skipped"}
    assert skipped == {"fetch-s3-buckets": ["s3:GetBucketTagging"], "fetch-iam-roles": ["iam:ListRoles"]}

    assert run.returncode == 0, run.stderr
    observed = json.loads(run.stdout)
    refused = {step["stepId"]: step["deniedActions"] for step in observed["steps"] if step["deniedActions"]}
    assert refused == skipped
    assert observed["permissionCheck"]["disagreements"] == []
    assert observed["permissionCheck"]["observedDenied"] == ["iam:ListRoles", "s3:GetBucketTagging"]
    assert env["AWS_SESSION_TOKEN"] not in table.stdout + predicted.stdout + run.stdout + run.stderr


def test_permissions_names_the_action_it_needs_and_falls_back_to_policy_files(
    server: MotoServer, endpoint: str, tmp_path: Path
) -> None:
    env = _as(inventory_role(endpoint_url=endpoint, actions=_every_declared_action_but("iam:GetRole")))
    policy = tmp_path / "inventory.json"
    policy.write_text(json.dumps({"PolicyDocument": json.loads(allow_document(_every_declared_action_but("iam:ListUsers")))}))

    role_arn = "arn:aws:iam::123456789012:role/Inventory"
    with server.iam_enforced():
        refused = _run("permissions", env=env)
        fallback = _run("permissions", "--policy-file", str(policy), "--role-arn", role_arn, env=env)

    _assert_one_line_error(refused, "cannot read the policies of role Inventory: iam:GetRole denied")
    assert "--policy-file" in refused.stderr
    assert fallback.returncode == 3, fallback.stderr
    assert "Permissions of role Inventory (policies from the files given)" in fallback.stdout
    assert "Read from the policy files given (--policy-file); IAM was not read." in fallback.stdout
    users_row = next(line for line in fallback.stdout.splitlines() if line.startswith("aws_iam_user "))
    assert "iam:ListUsers" in users_row


def test_policy_files_are_used_whenever_given_and_the_setup_policy_is_accepted(
    server: MotoServer, endpoint: str, tmp_path: Path
) -> None:
    # IAM could be read, and would say everything is allowed: the files given are what is checked.
    env = _as(inventory_role(endpoint_url=endpoint, actions=_every_declared_action_but()))
    generated = _run("setup", "--format", "policy", env=env)
    assert generated.returncode == 0 and generated.stdout.lstrip().startswith("[")
    (tmp_path / "setup.json").write_text(generated.stdout)
    (tmp_path / "narrow.json").write_text(allow_document(["s3:ListAllMyBuckets"]))
    with server.iam_enforced():
        full = _run("permissions", "--policy-file", str(tmp_path / "setup.json"), "--json", env=env)
        narrow = _run("permissions", "--policy-file", str(tmp_path / "narrow.json"), env=env)
    assert full.returncode == 0, full.stdout + full.stderr
    assert json.loads(full.stdout)["notes"][0].startswith("Read from the policy files given")
    assert narrow.returncode == 3 and "will be skipped" in narrow.stdout


def test_permissions_of_another_role_all_ready(endpoint: str) -> None:
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="Auditor", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="Auditor", PolicyName="all", PolicyDocument=allow_document(_every_declared_action_but()))

    result = _cli("permissions", "--role-arn", arn)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Permissions of role Auditor" in result.stdout
    assert "will be skipped" not in result.stdout.replace("0 will be skipped", "")


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json", "not JSON"), ('{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}', "Effect"),
     ("42", "policy file"), ("[]", "empty list"), ('[{"Statement": []}, "x"]', "policy file"),
     ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": NaN}]}', "policy file")],
)
def test_malformed_policy_files_are_one_line_errors(tmp_path: Path, content: str, expected: str) -> None:
    policy = tmp_path / "bad.json"
    policy.write_text(content)
    env = _as({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    env.pop("AWS_ENDPOINT_URL", None)
    _assert_one_line_error(_run("permissions", "--policy-file", str(policy), env=env), expected)


def test_ingest_runs_a_configured_instance_through_its_role(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "ext-from-env"}}}]}
    role = iam.create_role(RoleName="configured", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName="configured", PolicyName="all", PolicyDocument=allow_document(_every_declared_action_but()))
    config = tmp_path / "aws-integration.yaml"
    config.write_text(f"""
instances:
  - name: sample-prod
    roleArn: {role['Arn']}
    externalId: {{fromEnv: SAMPLE_EXTERNAL_ID}}
    regions: [us-east-1]
    services: {{exclude: [s3]}}
    tagWithAccountName: true
""")
    store = tmp_path / "graph.sqlite"

    result = _cli("ingest", "--config", str(config), "--instance", "sample-prod", "--store", str(store), "--json",
                  env={"SAMPLE_EXTERNAL_ID": "ext-from-env"})

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["regions"] == ["us-east-1"]
    assert report["permissionCheck"]["subject"] == "role configured"
    steps = {step["stepId"]: step for step in report["steps"]}
    assert (steps["fetch-s3-buckets"]["status"], steps["fetch-s3-buckets"]["reason"]) == ("disabled", "config")
    assert steps["fetch-account"]["status"] == "success" and steps["fetch-instances"]["status"] == "success"
    entities = json.loads(_cli("export", "--store", str(store), "--source", "aws:123456789012").stdout)["entities"]
    account = next(entity for entity in entities if entity["_type"] == "aws_account")
    assert account["displayName"] == "sample-prod"
    assert all(entity.get("tag.AccountName") == "sample-prod" for entity in entities)
    assert "ext-from-env" not in result.stdout + result.stderr + store.read_bytes().decode("utf-8", "replace")


def test_ingest_with_a_bad_configuration_touches_nothing(tmp_path: Path) -> None:
    config = tmp_path / "aws-integration.yaml"
    config.write_text("instances:\n  - name: a\n    pollingInterval: HOURLY\n  - name: b\n    regions: [moon-1]\n")
    store = tmp_path / "graph.sqlite"

    result = _cli("ingest", "--config", str(config), "--instance", "a", "--store", str(store))

    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert [line.split(": ")[3] for line in errors] == ["instances[0].pollingInterval", "instances[1].regions"]
    assert not store.exists()
