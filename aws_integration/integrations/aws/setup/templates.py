"""CloudFormation and Terraform for the inventory role, from the generated policies.

Both create the same things: one customer-managed policy per generated policy
document, and a role that the trusted principal may assume only with the external ID,
with those policies attached. The ARN partition is the deployment's own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_integration.integrations.aws.registry import Registry
from aws_integration.integrations.aws.setup.policy import least_privilege_policies
from aws_integration.integrations.aws.defaults import DEFAULT_ROLE_NAME

CFN_PARTITION = "${AWS::Partition}"
TF_PARTITION = "${data.aws_partition.current.partition}"


_ACCOUNT_ID = re.compile(r"\d{12}")
_PRINCIPAL_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64})")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")


@dataclass(frozen=True)
class RoleSettings:
    """Who may assume the role, with which external ID, under which name.

    Without values the templates take them as parameters/variables. Every value is
    checked as IAM checks it (``ValueError`` names the first that is not valid), so a
    generated template is one AWS accepts; an account ID as trusted principal means
    that account's root.
    """

    trusted_principal: str | None = None
    external_id: str | None = None
    role_name: str = DEFAULT_ROLE_NAME
    partition: str = "aws"

    def __post_init__(self) -> None:
        if self.trusted_principal is not None:
            if _ACCOUNT_ID.fullmatch(self.trusted_principal):
                object.__setattr__(self, "trusted_principal", f"arn:{self.partition}:iam::{self.trusted_principal}:root")
            elif not _PRINCIPAL_ARN.fullmatch(self.trusted_principal):
                raise ValueError("--trusted-principal must be a 12-digit account ID or an IAM ARN such as "
                                 "arn:aws:iam::111122223333:root, ...:role/NAME or ...:user/NAME")
        if self.external_id is not None and not _EXTERNAL_ID.fullmatch(self.external_id):
            raise ValueError("--external-id must be 2 to 1224 letters, digits and +=,.@:/-_ (what AWS accepts)")
        if not _ROLE_NAME.fullmatch(self.role_name):
            raise ValueError("--role-name must be 1 to 64 letters, digits and +=,.@-_ (what IAM accepts)")


def _cfn_resource(value: str) -> Any:
    return {"Fn::Sub": value} if "${" in value else value


def _cfn_document(document: dict[str, Any]) -> dict[str, Any]:
    statements = []
    for statement in document["Statement"]:
        resource = statement["Resource"]
        cfn = [_cfn_resource(item) for item in resource] if isinstance(resource, list) else _cfn_resource(resource)
        statements.append({**statement, "Resource": cfn})
    return {**document, "Statement": statements}


def cloudformation(registry: Registry, settings: RoleSettings) -> str:
    """A CloudFormation template (JSON) creating the role and its managed policies."""
    documents = least_privilege_policies(registry, CFN_PARTITION)
    policy_ids = [f"InventoryPolicy{number}" for number in range(1, len(documents) + 1)]
    trusted: dict[str, Any] = {
        "Type": "String",
        "Description": "ARN of the principal (account root, role or user) that runs aws-integration",
        "AllowedPattern": r"arn:aws[a-z-]*:iam::\d{12}:(root|role/.+|user/.+)",
    }
    if settings.trusted_principal:
        trusted["Default"] = settings.trusted_principal
    external: dict[str, Any] = {
        "Type": "String",
        "Description": "External ID the trusted principal must present when assuming the role",
        "NoEcho": True,
        "MinLength": 2,
        "MaxLength": 1224,
        "AllowedPattern": r"[\w+=,.@:/-]+",
    }
    if settings.external_id:
        external["Default"] = settings.external_id
    resources: dict[str, Any] = {
        policy_id: {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": f"aws-integration read-only inventory access ({number} of {len(documents)})",
                "PolicyDocument": _cfn_document(document),
                "Roles": [{"Ref": "InventoryRole"}],
            },
        }
        for number, (policy_id, document) in enumerate(zip(policy_ids, documents), start=1)
    }
    resources["InventoryRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Ref": "RoleName"},
            "Description": "Read-only role for the aws-integration asset inventory",
            "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"AWS": {"Ref": "TrustedPrincipal"}},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                }],
            },
        },
    }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "aws-integration: a read-only role granting exactly the IAM actions its collectors declare",
        "Parameters": {
            "TrustedPrincipal": trusted,
            "ExternalId": external,
            "RoleName": {"Type": "String", "Default": settings.role_name, "Description": "Name of the role"},
        },
        "Resources": resources,
        "Outputs": {
            "RoleArn": {"Description": "Give this ARN to aws-integration", "Value": {"Fn::GetAtt": ["InventoryRole", "Arn"]}},
        },
    }
    return json.dumps(template, indent=2) + "\n"


def _hcl_string(value: str) -> str:
    return json.dumps(value)


def _hcl_value(value: Any, indent: int) -> str:
    """Render JSON-like data as an HCL expression (for ``jsonencode``)."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        rendered = [(_hcl_string(key), _hcl_value(item, indent + 1)) for key, item in value.items()]
        return "{\n" + "\n".join(f"{inner}{line}" for line in _aligned(rendered)) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return "[\n" + "".join(f"{inner}{_hcl_string(item)},\n" for item in value) + f"{pad}]"
        return "[\n" + "".join(f"{inner}{_hcl_value(item, indent + 1)},\n" for item in value) + f"{pad}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _hcl_string(str(value))


def _aligned(attributes: list[tuple[str, str]]) -> list[str]:
    """``key = value`` lines aligned as ``terraform fmt`` does.

    Runs of single-line attributes share one ``=`` column; an attribute whose value
    spans lines stands alone and ends the run.
    """
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{key.ljust(width)} = {item}" for key, item in run)
        run.clear()

    for key, item in attributes:
        if "\n" in item:
            flush()
            lines.append(f"{key} = {item}")
        else:
            run.append((key, item))
    flush()
    return lines


def terraform(registry: Registry, settings: RoleSettings) -> str:
    """Terraform (aws provider) creating the role and its managed policies, ``terraform fmt`` style."""
    documents = least_privilege_policies(registry, TF_PARTITION)
    trusted_default = f"\n  default     = {_hcl_string(settings.trusted_principal)}" if settings.trusted_principal else ""
    external_default = f"\n  default     = {_hcl_string(settings.external_id)}" if settings.external_id else ""
    blocks = [
        f'''variable "trusted_principal" {{
  description = "ARN of the principal (account root, role or user) that runs aws-integration"
  type        = string{trusted_default}
}}''',
        f'''variable "external_id" {{
  description = "External ID the trusted principal must present when assuming the role"
  type        = string
  sensitive   = true{external_default}
}}''',
        f'''variable "role_name" {{
  description = "Name of the role"
  type        = string
  default     = {_hcl_string(settings.role_name)}
}}''',
        'data "aws_partition" "current" {}',
    ]
    names = [f"inventory_{number}" for number in range(1, len(documents) + 1)]
    for number, (name, document) in enumerate(zip(names, documents), start=1):
        blocks.append(
            f'''resource "aws_iam_policy" "{name}" {{
  name_prefix = "${{var.role_name}}-"
  description = "aws-integration read-only inventory access ({number} of {len(documents)})"
  policy = jsonencode({_hcl_value(document, 1)})
}}'''
        )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "${var.trusted_principal}"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "${var.external_id}"}},
        }],
    }
    blocks.append(
        f'''resource "aws_iam_role" "inventory" {{
  name                 = var.role_name
  description          = "Read-only role for the aws-integration asset inventory"
  max_session_duration = 3600
  assume_role_policy = jsonencode({_hcl_value(trust, 1)})
}}'''
    )
    for name in names:
        blocks.append(
            f'''resource "aws_iam_role_policy_attachment" "{name}" {{
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.{name}.arn
}}'''
        )
    blocks.append(
        '''output "role_arn" {
  description = "Give this ARN to aws-integration"
  value       = aws_iam_role.inventory.arn
}'''
    )
    header = '''terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}'''
    return "\n\n".join([header, *blocks]) + "\n"
