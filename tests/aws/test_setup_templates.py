"""CloudFormation and Terraform for the inventory role: valid, formatted, deployable, no leaks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_integration.cli import main
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.integrations.aws.setup.policy import least_privilege_policies
from aws_integration.integrations.aws.setup.templates import CFN_PARTITION, TF_PARTITION, RoleSettings, cloudformation, terraform
from tests.moto_quirks import MOTO_LACKS

REGISTRY = default_registry()
SETTINGS = RoleSettings("arn:aws:iam::111122223333:role/scanner", "ext-id-for-tests", "inventory-reader")


def test_cloudformation_passes_cfn_lint(tmp_path: Path) -> None:
    for name, settings in (("given.json", SETTINGS), ("parameters.json", RoleSettings())):
        template = tmp_path / name
        template.write_text(cloudformation(REGISTRY, settings), encoding="utf-8")
        result = subprocess.run(
            [str(Path(sys.executable).parent / "cfn-lint"), str(template)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_cloudformation_creates_the_role_policies_and_output() -> None:
    template = json.loads(cloudformation(REGISTRY, SETTINGS))
    resources = template["Resources"]
    policies = [name for name, body in resources.items() if body["Type"] == "AWS::IAM::ManagedPolicy"]
    assert len(policies) == len(least_privilege_policies(REGISTRY, CFN_PARTITION))  # ${AWS::Partition} is longer than aws
    role = resources["InventoryRole"]["Properties"]
    assert all(resources[name]["Properties"]["Roles"] == [{"Ref": "InventoryRole"}] for name in policies)
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": {"Ref": "TrustedPrincipal"}}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert template["Parameters"]["ExternalId"]["NoEcho"] is True
    assert template["Parameters"]["TrustedPrincipal"]["Default"] == SETTINGS.trusted_principal
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["InventoryRole", "Arn"]}
    statements = [s for name in policies for s in resources[name]["Properties"]["PolicyDocument"]["Statement"]]
    statement = next(s for s in statements if s["Sid"] == "IamReadRole")
    assert statement["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/*"}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on the PATH")
@pytest.mark.parametrize("settings", [SETTINGS, RoleSettings()], ids=["given", "variables"])
def test_terraform_is_formatted_as_terraform_fmt_would(tmp_path: Path, settings: RoleSettings) -> None:
    source = tmp_path / "main.tf"
    source.write_text(terraform(REGISTRY, settings), encoding="utf-8")
    result = subprocess.run(["terraform", "fmt", "-check", "-diff", str(source)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_declares_the_same_policies_and_trust() -> None:
    text = terraform(REGISTRY, SETTINGS)
    # Split as written (with the partition expression), so each fits once Terraform fills it in.
    assert text.count('resource "aws_iam_policy"') == len(least_privilege_policies(REGISTRY, TF_PARTITION))
    assert '"sts:ExternalId" = "${var.external_id}"' in text
    assert "sensitive   = true" in text
    assert '"arn:${data.aws_partition.current.partition}:iam::*:role/*"' in text
    assert 'output "role_arn"' in text


def test_a_missing_external_id_is_generated_and_shown_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--format", "cloudformation", "--trusted-principal", SETTINGS.trusted_principal]) == 0
    first = capsys.readouterr()
    external_id = json.loads(first.out)["Parameters"]["ExternalId"]["Default"]
    assert len(external_id) >= 32
    assert first.err.count(external_id) == 1
    assert main(["setup", "--format", "cloudformation"]) == 0
    assert json.loads(capsys.readouterr().out)["Parameters"]["ExternalId"]["Default"] != external_id


def test_as_parameters_generates_no_external_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--format", "terraform", "--as-parameters"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert 'variable "external_id"' in captured.out and "default     = " in captured.out
    assert captured.out == terraform(REGISTRY, RoleSettings())


def test_instructions_cover_external_id_deployment_and_verification(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["setup", "--format", "instructions", "--trusted-principal", SETTINGS.trusted_principal,
            "--role-name", "inventory-reader"]
    assert main(args) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert captured.err == ""  # instructions never generate (or print) an external ID
    assert SETTINGS.trusted_principal in text and "<EXTERNAL_ID>" in text
    assert "secrets.token_urlsafe" in text
    assert "aws cloudformation deploy" in text and "terraform apply" in text
    assert "aws-integration permissions --profile aws-integration" in text
    assert "role_arn = arn:aws:iam::<ACCOUNT_ID>:role/inventory-reader" in text
    for document in least_privilege_policies(REGISTRY):
        assert json.dumps(document, indent=2) in text


def test_setup_guide_is_current_and_compares_with_security_audit() -> None:
    from aws_integration.integrations.aws.setup.guide import render_setup_guide, security_audit_document

    guide = Path(__file__).resolve().parents[2] / "docs" / "setup.md"
    expected = render_setup_guide(REGISTRY, security_audit_document())
    assert guide.read_text(encoding="utf-8") == expected, "docs/setup.md is stale: regenerate it with `make docs`"
    assert "SecurityAudit does not grant" in expected and "`sts:GetCallerIdentity`" in expected


def test_the_cloudformation_role_in_moto_runs_a_full_ingestion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploy the generated template in moto, assume the role, read its policies back and run.

    moto's IAM enforcement is not switched on here: it evaluates IAM actions against
    ``Resource: "*"`` rather than the role or user ARN AWS uses, so it would refuse the
    generated policy's narrowed statements (``arn:aws:iam::*:role/*``) that AWS accepts.
    The role's policies, read back through moto's IAM API, are judged by this project's
    evaluator instead, and the run must agree with that prediction.
    """
    import boto3
    from moto import mock_aws

    from aws_integration.sample.seed import seed_sample_account
    from tests.conftest import collect

    with mock_aws():
        seed_sample_account()
        cloudformation_client = boto3.client("cloudformation", region_name="us-east-1")
        settings = RoleSettings("arn:aws:iam::123456789012:root", "ext-id-for-tests")
        cloudformation_client.create_stack(
            StackName="aws-integration", TemplateBody=cloudformation(REGISTRY, settings),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        stack = cloudformation_client.describe_stacks(StackName="aws-integration")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        role_arn = stack["Outputs"][0]["OutputValue"]
        credentials = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=role_arn, RoleSessionName="inventory", ExternalId=settings.external_id
        )["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])

        report = collect().report

    assert [step.step_id for step in report.steps if step.status.value != "success" and step.step_id not in MOTO_LACKS] == []
    check = report.permission_check
    assert check["subject"] == "role aws-integration-inventory"
    assert check["predictedDenied"] == [] and check["disagreements"] == []
    # Every declared action was either answered by AWS or not needed (no resource to describe).
    declared = sum(len(step.iam_actions) for step in REGISTRY.steps)  # one outcome per step and action
    assert check["confirmed"] + check["notExercised"] == declared and check["confirmed"] >= 40
