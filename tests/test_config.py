"""The configuration file: every problem reported with its place, secrets never shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aws_integration.cli import main
from aws_integration.config import (
    CONFIG_ENV,
    ConfigError,
    Known,
    PollingInterval,
    config_path,
    load_config,
    parse_config,
)
from aws_integration.errors import IntegrationError

SERVICES = frozenset({"ec2", "iam", "s3"})
SECRET = "ext-id-that-must-never-be-printed"
GOOD = """
instances:
  - name: prod
    description: Production
    pollingInterval: ONE_HOUR
    roleArn: arn:aws:iam::123456789012:role/aws-integration-inventory
    externalId: {fromEnv: PROD_EXTERNAL_ID}
    regions: [us-east-1, eu-west-1]
    services: {exclude: [iam]}
    tagWithAccountName: true
  - name: dev
    profile: dev
  - name: org
    roleArn: arn:aws:iam::111122223333:role/inventory
    externalId: org-external-id
    organization: true
    organizationConcurrency: 2
alerts:
  - name: new key
    type: aws_iam_access_key
    change: [created]
    webhook: {url: "https://hooks.example.com/T0/B0/hook-secret-token"}
  - name: block off
    type: aws_s3_bucket
    change: [updated]
    property: publicAccessBlocked
    from: true
    to: false
    instances: [prod]
"""
BAD = """
instances:
  - name: prod
    roleArn: arn:aws:iam::123456789012:role/aws-integration-inventory
    externalId: {fromEnv: NOT_SET_ANYWHERE}
  - name: ok
  - name: bad
    pollingInterval: SOMETIMES
    roleArn: arn:aws:iam::12:user/x
    externalId: abc
    regions: [mars-1]
    services: {include: [ec3]}
    colour: blue
  - name: ok
"""


def _parse(text: str) -> object:
    return parse_config(text, Path("aws-integration.yaml"), Known(services=SERVICES))


def test_a_good_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROD_EXTERNAL_ID", SECRET)
    config = _parse(GOOD)
    prod, dev, org = config.instances  # type: ignore[attr-defined]
    assert org.organization and org.organization_concurrency == 2 and org.role_name == "inventory"
    new_key, block_off = config.alerts  # type: ignore[attr-defined]
    assert new_key.property_name is None and not new_key.checks_new_value and new_key.webhook.attempts == 3
    assert (block_off.property_name, block_off.old_value, block_off.new_value) == ("publicAccessBlocked", True, False)
    assert block_off.checks_old_value and block_off.checks_new_value and block_off.instances == ("prod",)
    assert "hook-secret-token" not in repr(config)
    assert prod.polling_interval is PollingInterval.ONE_HOUR and prod.regions == ("us-east-1", "eu-west-1")
    assert prod.external_id.get_secret_value() == SECRET
    assert prod.services.exclude == ("iam",) and prod.tag_with_account_name
    assert dev.profile == "dev" and dev.polling_interval is PollingInterval.ONE_DAY and dev.regions is None
    assert SECRET not in repr(config) and SECRET not in str(config)


def test_every_problem_is_reported_with_its_place() -> None:
    with pytest.raises(ConfigError) as raised:
        _parse(BAD)
    problems = raised.value.problems
    expected_places = [
        "instances[0].externalId: environment variable 'NOT_SET_ANYWHERE' is not set",
        "instances[2].pollingInterval:",
        "instances[2].roleArn: must be an IAM role ARN",
        "instances[2].regions: not region names: mars-1",
        "instances[2].services.include: unknown service(s) ec3",
        "instances[2].colour: Extra inputs are not permitted",
    ]
    for place in expected_places:
        assert sum(1 for problem in problems if problem.startswith(place)) == 1, (place, problems)
    assert len(problems) == len(expected_places), problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("instances: [\n  {name: a", "not valid YAML at line"),
        ("- just a list", "must be a mapping"),
        ("instances: []", "instances: list at least one instance"),
        ("instances:\n  - {name: a}\n  - {name: a}", "instance names must be unique: a"),
        ("instances:\n  - {name: a, externalId: x}", "externalId needs roleArn"),
        ("instances:\n  - {name: a, roleArn: 'arn:aws:iam::123456789012:role/r'}", "roleArn needs externalId"),
        ("instances:\n  - {name: a, services: {include: [ec2], exclude: [s3]}}", "include or exclude, not both"),
        ("instances:\n  - {name: a, regions: []}", "at least one region"),
        ("instances:\n  - {name: a, organization: true}", "organization needs roleArn"),
        ("instances:\n  - {name: a, organizationConcurrency: 0}", "greater than or equal to 1"),
        ("instances: [{name: a}]\nalerts: [{name: r, type: aws_vpc, to: 1}]", "from/to need property"),
        ("instances: [{name: a}]\nalerts: [{name: r, type: aws_vpc, change: []}]", "at least one change"),
        ("instances: [{name: a}]\nalerts: [{name: r, type: aws_vpc, change: [renamed]}]", "alerts[0].change[0]"),
        ("instances: [{name: a}]\nalerts: [{name: r, type: aws_vpc, instances: [b]}]", "unknown instance(s): b"),
        ("instances: [{name: a}]\nalerts: [{name: r, type: aws_vpc, webhook: {url: 'ftp://x'}}]",
         "alerts[0].webhook.url: must be an http"),
    ],
)
def test_bad_files(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _parse(text)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_the_file_comes_from_the_flag_or_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    with pytest.raises(IntegrationError, match=CONFIG_ENV):
        config_path(None)
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "from-env.yaml"))
    assert config_path(None) == tmp_path / "from-env.yaml"
    assert config_path(tmp_path / "given.yaml") == tmp_path / "given.yaml"
    with pytest.raises(ConfigError, match="cannot read it"):
        load_config(tmp_path / "missing.yaml")


def test_polling_intervals() -> None:
    assert PollingInterval.DISABLED.period is None
    assert PollingInterval.THIRTY_MINUTES.period == timedelta(minutes=30)
    assert PollingInterval.ONE_WEEK.period == timedelta(days=7)
    assert all(interval.period or interval is PollingInterval.DISABLED for interval in PollingInterval)


def test_the_config_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(BAD)
    monkeypatch.setenv("PROD_EXTERNAL_ID", SECRET)
    assert main(["config", "--config", str(good)]) == 0
    out = capsys.readouterr().out
    assert "prod: ONE_HOUR, account via arn:aws:iam::123456789012:role/aws-integration-inventory with an external ID" in out
    assert "dev: ONE_DAY, account via profile dev; every enabled region; all services" in out
    assert "org: ONE_DAY, every account of the organization, 2 at once, through role inventory" in out
    assert "alert 'new key': created on aws_iam_access_key, webhook" in out
    assert "alert 'block off': updated of publicAccessBlocked on aws_s3_bucket" in out
    assert SECRET not in out and "hook-secret-token" not in out

    monkeypatch.setenv(CONFIG_ENV, str(bad))
    assert main(["config"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 6
    assert all(line.startswith(f"aws-integration: error: {bad}: instances[") for line in errors)
    assert "abc" not in "\n".join(errors)


def test_alert_types_and_regions_are_checked_against_what_is_known() -> None:
    from aws_integration.cli import _known

    text = """
instances:
  - name: prod
    regions: [us-east-1, eu-west-9, us-gov-west-1, cn-north-1]
alerts:
  - {name: typo, type: aws_security_gruop, change: [created]}
  - {name: edge, type: aws_vpc_contains_subnet, change: [created]}
  - {name: fine, type: aws_instance, change: [deleted]}
"""
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("a.yaml"), _known())
    problems = raised.value.problems
    assert any(p.startswith("instances[0].regions: ") and "unknown region 'eu-west-9' (did you mean eu-west-" in p
               for p in problems), problems
    assert any(p.startswith("alerts[0].type: ") and "(did you mean aws_security_group?)" in p for p in problems), problems
    assert len(problems) == 2, problems  # other partitions' regions and relationship types are known


def test_a_rule_names_a_declared_property_and_values_of_its_kind() -> None:
    from aws_integration.cli import _known

    text = """
instances:
  - name: prod
alerts:
  - {name: typo, type: aws_security_group, change: [updated], property: allowsIngresFromInternet}
  - {name: kind, type: aws_security_group, change: [updated], property: allowsIngressFromInternet, to: "true"}
  - {name: right, type: aws_security_group, change: [updated], property: allowsIngressFromInternet, to: true}
  - {name: tag, type: aws_instance, change: [updated], property: tag.Owner}
  - {name: own field, type: aws_instance, change: [updated], property: displayName}
  - {name: derived, type: device, change: [created, updated], property: serialNumber}
  - {name: console, type: sentinelone_agent, change: [updated], property: infected, to: true}
"""
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("a.yaml"), _known())
    assert raised.value.problems == [
        "alerts[0]: aws_security_group declares no property 'allowsIngresFromInternet' "
        "(did you mean allowsIngressFromInternet?)",
        "alerts[1]: aws_security_group.allowsIngressFromInternet is boolean: to: 'true' would never match",
    ]
