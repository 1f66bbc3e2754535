"""Instance runs in moto: change sets across runs, alert rules, AWS Organizations."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count

from aws_integration.steps.report import DisabledReason
from aws_integration.config import AlertRule, AwsInstance, Instance
from aws_integration.integrations.aws import job as aws_job
from aws_integration.graph.model import Entity
from aws_integration.jobs.alerts import Alert, AlertSink
from aws_integration.jobs.run import InstanceRun, Job, JobSettings
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.sample.principals import allow_document, inventory_user
from aws_integration.sample.seed import AMI_ID, HOME_REGION, SAMPLE_REGIONS, SampleAccount
from aws_integration.store import Change, ChangeKind, GraphBatch, SqliteStore
from tests.conftest import MOTO_UNVERIFIABLE_SERVICES, enforceable_registry
from tests.moto_aio import moto_session
from tests.aws.test_permission_enforced import _every_declared_action_but

SETTINGS = JobSettings(session_factory=lambda profile: moto_session(), check_permissions=False)


class RecordingSink(AlertSink):
    """The real sink (it logs), also keeping what it emitted for the test to read."""

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[Alert] = []

    async def emit(self, alert: Alert) -> None:
        self.alerts.append(alert)
        await super().emit(alert)


def _instance(**fields: Any) -> Instance:
    return AwsInstance.model_validate({"name": "sample", "regions": list(SAMPLE_REGIONS), **fields})


def _rules() -> list[AlertRule]:
    return [
        AlertRule.model_validate(rule)
        for rule in (
            {"name": "security group open to the internet", "type": "aws_security_group",
             "change": ["created", "updated"], "property": "allowsIngressFromInternet", "to": True},
            {"name": "new access key", "type": "aws_iam_access_key", "change": ["created"]},
            {"name": "public access block turned off", "type": "aws_s3_bucket", "change": ["updated"],
             "property": "publicAccessBlocked", "from": True, "to": False},
            {"name": "never matches", "type": "aws_vpc", "change": ["deleted"]},
        )
    ]


def _run(job: Job, instance: Instance | None) -> InstanceRun:
    return asyncio.run(job.run(instance))


@set_initial_no_auth_action_count(0)
def _run_enforced(job: Job, instance: Instance) -> InstanceRun:
    return _run(job, instance)


def _by(changes: list[Change]) -> dict[tuple[str, str], Change]:
    return {(change.change.value, change.key): change for change in changes}


def _change_the_account(sample: SampleAccount) -> str:
    ec2 = boto3.client("ec2", region_name=HOME_REGION)
    new = ec2.run_instances(ImageId=AMI_ID, MinCount=1, MaxCount=1, SubnetId=sample.public_subnet)["Instances"][0]
    ec2.create_tags(Resources=[sample.web_instances[0]], Tags=[{"Key": "Environment", "Value": "staging"}])
    ec2.authorize_security_group_ingress(
        GroupId=sample.db_security_group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    s3 = boto3.client("s3", region_name=HOME_REGION)
    s3.delete_bucket(Bucket=next(name for name in sample.buckets if "assets" in name))
    logs = next(name for name in sample.buckets if "logs" in name)
    s3.delete_public_access_block(Bucket=logs)
    boto3.client("iam", region_name=HOME_REGION).create_access_key(UserName="alice")
    return str(new["InstanceId"])


def test_a_change_set_across_two_runs_with_a_denied_step(
    sample: SampleAccount, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sink = RecordingSink()
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        job = Job(enforceable_registry(), store, SETTINGS, _rules(), sink)  # run 2 is under IAM enforcement
        first = _run(job, _instance()).accounts[0]
        assert first.summary is not None and first.summary.baseline and first.alerts == []
        roles_before = {entity["_key"] for entity in store.entities(types=["aws_iam_role"])}
        assert roles_before

        new_instance = _change_the_account(sample)
        credentials = inventory_user(_every_declared_action_but("iam:ListRoles"))
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        for name, value in credentials.items():
            monkeypatch.setenv(name, value)
        second = _run_enforced(job, _instance()).accounts[0]

        assert second.status == "partial" and second.run_id is not None
        changes = store.changes(second.run_id)
        by_key = _by(changes)
        created_instance = next(key for change, key in by_key if change == "created" and key.endswith(new_instance))
        assert by_key[("created", created_instance)].type == "aws_instance"
        tagged = next(change for change in changes
                      if change.change is ChangeKind.UPDATED and change.key.endswith(sample.web_instances[0]))
        assert tagged.changed["tag.Environment"] == {"old": "production", "new": "staging"}
        deleted_buckets = [change.record["displayName"] for change in changes
                           if change.change is ChangeKind.DELETED and change.type == "aws_s3_bucket"]
        assert len(deleted_buckets) == 1 and "assets" in deleted_buckets[0]
        # The roles step was denied: its types are kept, and none is reported deleted.
        assert not [change for change in changes if change.type.startswith("aws_iam_role")
                    and change.change is ChangeKind.DELETED]
        assert {entity["_key"] for entity in store.entities(types=["aws_iam_role"])} == roles_before
        assert "aws_iam_role" in store.run(second.run_id).to_dict()["skippedTypes"]

        fired = {alert.rule: alert for alert in sink.alerts}
        assert set(fired) == {"security group open to the internet", "new access key", "public access block turned off"}
        assert [change.key for change in fired["security group open to the internet"].changes] == [
            f"arn:aws:ec2:us-east-1:123456789012:security-group/{sample.db_security_group}"
        ]
        # alice's new key, and the key of the user the second run signs in as.
        assert sorted(change.record["userName"] for change in fired["new access key"].changes) == ["alice", "inventory"]
        assert [change.record["displayName"] for change in fired["public access block turned off"].changes] == [
            next(name for name in sample.buckets if "logs" in name)
        ]
        assert second.alerts == sink.alerts


def test_rules_limited_to_other_instances_do_not_fire(sample: SampleAccount, tmp_path: Path) -> None:
    rule = AlertRule.model_validate({"name": "any new instance", "type": "aws_instance", "change": ["created"],
                                     "instances": ["production"]})
    sink = RecordingSink()
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        job = Job(default_registry(), store, SETTINGS, [rule], sink)
        _run(job, _instance())
        _change_the_account(sample)
        second = _run(job, _instance()).accounts[0]
    assert second.summary is not None and second.summary.entities.created >= 1
    assert sink.alerts == []


def test_each_run_logs_one_structured_line(sample: SampleAccount, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aws_integration.runs")
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        run = _run(Job(default_registry(), store, SETTINGS), _instance()).accounts[0]
    [line] = [record.getMessage() for record in caplog.records if record.name == "aws_integration.runs"]
    logged = json.loads(line)
    assert logged["event"] == "run" and logged["instance"] == "sample" and logged["runId"] == run.run_id
    assert logged["status"] == "success" and logged["targetId"] == "123456789012"
    assert logged["entities"] == sum(run.report.entity_counts.values())  # type: ignore[union-attr]
    assert logged["changes"]["entities"]["created"] == logged["entities"]


# --- AWS Organizations -----------------------------------------------------------------

ROLE_NAME = "aws-integration-inventory"
EXTERNAL_ID = "org-external-id"
MANAGEMENT = "123456789012"


RUNNER = f"arn:aws:iam::{MANAGEMENT}:user/integration-runner"


def _trust() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": RUNNER}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]})


def _in_account(account_id: str, service: str) -> Any:
    """A boto3 client acting in ``account_id`` (moto switches accounts on an assumed role)."""
    sts = boto3.client("sts", region_name=HOME_REGION)
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/seeder", RoleSessionName="seed")["Credentials"]
    return boto3.client(
        service, region_name=HOME_REGION, aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"],
    )


def _create_inventory_role(account_id: str) -> None:
    iam = _in_account(account_id, "iam")
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_trust())
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="inventory",
                        PolicyDocument=allow_document(_every_declared_action_but()))


def _organization() -> dict[str, str]:
    """A management account and four members: two ready, one tagged SKIP, one without the role."""
    organizations = boto3.client("organizations", region_name=HOME_REGION)
    organizations.create_organization(FeatureSet="ALL")
    members = {}
    for name in ("alpha", "beta", "skipped", "no-role"):
        status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        members[name] = status["AccountId"]
    organizations.tag_resource(ResourceId=members["skipped"], Tags=[{"Key": "j1-integration", "Value": "SKIP"}])
    for account_id in (MANAGEMENT, members["alpha"], members["beta"], members["skipped"]):
        _create_inventory_role(account_id)
    for name in ("alpha", "beta"):
        _in_account(members[name], "s3").create_bucket(Bucket=f"{name}-only-bucket")
    return members


def _runner(denied_roles: list[str]) -> dict[str, str]:
    """The integration's own identity: may assume roles (except ``denied_roles``), nothing else."""
    iam = boto3.client("iam", region_name=HOME_REGION)
    iam.create_user(UserName="integration-runner")
    statements = [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]
    if denied_roles:
        statements.append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": denied_roles})
    iam.put_user_policy(UserName="integration-runner", PolicyName="assume",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName="integration-runner")["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@set_initial_no_auth_action_count(0)
def _run_organization(job: Job, instance: Instance) -> InstanceRun:
    return _run(job, instance)


def test_an_organization_is_ingested_account_by_account(
    moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    members = _organization()
    # The source identity may assume roles and nothing else; every account is read through its role.
    # moto lets anyone assume a role that does not exist, where AWS answers AccessDenied: an
    # explicit deny on the member without the role stands in for AWS's answer.
    source = _runner([f"arn:aws:iam::{members['no-role']}:role/{ROLE_NAME}"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    for name, value in source.items():
        monkeypatch.setenv(name, value)
    instance = _instance(
        name="org", roleArn=f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}", externalId=EXTERNAL_ID,
        organization=True, organizationConcurrency=2, regions=[HOME_REGION],
    )

    settings = dataclasses.replace(SETTINGS, exclude_services=MOTO_UNVERIFIABLE_SERVICES)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        # What earlier runs stored for the member that will fail and the one that is skipped.
        for member in ("no-role", "skipped"):
            kept = Entity(f"arn:aws:s3:::{member}-kept", "aws_s3_bucket", ("DataStore",), "kept",
                          {"classification": None, "encrypted": True})
            store.commit_run(GraphBatch(f"aws:{members[member]}", [kept], [], set(), set(), "success", "t0", "t0"))
        outcome = _run_organization(Job(default_registry(), store, settings), instance)
        runs = {run.target_id: run for run in outcome.accounts}
        assert set(runs) == {MANAGEMENT, members["alpha"], members["beta"], members["no-role"]}
        assert [(member.id, member.skipped_because) for member in outcome.left_out] == [
            (members["skipped"], "tagged j1-integration: SKIP")
        ]
        for name in ("alpha", "beta"):
            run = runs[members[name]]
            assert run.status == "success", [(s.step_id, s.status, s.reason, s.message, s.denied[:2], s.errors[:2]) for s in run.report.steps if s.status != "success" and s.reason not in (DisabledReason.CONFIG, DisabledReason.NOT_IMPLEMENTED)][:20]
            assert run.target_name == name
            buckets = [entity["displayName"] for entity in store.entities(source=f"aws:{members[name]}",
                                                                           types=["aws_s3_bucket"])]
            assert buckets == [f"{name}-only-bucket"]
        assert runs[MANAGEMENT].status == "success"
        failed = runs[members["no-role"]]
        assert failed.status == "failure" and failed.run_id is not None
        assert failed.error == f"cannot assume arn:aws:iam::{members['no-role']}:role/{ROLE_NAME}: AccessDenied"
        assert EXTERNAL_ID not in failed.error
        history = {run.target_id: run.status for run in store.runs(instance="org")}
        assert history == {MANAGEMENT: "success", members["alpha"]: "success", members["beta"]: "success",
                           members["no-role"]: "failure"}
        assert outcome.status == "failure"
        # A member that failed or was skipped is outside every run's scope: its data is kept.
        for member in ("no-role", "skipped"):
            assert [e["_key"] for e in store.entities(source=f"aws:{members[member]}")] == [f"arn:aws:s3:::{member}-kept"]


def test_an_organization_that_cannot_be_listed_is_one_recorded_failure(
    moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    boto3.client("organizations", region_name=HOME_REGION).create_organization(FeatureSet="ALL")
    iam = boto3.client("iam", region_name=HOME_REGION)
    source = _runner([])
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_trust())
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="inventory",
                        PolicyDocument=allow_document(_every_declared_action_but("organizations:ListAccounts")))
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    for name, value in source.items():
        monkeypatch.setenv(name, value)
    instance = _instance(name="org", roleArn=f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}", externalId=EXTERNAL_ID,
                         organization=True)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        [failed] = _run_organization(Job(default_registry(), store, SETTINGS), instance).accounts
        assert failed.status == "failure"
        assert failed.error is not None
        assert failed.error.startswith("cannot list the organization's accounts: permission denied: organizations:ListAccounts")
        assert [(run.status, run.error) for run in store.runs(instance="org")] == [("failure", failed.error)]


def test_a_wrong_external_id_is_refused(moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = _runner([])
    _create_inventory_role(MANAGEMENT)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    for name, value in source.items():
        monkeypatch.setenv(name, value)
    instance = _instance(name="org", roleArn=f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}", externalId="wrong-id")
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        [failed] = _run_organization(Job(default_registry(), store, SETTINGS), instance).accounts
    assert failed.error == f"cannot assume arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}: AccessDenied"
    assert "wrong-id" not in failed.error


def test_member_accounts_are_ingested_within_the_concurrency_bound(
    moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    organizations = boto3.client("organizations", region_name=HOME_REGION)
    organizations.create_organization(FeatureSet="ALL")
    for index in range(6):
        organizations.create_account(AccountName=f"member-{index}", Email=f"m{index}@example.com")
    in_flight, peak = 0, 0

    async def one_account(job: Job, instance: Instance, session: Any, member: Any, processes: Any) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return aws_job._failed(job, instance, member.id, member.name, "2026-01-01T00:00:00+00:00", 0.0, "counted only")

    monkeypatch.setattr(aws_job, "run_account", one_account)
    instance = _instance(name="org", roleArn=f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}", externalId=EXTERNAL_ID,
                         organization=True, organizationConcurrency=3)
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        outcome = _run(Job(default_registry(), store, SETTINGS), instance)
    assert len(outcome.accounts) == 7  # the management account and six members
    assert peak == 3
