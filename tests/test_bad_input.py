"""Bad input, tried case by case on the real CLI: one clear line, a non-zero exit, no
traceback, and nothing written (the store keeps its graph and history, no file appears)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aws_integration.sample.moto_server import free_port
from aws_integration.store import SqliteStore, StoreError
from tests.aws_proxy import AwsProxy

pytestmark = pytest.mark.e2e

CUSTOM = {"entities": [{"_key": "laptop-1", "_type": "on_prem_laptop", "_class": "Device", "owner": "alice"}]}
EXPIRED_PROCESS = (
    "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAEXPIRED\", \"SecretAccessKey\": \"expired\", "
    "\"SessionToken\": \"expired\", \"Expiration\": \"2020-01-01T00:00:00Z\"}'\n"
)
WITHOUT_CREDENTIALS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
                       "AWS_EC2_METADATA_DISABLED": "true"}


@dataclass(frozen=True)
class Case:
    """One bad input: the command (``{dir}``, ``{store}`` and ``{endpoint}`` filled in), the
    files it finds, its environment (None removes a variable) and the words its error must say."""

    args: tuple[str, ...]
    expected: str
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None


def _corrupt(store: Path) -> None:
    store.write_bytes(b"this is not a database, whatever its name says" * 100)


def _newer(store: Path) -> None:
    with contextlib.closing(sqlite3.connect(store)) as db, db:  # closed, so no -wal file is left behind
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")


def _other_application(store: Path) -> None:
    store.unlink()
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices VALUES (1, 9.5)")


def _latin1_config(store: Path) -> None:
    (store.parent / "aws-integration.yaml").write_bytes("instances:\n  - name: caf\xe9\n".encode("latin-1"))


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 10)}]\n" for level in range(7))


def _config(text: str) -> dict[str, str]:
    return {"aws-integration.yaml": text}


CONFIG = ("--config", "{dir}/aws-integration.yaml")
CASES = {
    "malformed YAML": Case(("ingest", *CONFIG, "--store", "{store}"),
                           "not valid YAML at line 4: expected ',' or ']', but got '<stream end>' "
                           "(while parsing a flow sequence from line 3)",
                           _config("instances:\n  - name: a\n    regions: [us-east-1\n")),
    "unknown key": Case(("ingest", *CONFIG, "--store", "{store}"), "instances[0].regionz",
                        _config("instances:\n  - name: a\n    regionz: [us-east-1]\n")),
    "invalid region in the configuration": Case(("ingest", *CONFIG, "--store", "{store}"), "instances[0].regions",
                                                _config("instances:\n  - name: a\n    regions: [moon-1]\n")),
    "invalid region on the command line": Case(("ingest", "--regions", "xx-fake-1", "--store", "{store}"),
                                               "unknown or disabled region(s): xx-fake-1"),
    "invalid role ARN": Case(("ingest", *CONFIG, "--store", "{store}"), "instances[0].roleArn",
                             _config("instances:\n  - name: a\n    roleArn: arn:aws:iam::12:role/x\n"
                                     "    externalId: a-long-enough-external-id\n")),
    "invalid role ARN to check": Case(("permissions", "--role-arn", "not-an-arn"), "not an IAM role"),
    "unknown polling interval": Case(("ingest", *CONFIG, "--store", "{store}"), "instances[0].pollingInterval",
                                     _config("instances:\n  - name: a\n    pollingInterval: HOURLY\n")),
    "missing credentials": Case(("ingest", "--store", "{store}"), "no usable AWS credentials",
                                env=WITHOUT_CREDENTIALS),
    "missing credentials, new store": Case(("ingest", "--store", "{dir}/new.sqlite"), "no usable AWS credentials",
                                           env=WITHOUT_CREDENTIALS),
    "expired credentials": Case(("ingest", "--profile", "expired", "--store", "{store}"), "still expired",
                                {"creds.sh": EXPIRED_PROCESS, "config": "[profile expired]\nregion = us-east-1\n"
                                 "credential_process = {dir}/creds.sh\n"},
                                {**WITHOUT_CREDENTIALS, "AWS_CONFIG_FILE": "{dir}/config"}),
    "credentials AWS says are expired": Case(("ingest", "--store", "{store}"),
                                             "AWS rejected the credentials (ExpiredToken)",
                                             env={"AWS_ENDPOINT_URL": "{expired_endpoint}"}),
    "unreachable endpoint": Case(("ingest", "--store", "{store}"), "cannot reach the AWS endpoint",
                                 env={"AWS_ENDPOINT_URL": "http://127.0.0.1:{closed_port}", "AWS_MAX_ATTEMPTS": "1"}),
    "unwritable store path": Case(("ingest", "--store", "{dir}/custom.json/graph.sqlite"), "cannot open store"),
    "corrupt store": Case(("runs", "--store", "{store}"), "file is not a database", prepare=_corrupt),
    "corrupt store to ingest into": Case(("ingest", "--store", "{store}"), "file is not a database",
                                         prepare=_corrupt),
    "store of a newer schema": Case(("ingest", "--store", "{store}"), "schema version 99", prepare=_newer),
    "invalid import file": Case(("import", "{dir}/bad.json", "--store", "{store}"), "bad.json: (file): not valid JSON",
                                {"bad.json": '{"entities": [}'}),
    "query syntax error": Case(("query", "FIND aws_instance WITH", "--store", "{store}"), "query: expected"),
    "query nested 3,000 parentheses deep": Case(("query", "FIND t WITH " + "(" * 3000 + "x = 1" + ")" * 3000,
                                                 "--store", "{store}"), "parentheses nested more than 100 deep"),
    "attempts that are not a number": Case(("ingest", "--store", "{dir}/new.sqlite"), "AWS_MAX_ATTEMPTS",
                                           env={"AWS_MAX_ATTEMPTS": "abc"}),
    "an unknown retry mode": Case(("ingest", "--store", "{dir}/new.sqlite"), "AWS_RETRY_MODE",
                                  env={"AWS_RETRY_MODE": "eventually"}),
    "an endpoint port out of range": Case(("ingest", "--store", "{dir}/new.sqlite"),
                                          "is not a usable endpoint URL: Port out of range",
                                          env={"AWS_ENDPOINT_URL": "http://127.0.0.1:99999"}),
    "an endpoint without a scheme": Case(("permissions",), "AWS_ENDPOINT_URL_S3='localhost' is not a usable endpoint",
                                         env={"AWS_ENDPOINT_URL_S3": "localhost"}),
    "configuration that is not UTF-8": Case(("ingest", *CONFIG, "--store", "{dir}/new.sqlite"), "not UTF-8 text",
                                            prepare=_latin1_config),
    "configuration with an alias bomb": Case(("config", *CONFIG), "expands to more than 200,000 values",
                                             _config(ALIAS_BOMB)),
    "configuration naming a key twice": Case(("ingest", *CONFIG, "--store", "{store}"), "found duplicate key 'name'",
                                             _config("instances:\n  - name: a\n    name: b\n")),
    "import nested 100,000 levels deep": Case(("import", "{dir}/deep.json", "--store", "{store}"),
                                              "the JSON document is nested too deeply",
                                              {"deep.json": "[" * 100_000 + "]" * 100_000}),
    "import into an integration's source": Case(("import", "{dir}/custom.json", "--source", "aws:123456789012",
                                                 "--store", "{store}"), "written only by the aws integration"),
    "ingest into another application's database": Case(("ingest", "--store", "{store}"),
                                                       "is not an aws-integration store (it holds other tables: invoices)",
                                                       prepare=_other_application),
    "query another application's database": Case(("query", "FIND *", "--store", "{store}"),
                                                 "is not an aws-integration store", prepare=_other_application),
    "history of another application's database": Case(("runs", "--store", "{store}"),
                                                      "is not an aws-integration store", prepare=_other_application),
}


def _snapshot(directory: Path, store: Path) -> dict[str, Any]:
    """What a failing command must not change: the files, and the store's graph and history.

    A readable store is compared by content (SQLite may rewrite a page it reads); one the
    case broke on purpose, byte for byte like any other file.
    """
    files = {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}
    try:
        with SqliteStore(store) as opened:
            content: Any = (list(opened.entities()), list(opened.relationships()),
                            [run.to_dict() for run in opened.runs()])
        files.pop(store.name)
    except StoreError:
        content = None
    return {"names": sorted(files), "files": files, "store": content}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_clear_line_and_writes_nothing(name: str, endpoint: str, tmp_path: Path) -> None:
    case = CASES[name]
    store = tmp_path / "graph.sqlite"
    (tmp_path / "custom.json").write_text(json.dumps(CUSTOM))
    imported = subprocess.run([sys.executable, "-m", "aws_integration", "import", str(tmp_path / "custom.json"),
                               "--store", str(store)], capture_output=True, text=True, check=False)
    assert imported.returncode == 0, imported.stderr
    for file_name, text in case.files.items():
        (tmp_path / file_name).write_text(text.replace("{dir}", str(tmp_path)))
        (tmp_path / file_name).chmod(0o700)
    if case.prepare:
        case.prepare(store)
    before = _snapshot(tmp_path, store)

    with AwsProxy(endpoint, failing_services={"sts": "expired"}) as expired:
        values = {"dir": str(tmp_path), "store": str(store), "endpoint": endpoint,
                  "expired_endpoint": expired.url, "closed_port": str(free_port())}
        env = dict(os.environ)
        for variable, value in case.env.items():
            if value is None:
                env.pop(variable, None)
            else:
                env[variable] = value.format(**values)
        result = subprocess.run(
            [sys.executable, "-m", "aws_integration", *(arg.format(**values) for arg in case.args)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )

    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aws-integration: error: "), result.stderr
    assert case.expected in lines[0], lines[0]
    assert result.stdout == ""
    assert _snapshot(tmp_path, store) == before
