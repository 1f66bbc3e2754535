"""Users' console access, MFA and key use from IAM's credential report; the root user's from the account summary."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from aws_integration.integrations.aws.collectors import iam_credentials
from aws_integration.integrations.aws.collectors.iam_credentials import (
    GENERATE_CREDENTIAL_REPORT, ROOT_ROW, CredentialReportError, fetch_credential_report, parse_report,
)
from aws_integration.integrations.aws.declarations import ApiCall
from aws_integration.integrations.aws.engine.runner import CollectedGraph
from tests.collected import ACCOUNT, collected_world, entities_of, failed_steps

HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
          "cert_2_active,cert_2_last_rotated\n")
# The rows as AWS documents them: the root user's, then a user with a password and two keys.
REPORT = HEADER + (
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2026-11-30T10:00:00+00:00,not_supported,not_supported,false,true,2020-01-01T00:00:00+00:00,"
    "N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    "dana,arn:aws:iam::123456789012:user/dana,2021-05-01T08:00:00+00:00,true,no_information,"
    "2021-05-01T08:00:00+00:00,2021-08-01T08:00:00+00:00,true,true,2021-05-01T08:00:00+00:00,"
    "2026-11-01T12:00:00+00:00,us-east-1,s3,true,2022-01-01T00:00:00+00:00,2026-11-20T09:30:00+00:00,"
    "eu-west-1,ec2,false,N/A,false,N/A\n"
)


def _seed() -> None:
    iam = boto3.client("iam")
    for name in ("alice", "bob", "carol"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-1")
    iam.create_login_profile(UserName="bob", Password="Correct-Horse-2")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_access_key(UserName="carol")


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectedGraph]:
    for _, collected in collected_world(_seed, tmp_path_factory):
        yield collected


def test_users_carry_console_access_and_mfa_from_the_credential_report(graph: CollectedGraph) -> None:
    assert failed_steps(graph) == []
    users = entities_of(graph, "aws_iam_user")
    state = {name: (user.properties["consoleAccess"], user.properties["mfaEnabled"],
                    user.properties["activeAccessKeyCount"]) for name, user in users.items()}
    assert state == {"alice": (True, True, 0), "bob": (True, False, 0), "carol": (False, False, 1)}
    assert isinstance(users["alice"].properties["passwordLastChangedOn"], int)


def test_the_account_says_whether_root_has_mfa_and_keys(graph: CollectedGraph) -> None:
    account = entities_of(graph, "aws_account", by="_key")[f"aws_account:{ACCOUNT}"]
    # moto's account summary: no root MFA, no root keys; alice's device is in use.
    assert (account.properties["rootMfaEnabled"], account.properties["rootAccessKeysPresent"]) == (False, False)
    assert account.properties["mfaDevicesInUse"] == 1


def test_a_documented_report_reads_into_each_users_state() -> None:
    rows = parse_report(REPORT.encode())
    dana, root = rows["dana"], rows[ROOT_ROW]
    assert (dana.console_access, dana.mfa_enabled, dana.active_access_keys) == (True, True, 2)
    assert dana.password_last_used is None  # no_information
    assert dana.access_key_last_used == datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)  # the later of the two
    assert dana.password_next_rotation == datetime(2021, 8, 1, 8, tzinfo=timezone.utc)
    assert (root.console_access, root.mfa_enabled, root.active_access_keys) == (False, False, 1)


@pytest.mark.parametrize("content", [b"", b"<html>sign in</html>", b"name,arn\nx,y\n"])
def test_a_report_that_is_not_iams_csv_fails_rather_than_reading_as_no_users(content: bytes) -> None:
    with pytest.raises(CredentialReportError, match="lacks the column"):
        parse_report(content)


def test_a_report_with_a_date_that_does_not_parse_fails() -> None:
    with pytest.raises(CredentialReportError, match="does not parse"):
        parse_report(REPORT.replace("2021-08-01T08:00:00+00:00", "first of August"))


class _Generating:
    """Answers GenerateCredentialReport with the given states in turn, then the report."""

    def __init__(self, *states: str) -> None:
        self.states = list(states)
        self.generations = 0

    async def call(self, call: ApiCall, **_: Any) -> dict[str, Any]:
        if call == GENERATE_CREDENTIAL_REPORT:
            self.generations += 1
            return {"State": self.states.pop(0)}
        return {"Content": REPORT.encode(), "ReportFormat": "text/csv"}


def test_the_report_is_read_once_iam_has_generated_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iam_credentials, "REPORT_WAIT_SECONDS", (0.0, 0.0, 0.0))
    context = _Generating("STARTED", "INPROGRESS", "COMPLETE")
    rows = asyncio.run(fetch_credential_report(context))  # type: ignore[arg-type]
    assert context.generations == 3 and set(rows) == {ROOT_ROW, "dana"}


def test_a_report_that_never_completes_fails_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iam_credentials, "REPORT_WAIT_SECONDS", (0.0,))
    with pytest.raises(CredentialReportError, match="still generating"):
        asyncio.run(fetch_credential_report(_Generating("STARTED", "INPROGRESS")))  # type: ignore[arg-type]
