"""Inventory principals for the demo and tests: a user or an assumed role with given actions."""

from __future__ import annotations

import json
from typing import Any

import boto3

from aws_integration.sample.seed import HOME_REGION

SAMPLE_ACCOUNT_ROOT = "arn:aws:iam::123456789012:root"


def allow_document(actions: list[str]) -> str:
    """A policy document allowing ``actions`` on every resource."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})


def _iam(endpoint_url: str | None) -> Any:
    return boto3.client("iam", region_name=HOME_REGION, endpoint_url=endpoint_url)


def inventory_user(actions: list[str], endpoint_url: str | None = None, name: str = "inventory") -> dict[str, str]:
    """Create a user whose only policy allows ``actions``; its credentials as environment variables."""
    iam = _iam(endpoint_url)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inventory", PolicyDocument=allow_document(actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def inventory_role(
    actions: list[str],
    endpoint_url: str | None = None,
    name: str = "Inventory",
    boundary_arn: str | None = None,
) -> dict[str, str]:
    """Create a role whose only policy allows ``actions``, assume it; the session as environment variables."""
    iam = _iam(endpoint_url)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": SAMPLE_ACCOUNT_ROOT}, "Action": "sts:AssumeRole"}]}
    extra = {"PermissionsBoundary": boundary_arn} if boundary_arn else {}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="inventory", PolicyDocument=allow_document(actions))
    sts = boto3.client("sts", region_name=HOME_REGION, endpoint_url=endpoint_url)
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="inventory-run")["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
