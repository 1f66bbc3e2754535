"""The run history and change sets, as people read them in a terminal."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aws_integration.store import Change, ChangeKind, RunRecord

_SIGNS = {ChangeKind.CREATED: "+", ChangeKind.UPDATED: "~", ChangeKind.DELETED: "-"}
SKIPPED_SHOWN = 3


def _duration(run: RunRecord) -> str:
    try:
        seconds = (datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)).total_seconds()
    except ValueError:
        return "?"
    seconds = run.report.get("seconds", seconds)
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _counts(run: RunRecord) -> str:
    entities = run.summary.get("entities")
    if not entities:
        return "-"
    return f"+{entities['created']} ~{entities['updated']} -{entities['deleted']}"


def _skipped(run: RunRecord) -> str:
    if run.error:
        return run.error
    types = run.skipped_types
    if not types:
        return ""
    shown = ", ".join(types[:SKIPPED_SHOWN])
    return f"{len(types)} skipped: {shown}" + (", ..." if len(types) > SKIPPED_SHOWN else "")


def format_runs(runs: Sequence[RunRecord]) -> str:
    """A table of runs: ID, instance, target (AWS account, console), start, duration, status, counts, scope, skipped types or error."""
    if not runs:
        return "No runs yet."
    header = ("RUN", "INSTANCE", "TARGET", "STARTED", "TOOK", "STATUS", "ENTITIES", "CHANGES", "SCOPE",
              "SKIPPED / ERROR")
    rows = [
        (
            str(run.id),
            run.instance or "-",
            run.target_id or "-",
            run.started_at,
            _duration(run),
            run.status,
            str(run.entity_count) if not run.error else "-",
            _counts(run),
            run.scope_line(),
            _skipped(run),
        )
        for run in runs
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    return "\n".join(line.rstrip() for line in lines)


def _value(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


def change_lines(change: Change) -> list[str]:
    """One change as people read it: ``+``/``~``/``-``, type and name, then each changed field of an update."""
    name = change.record.get("displayName") or change.key
    lines = [f"{_SIGNS[change.change]} {change.type} {name}" + (f" ({change.key})" if name != change.key else "")]
    if change.change is ChangeKind.UPDATED:
        lines += [
            f"    {field}: {_value(values['old'])} -> {_value(values['new'])}" for field, values in change.changed.items()
        ]
    return lines


def _target(run: RunRecord) -> str:
    """What a run reached, in a few words: ``aws 123456789012``, ``sentinelone acme.sentinelone.net``."""
    if not run.target_id:
        return "target -"
    return f"{run.integration or 'target'} {run.target_id}"


def format_changes(run: RunRecord, changes: Sequence[Change]) -> str:
    """A run's change set: a summary line, then one line per record (+ created, ~ updated, - deleted)."""
    tally = Counter(change.change for change in changes)
    where = f"instance {run.instance}, " if run.instance else ""
    lines = [
        f"Run {run.id} ({where}{_target(run)}, {run.status}, started {run.started_at}): "
        f"{tally[ChangeKind.CREATED]} created, {tally[ChangeKind.UPDATED]} updated, {tally[ChangeKind.DELETED]} deleted"
    ]
    if run.error:
        lines.append(f"Nothing was stored: {run.error}")
    if run.summary.get("baseline"):
        lines.append("First run of this source: everything is new.")
    skipped = run.skipped_types
    if skipped:
        lines.append(f"Not compared (their step did not succeed; stored data kept): {', '.join(skipped)}")
    for change in changes:
        lines += change_lines(change)
    return "\n".join(lines)
