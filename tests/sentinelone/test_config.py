"""SentinelOne instances in the configuration file: one union with AWS's, the token never in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aws_integration.config import AwsInstance, ConfigError, parse_config
from aws_integration.integrations.sentinelone.config import SentinelOneInstance

TOKEN = "s1-token-value-0123456789"


def _problems(text: str, path: Path) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        parse_config(text, path)
    return refused.value.problems


def test_instances_of_both_integrations_share_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S1_TOKEN", TOKEN)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text(TOKEN + "\n")
    config = parse_config(f"""
instances:
  - name: prod
  - name: console
    integration: sentinelone
    managementUrl: acme.sentinelone.net
    apiToken: {{fromEnv: S1_TOKEN}}
    pollingInterval: FOUR_HOURS
  - name: mssp
    integration: sentinelone
    managementUrl: https://usea1-mssp.sentinelone.net:8443/
    apiToken: {{fromFile: secrets/token}}
    pollingInterval: DISABLED
""", tmp_path / "config.yaml")
    prod, console, mssp = config.instances
    assert isinstance(prod, AwsInstance) and prod.integration == "aws"
    assert isinstance(console, SentinelOneInstance) and console.management_url == "https://acme.sentinelone.net"
    assert console.api_token.get_secret_value() == TOKEN and mssp.api_token.get_secret_value() == TOKEN
    assert mssp.management_url == "https://usea1-mssp.sentinelone.net:8443" and mssp.source == "sentinelone:mssp"
    assert mssp.polling_interval.period is None
    for instance in (console, mssp):
        assert TOKEN not in repr(instance) and TOKEN not in instance.summary()
    assert "$S1_TOKEN" in console.summary() and "secrets/token" in mssp.summary()


def test_each_problem_of_a_console_instance_is_placed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S1_TOKEN", TOKEN)
    problems = _problems(f"""
instances:
  - name: literal
    integration: sentinelone
    managementUrl: acme.sentinelone.net
    apiToken: {TOKEN}
  - name: both
    integration: sentinelone
    managementUrl: ftp://acme.sentinelone.net
    apiToken: {{fromEnv: S1_TOKEN, fromFile: t}}
  - name: azure
    integration: azure
  - name: missing
    integration: sentinelone
    managementUrl: https://acme.sentinelone.net/web/api/v2.1/agents
    apiToken: {{fromFile: nowhere}}
  - name: aws-typo
    roleArn: arn:aws:iam::123456789012:role/x
""", tmp_path / "config.yaml")
    assert problems[0] == ("instances[0].apiToken: give {fromEnv: VARIABLE} or {fromFile: PATH}: a token is never "
                           "written in the file")
    assert problems[1].startswith("instances[1].managementUrl: must be the console's host or URL")
    assert problems[2] == "instances[1].apiToken: give one of fromEnv and fromFile"
    assert problems[3] == "instances[2]: integration must be one of aws, sentinelone"
    assert problems[4].startswith("instances[3].managementUrl: must be the console's address only")
    assert problems[5].startswith("instances[3].apiToken: cannot read the token file")
    assert problems[6] == "instances[4]: roleArn needs externalId (the role's trust policy requires it)"
    assert all(TOKEN not in problem for problem in problems)


def test_an_empty_or_multiline_token_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "two").write_text("first line\nsecond line\n")
    problems = _problems("""
instances:
  - {name: a, integration: sentinelone, managementUrl: acme.sentinelone.net, apiToken: {fromFile: empty}}
  - {name: b, integration: sentinelone, managementUrl: acme.sentinelone.net, apiToken: {fromFile: two}}
""", tmp_path / "config.yaml")
    assert problems[0].endswith("is empty")
    assert problems[1] == "instances[1].apiToken: the API token must be one line of printable characters without spaces"
