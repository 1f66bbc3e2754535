"""setup checks what it is given as IAM would, and what it writes passes cfn-lint for every accepted input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aws_integration.cli import main
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.integrations.aws.setup.templates import RoleSettings, cloudformation

ACCEPTED = [
    RoleSettings("111122223333", "ab", "r"),
    RoleSettings("arn:aws:iam::111122223333:root", "x" * 1224, "a" * 64),
    RoleSettings("arn:aws:iam::111122223333:role/team/sub/scanner", "id+=,.@:/-_9", "name+=,.@-_9"),
    RoleSettings("arn:aws:iam::111122223333:user/ci", None, "inventory"),
    RoleSettings("444455556666", "ext-id", "gov-reader", "aws-us-gov"),
    RoleSettings(None, None, "parameters-only"),
]


def test_every_accepted_input_gives_a_template_cfn_lint_accepts(tmp_path: Path) -> None:
    paths = []
    for index, settings in enumerate(ACCEPTED):
        path = tmp_path / f"template-{index}.json"
        path.write_text(cloudformation(default_registry(), settings), encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), *paths], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    trusted = json.loads(Path(paths[0]).read_text())["Parameters"]["TrustedPrincipal"]["Default"]
    assert trusted == "arn:aws:iam::111122223333:root"  # an account ID means its root
    assert "arn:aws-us-gov:iam::444455556666:root" in Path(paths[4]).read_text()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--trusted-principal", "1111"), "--trusted-principal must be a 12-digit account ID or an IAM ARN"),
        (("--trusted-principal", "arn:aws:s3:::bucket"), "--trusted-principal must be"),
        (("--trusted-principal", "arn:aws:iam::111122223333:group/admins"), "--trusted-principal must be"),
        (("--external-id", "x"), "--external-id must be 2 to 1224"),
        (("--external-id", "x" * 1225), "--external-id must be 2 to 1224"),
        (("--external-id", "has space"), "--external-id must be"),
        (("--role-name", "a" * 65), "--role-name must be 1 to 64"),
        (("--role-name", "bad/name"), "--role-name must be"),
        (("--partition", "aws-moon"), "--partition must be one of aws, "),
    ],
)
@pytest.mark.parametrize("output_format", ["cloudformation", "terraform"])
def test_setup_refuses_what_iam_would_refuse_in_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str, output_format: str
) -> None:
    assert main(["setup", "--format", output_format, *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Generated external ID" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], captured.err
