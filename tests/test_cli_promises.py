"""The command line keeps its promises: no traceback for closed pipes or bad output paths, -v anywhere, --version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aws_integration.cli import EXIT_BROKEN_PIPE, build_parser
from aws_integration.sample.seed import SAMPLE_REGIONS, seed_sample_account

pytestmark = pytest.mark.e2e
POLICY = Path(__file__).parents[1] / "policies" / "aws-integration-policy-1.json"

MANY = {"entities": [{"_key": f"server-{index:05d}", "_type": "on_prem_server", "_class": "Host",
                      "notes": "x" * 200} for index in range(3000)]}


def _cli(*args: str, stdout: int | None = subprocess.PIPE, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "aws_integration", *args], stdout=stdout, stderr=subprocess.PIPE,
                            text=True, env=env or dict(os.environ))


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("promises")
    (folder / "many.json").write_text(json.dumps(MANY), encoding="utf-8")
    (folder / "aws-integration.yaml").write_text(
        "instances:\n" + "".join(f"  - name: i{index}\n    pollingInterval: DISABLED\n" for index in range(2000)),
        encoding="utf-8")
    store = folder / "graph.sqlite"
    imported = subprocess.run([sys.executable, "-m", "aws_integration", "import", "--store", str(store),
                               str(folder / "many.json")], capture_output=True, text=True, check=False)
    assert imported.returncode == 0, imported.stderr
    return folder


def _commands(folder: Path) -> dict[str, tuple[str, ...]]:
    store = ("--store", str(folder / "graph.sqlite"))
    return {
        "export": ("export", *store),
        "export jsonl": ("export", "--format", "jsonl", *store),
        "query": ("query", "FIND on_prem_server", *store),
        "query json": ("query", "FIND on_prem_server", "--format", "json", *store),
        "questions": ("questions",),
        "questions run": ("questions", "--run", *store),
        "runs": ("runs", "--limit", "5", *store),
        "changes": ("changes", "1", *store),
        "docs": ("docs",),
        "setup": ("setup", "--format", "terraform", "--trusted-principal", "arn:aws:iam::111122223333:root"),
        "config": ("config", "--config", str(folder / "aws-integration.yaml")),
        "import dry run": ("import", "--dry-run", "--merge", *store, str(folder / "many.json")),
    }


def test_every_command_is_covered() -> None:
    names = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    covered = {name.split()[0] for name in _commands(Path("/x"))} | {"ingest", "permissions", "schedule", "worker"}
    assert names == covered


@pytest.mark.parametrize("name", sorted(_commands(Path("/x"))))
def test_a_reader_that_goes_away_is_no_traceback(filled: Path, name: str) -> None:
    read, write = os.pipe()
    process = _cli(*_commands(filled)[name], stdout=write)
    os.close(write)
    os.close(read)  # like `| head` that has read enough
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert process.returncode in (0, EXIT_BROKEN_PIPE), (process.returncode, stderr)


def test_ingest_and_permissions_to_a_closed_pipe(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    for args in (("ingest", "--regions", ",".join(SAMPLE_REGIONS), "--store", str(tmp_path / "g.sqlite")),
                 ("permissions", "--json", "--policy-file", str(POLICY))):
        read, write = os.pipe()
        process = _cli(*args, stdout=write)
        os.close(write)
        os.close(read)
        _, stderr = process.communicate(timeout=300)
        assert "Traceback" not in stderr, stderr
        assert process.returncode in (0, 3, EXIT_BROKEN_PIPE), (args, process.returncode, stderr)


# docs writes a file: a missing folder, a directory or a path under a file cannot be one. setup writes
# into a folder (creating it): an existing file, or a path under one, cannot be one.
BAD_OUTPUTS = [("docs", "missing/deeper/file.md"), ("docs", "a-directory"), ("docs", "read-only/file.md"),
               ("docs", "a-file/x"), ("setup", "a-file"), ("setup", "a-file/x"), ("setup", "read-only/new")]


@pytest.mark.parametrize(("command", "target"), BAD_OUTPUTS)
def test_bad_output_paths_are_one_line(tmp_path: Path, command: str, target: str) -> None:
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("keep me", encoding="utf-8")
    (tmp_path / "read-only").mkdir(mode=0o500)
    path = tmp_path / target
    process = _cli(command, "--output", str(path))
    _, stderr = process.communicate(timeout=60)
    if os.geteuid() == 0 and target.startswith("read-only"):
        assert process.returncode == 0  # root writes anywhere: nothing to refuse
        return
    assert process.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aws-integration: error: ") and "Traceback" not in stderr
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "keep me"


def test_verbosity_goes_before_or_after_the_command_and_the_version_exists(filled: Path) -> None:
    for args in (("-v", "runs"), ("runs", "-v"), ("runs", "-vv")):
        parsed = build_parser().parse_args([*args, "--store", str(filled / "graph.sqlite")])
        assert parsed.verbose == args.count("-v") + 2 * args.count("-vv")
    version = subprocess.run([sys.executable, "-m", "aws_integration", "--version"], capture_output=True, text=True,
                             check=False)
    assert version.returncode == 0 and version.stdout.startswith("aws-integration 0.")
    helped = subprocess.run([sys.executable, "-m", "aws_integration", "--help"], capture_output=True, text=True,
                            check=False)
    assert "``" not in helped.stdout and ":mod:" not in helped.stdout and ":func:" not in helped.stdout


def test_minus_vv_logs_each_request_and_nothing_secret(endpoint: str, tmp_path: Path) -> None:
    seed_sample_account(endpoint)
    result = subprocess.run([sys.executable, "-m", "aws_integration", "ingest", "-vv", "--regions", SAMPLE_REGIONS[0],
                             "--store", str(tmp_path / "g.sqlite"), "--no-permission-check"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "ec2 DescribeInstances in " in result.stderr and "HTTP 200" in result.stderr
    assert "Signature=" not in result.stderr and "Credential=" not in result.stderr


_LOADED = """
import sys
from aws_integration.cli import main
code = main(sys.argv[1:]) if len(sys.argv) > 1 else 0
heavy = ("botocore", "aiobotocore", "aiohttp", "pydantic", "yaml", "importlib.metadata",
         "aws_integration.config", "aws_integration.integrations.sentinelone")
print(code, sorted(name for name in heavy if name in sys.modules))
"""


def _modules_loaded(*args: str) -> tuple[int, list[str]]:
    """The exit code of the command and which of the heavy modules it loaded."""
    result = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, check=False)
    code, _, loaded = result.stdout.strip().rpartition("\n")[2].partition(" ")
    return int(code), json.loads(loaded.replace("'", '"'))


def test_commands_load_only_what_they_use(endpoint: str, tmp_path: Path) -> None:
    assert _modules_loaded() == (0, [])  # the command line itself: --help takes a fifth of a second
    # A run of the command line's account reads no configuration (pydantic, YAML) and nothing of SentinelOne.
    code, loaded = _modules_loaded("ingest", "--regions", "us-east-1", "--store", str(tmp_path / "graph.sqlite"),
                                   "--json", "--no-permission-check")
    assert code == 0 and {"aiobotocore", "botocore"} <= set(loaded)
    assert not set(loaded) & {"pydantic", "yaml", "aws_integration.config", "aws_integration.integrations.sentinelone"}
