"""Step-by-step setup instructions (Markdown), from the same generated artefacts."""

from __future__ import annotations

import json

from aws_integration.integrations.aws.registry import Registry
from aws_integration.integrations.aws.setup.policy import declared_actions, least_privilege_policies
from aws_integration.integrations.aws.setup.templates import DEFAULT_ROLE_NAME, RoleSettings

_PRINCIPAL_PLACEHOLDER = "arn:aws:iam::<RUNNER_ACCOUNT_ID>:role/<RUNNER_ROLE>"
_EXTERNAL_ID_PLACEHOLDER = "<EXTERNAL_ID>"


def _service_table(actions: list[str]) -> list[str]:
    by_service: dict[str, list[str]] = {}
    for action in actions:
        service, name = action.split(":")
        by_service.setdefault(service, []).append(f"`{name}`")
    lines = ["| service | actions |", "| --- | --- |"]
    for service, names in sorted(by_service.items()):
        lines.append(f"| {service} ({len(names)}) | {', '.join(names)} |")
    return lines


def render_instructions(registry: Registry, settings: RoleSettings) -> str:
    """Markdown a person follows, in the console or with the AWS CLI, to create the role."""
    principal = settings.trusted_principal or _PRINCIPAL_PLACEHOLDER
    external_id = settings.external_id or _EXTERNAL_ID_PLACEHOLDER
    role = settings.role_name or DEFAULT_ROLE_NAME
    documents = least_privilege_policies(registry)
    actions = declared_actions(registry)
    policy_names = [f"{role}-policy-{n}" for n in range(1, len(documents) + 1)]
    lines = [
        "# Set up the aws-integration role",
        "",
        f"aws-integration reads an account through one IAM role, `{role}`, that grants exactly the",
        f"{len(actions)} IAM actions its collectors declare: all of them List or Read actions on",
        "resource configuration, none of them a write or a read of customer data. Every",
        "artefact below is generated from those declarations, so it cannot drift from what the",
        "collectors call.",
        "",
        "## 1. Decide who runs aws-integration",
        "",
        "The role trusts one principal: the role, user or account that runs the integration",
        f"(below: `{principal}`). Prefer a role over an account root.",
        "",
        "## 2. Create and keep the external ID",
        "",
        "The trust policy accepts the principal only with an external ID, which protects against",
        "the confused-deputy problem. `aws-integration setup --format cloudformation` (or",
        "`terraform`) generates a random one and shows it once; or make one yourself:",
        "",
        "```sh",
        "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'",
        "```",
        "",
        "Keep it where the integration's configuration lives (a secrets manager or a password",
        "manager), never in a repository or a ticket. aws-integration never logs or stores it.",
        "",
        "## 3. Create the role",
        "",
        "### With CloudFormation (console or CLI)",
        "",
        "```sh",
        f"aws-integration setup --format cloudformation --role-name {role} \\",
        f"  --trusted-principal {principal} --output .",
        "aws cloudformation deploy --stack-name aws-integration \\",
        "  --template-file aws-integration-role.cfn.json --capabilities CAPABILITY_NAMED_IAM \\",
        f"  --parameter-overrides TrustedPrincipal={principal} ExternalId={external_id}",
        "aws cloudformation describe-stacks --stack-name aws-integration \\",
        "  --query \"Stacks[0].Outputs[?OutputKey=='RoleArn'].OutputValue\" --output text",
        "```",
        "",
        "In the console: CloudFormation, Create stack, Upload a template file",
        "(`aws-integration-role.cfn.json`), fill in `TrustedPrincipal` and `ExternalId`, tick",
        "\"I acknowledge that AWS CloudFormation might create IAM resources with custom names\",",
        "create the stack and copy the `RoleArn` output.",
        "",
        "### With Terraform",
        "",
        "```sh",
        "aws-integration setup --format terraform --as-parameters --output .",
        "terraform init",
        f"terraform apply -var trusted_principal={principal} -var external_id={external_id}",
        "```",
        "",
        "### By hand in the IAM console",
        "",
        f"1. IAM, Policies, Create policy, JSON: create {len(documents)} policy(ies), "
        + ", ".join(f"`{name}`" for name in policy_names) + ", from the document(s) in",
        "   the appendix (also `policies/aws-integration-policy*.json`, or",
        "   `aws-integration setup --format policy`).",
        "2. IAM, Roles, Create role, Trusted entity type \"AWS account\", \"Another AWS account\":",
        "   the account of the principal above; tick \"Require external ID\" and enter it.",
        f"3. Attach the policy(ies) from step 1, name the role `{role}`, create it, and",
        f"   narrow the trust policy's `Principal` from the account root to `{principal}`.",
        "",
        "## 4. Verify",
        "",
        "Give the runner a profile that assumes the role (`~/.aws/config`):",
        "",
        "```ini",
        "[profile aws-integration]",
        "role_arn = arn:aws:iam::<ACCOUNT_ID>:role/" + role,
        f"external_id = {external_id}",
        "source_profile = <PROFILE OF THE PRINCIPAL ABOVE>",
        "```",
        "",
        "```sh",
        "aws-integration permissions --profile aws-integration",
        "```",
        "",
        "Exit code 0 and every resource type `ready` means the role is complete. Service control",
        "policies cannot be read from a member account: the first run's report lists anything",
        "AWS refused that the policies allowed.",
        "",
        "## What the role may do",
        "",
        *_service_table(actions),
        "",
        "The `organizations` actions are used only by an instance with `organization: true`, and",
        "only in the account its `roleArn` names (the management or a delegated-admin account);",
        "in member accounts AWS refuses them, and nothing asks for them there. Deploy the same",
        "role, with the same name and external ID, in every member account (a CloudFormation",
        "StackSet of the template above does that).",
        "",
        "## Appendix: the policy document(s)",
        "",
    ]
    for name, document in zip(policy_names, documents):
        lines += [f"`{name}`:", "", "```json", json.dumps(document, indent=2), "```", ""]
    return "\n".join(lines)
