"""Assuming the inventory role with its external ID, and refreshing before expiry (moto's STS)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count

from aws_integration.integrations.aws.engine.assume import assume_role_session
from aws_integration.errors import IntegrationError
from aws_integration.sample.principals import inventory_user
from tests.moto_aio import moto_session

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})


async def _caller_and_key(session) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    async with session.create_client("sts", region_name="us-east-1") as sts:
        arn = (await sts.get_caller_identity())["Arn"]
    frozen = await (await session.get_credentials()).get_frozen_credentials()
    return arn, frozen.access_key


def test_the_session_acts_as_the_role_and_refreshes_before_expiry(moto: None) -> None:
    role_arn = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="inventory", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    now = [datetime.now(timezone.utc)]

    async def scenario() -> tuple[tuple[str, str], tuple[str, str]]:
        session = await assume_role_session(
            moto_session(), role_arn, "ext-id", into=moto_session(), clock=lambda: now[0]
        )
        first = await _caller_and_key(session)
        now[0] += timedelta(minutes=58)  # within botocore's refresh window of the one-hour session
        second = await _caller_and_key(session)
        return first, second

    (arn, key), (arn_later, key_later) = asyncio.run(scenario())
    assert arn == "arn:aws:sts::123456789012:assumed-role/inventory/aws-integration"
    assert arn_later == arn
    assert key_later != key


def test_a_role_the_caller_may_not_assume_is_a_clear_error(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    role_arn = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="inventory", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    credentials = inventory_user(["ec2:DescribeRegions"], name="no-assume")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)

    @set_initial_no_auth_action_count(0)
    def assume() -> None:
        asyncio.run(assume_role_session(moto_session(), role_arn, "ext-id", into=moto_session()))

    with pytest.raises(IntegrationError) as raised:
        assume()
    assert str(raised.value) == f"cannot assume {role_arn}: AccessDenied"
    assert credentials["AWS_SECRET_ACCESS_KEY"] not in str(raised.value)
