"""Benchmarks, run on demand (``make bench``), never as timed tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_figures(path: Path | None, figures: Any) -> None:
    """Write a benchmark's figures as JSON to ``path`` (``--json``), when one was given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
