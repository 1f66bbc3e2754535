"""The CLI as end-to-end tests run it: a subprocess against a local endpoint, answering JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def ingest(store: Path, endpoint: str, *args: str, attempts: int = 3) -> tuple[int, dict[str, Any], str]:
    """``aws-integration ingest --json`` into ``store`` against ``endpoint``: its exit code, report and stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "aws_integration", "ingest", "--store", str(store), "--json", *args],
        env={**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": str(attempts)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def export(store: Path) -> dict[str, Any]:
    """``aws-integration export`` of ``store``."""
    result = subprocess.run([sys.executable, "-m", "aws_integration", "export", "--store", str(store)],
                            capture_output=True, text=True, timeout=120, check=True)
    exported: dict[str, Any] = json.loads(result.stdout)
    return exported
