"""Merging a run's staged records into the graph, in SQL, with the change set it makes.

Every comparison is a join between a staging table and its graph table, and every
write is one statement, so a commit holds a few thousand rows in memory at a time
whatever the size of the account: the change set is written as its rows are read.
For one source, a record the run staged is created when the source had no such key,
updated when any column differs, and otherwise only marked seen; a stored record the
run did not stage is deleted only when it lies in the run's scope: its type is not
partial in this run (its step did not succeed) and, when the run names the units it
collected, its (type, scope) is one of them (a region the run did not look at is kept).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aws_integration.store.database import Cursor, Database
from aws_integration.store.records import Change, ChangeKind, RecordKind, canonical, changed_fields
from aws_integration.store.tables import RELATIONSHIPS, Table

_CHUNK = 1000
_IN_ORDER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_IN_STAGE = "s.run_id = :run AND s.stage = :stage"


def _in_scope(db: Database, alias: str) -> str:
    """SQL: the row lies in what the run looked at.

    Its type is not one of the run's partial types (``:partial``, a JSON list) and,
    unless the run covers its whole source (``:whole``), its (type, scope) is one of
    the units the run collected (``:units``, a JSON list of pairs).
    """
    return (f"({alias}.type NOT IN ({db.dialect.values(':partial')}) AND (:whole OR ({alias}.type, {alias}.scope) "
            f"IN ({db.dialect.pairs(':units')})))")


def _missing_end(alias: str) -> str:
    """SQL: the relationship row has an end that is not an entity of any source."""
    return (f"(NOT EXISTS (SELECT 1 FROM entities e WHERE e.key = {alias}.from_key) "
            f"OR NOT EXISTS (SELECT 1 FROM entities e WHERE e.key = {alias}.to_key))")


@dataclass
class Changes:
    """What a run changed for one kind of record."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept_from_earlier_runs: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form (camelCase)."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "deleted": self.deleted, "keptFromEarlierRuns": self.kept_from_earlier_runs}


def _chunks(cursor: Cursor) -> Iterator[list[Any]]:
    while rows := cursor.fetchmany(_CHUNK):
        yield rows


def log_changes(db: Database, run_id: int, changes: Iterable[Change]) -> None:
    """Write changes into the run's change set (records keep their field order, as the SQL-built ones do)."""
    db.executemany(
        "INSERT INTO changes (run_id, kind, change, key, type, record, changed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (run_id, item.kind.value, item.change.value, item.key, item.type, _IN_ORDER.encode(item.record),
             canonical(item.changed))
            for item in changes
        ),
    )


Units = frozenset[tuple[str, str]]  # (type, scope) pairs a run collected


def merge_staged(
    db: Database,
    table: Table,
    *,
    source: str,
    run_id: int,
    stage: str,
    partial_types: set[str],
    units: Units | None = None,
) -> Changes:
    """Make ``source``'s records in ``table`` within the run's scope what the run staged, logging each change.

    ``units`` are the (type, scope) pairs the run collected; ``None`` means all of the
    source (an import, a derivation). Returns the counts.
    """
    params = {"source": source, "run": run_id, "stage": stage, "partial": canonical(sorted(partial_types)),
              "whole": units is None, "units": canonical(sorted(map(list, units or ())))}
    changes = Changes()
    _delete_unseen(db, table, params, bool(partial_types) or units is not None, changes)
    _update_changed(db, table, params, changes)
    _insert_new(db, table, params, changes)
    staged = db.execute(f"SELECT COUNT(*) FROM {table.staged} s WHERE {_IN_STAGE}", params).fetchone()[0]
    changes.unchanged = staged - changes.created - changes.updated
    return changes


def _log_rows(
    db: Database, table: Table, change: ChangeKind, alias: str, rows: str, params: dict[str, Any]
) -> int:
    """Log the rows ``rows`` selects (``FROM … alias WHERE …``) as changes, built in SQL; returns how many."""
    cursor = db.execute(
        f"INSERT INTO changes (run_id, kind, change, key, type, record, changed) "
        f"SELECT :run, '{table.kind.value}', '{change.value}', {alias}.key, {alias}.type, {table.record_sql(alias, db.dialect)}, "
        f"'{{}}' {rows}",
        params,
    )
    return cursor.rowcount


def _delete_unseen(
    db: Database, table: Table, params: dict[str, Any], scoped: bool, changes: Changes
) -> None:
    unseen = f"t.source = :source AND NOT EXISTS (SELECT 1 FROM {table.staged} s WHERE {_IN_STAGE} AND s.key = t.key)"
    in_scope = _in_scope(db, "t")
    changes.deleted = _log_rows(
        db, table, ChangeKind.DELETED, "t", f"FROM {table.name} t WHERE {unseen} AND {in_scope}", params
    )
    if scoped:
        changes.kept_from_earlier_runs = db.execute(
            f"SELECT COUNT(*) FROM {table.name} t WHERE {unseen} AND NOT ({in_scope})", params
        ).fetchone()[0]
    if changes.deleted:
        db.execute(f"DELETE FROM {table.name} AS t WHERE {unseen} AND {in_scope}", params)


def _update_changed(db: Database, table: Table, params: dict[str, Any], changes: Changes) -> None:
    width = len(table.columns)
    differs = f"({table.prefixed('s')}) <> ({table.prefixed('t')})"
    cursor = db.execute(
        f"SELECT s.key, {table.prefixed('s')}, {table.prefixed('t')} FROM {table.staged} s "
        f"JOIN {table.name} t ON t.source = :source AND t.key = s.key WHERE {_IN_STAGE} AND {differs}",
        params,
    )
    for rows in _chunks(cursor):
        updated = []
        for key, *values in rows:
            new, old = tuple(values[:width]), tuple(values[width:])
            record = table.to_record(key, new)
            updated.append(Change(table.kind, ChangeKind.UPDATED, key, new[0], record,
                                  changed_fields(table.to_record(key, old), record)))
        changes.updated += len(updated)
        log_changes(db, params["run"], updated)
    db.execute(
        f"UPDATE {table.name} AS t SET ({table.column_list}) = "
        f"(SELECT {table.prefixed('s')} FROM {table.staged} s WHERE {_IN_STAGE} AND s.key = t.key) "
        f"WHERE t.source = :source AND EXISTS "
        f"(SELECT 1 FROM {table.staged} s WHERE {_IN_STAGE} AND s.key = t.key AND {differs})",
        params,
    )
    # A record seen in another unit than before (a bucket listed from another region) moves there.
    db.execute(
        f"UPDATE {table.name} AS t SET scope = s.scope FROM {table.staged} s "
        f"WHERE t.source = :source AND s.key = t.key AND {_IN_STAGE} AND s.scope <> t.scope",
        params,
    )


def _insert_new(db: Database, table: Table, params: dict[str, Any], changes: Changes) -> None:
    new = f"{_IN_STAGE} AND NOT EXISTS (SELECT 1 FROM {table.name} t WHERE t.source = :source AND t.key = s.key)"
    changes.created = _log_rows(db, table, ChangeKind.CREATED, "s", f"FROM {table.staged} s WHERE {new}", params)
    if changes.created:
        # The keys already stored are skipped by the primary key, not by a NOT EXISTS over the table being
        # written: PostgreSQL's plan for that would visit every row the statement itself has inserted so far.
        db.execute(
            f"INSERT INTO {table.name} (source, key, scope, {table.column_list}, first_run) "
            f"SELECT :source, s.key, s.scope, {table.prefixed('s')}, :run FROM {table.staged} s "
            f"WHERE {_IN_STAGE} ON CONFLICT (source, key) DO NOTHING",
            params,
        )


def drop_dangling(db: Database, run_id: int, stage: str) -> dict[str, int]:
    """Unstage relationships with an end that is not in the graph; returns how many, by type."""
    params = {"run": run_id, "stage": stage}
    dangling = f"{_IN_STAGE} AND {_missing_end('s')}"
    counts = dict(db.execute(
        f"SELECT s.type, COUNT(*) FROM {RELATIONSHIPS.staged} s WHERE {dangling} GROUP BY s.type", params
    ).fetchall())
    if counts:
        db.execute(f"DELETE FROM {RELATIONSHIPS.staged} AS s WHERE {dangling}", params)
    return counts


def drop_orphaned(db: Database, source: str, run_id: int, others: bool = True) -> int:
    """Delete relationships with an end no longer in the graph, logging them deleted in the run's change set.

    Those of ``source``, and (with ``others``) those of any other source that point at
    an entity this run deleted: a relationship goes with its endpoint, whoever wrote it.
    """
    gone = f"(SELECT c.key FROM changes c WHERE c.run_id = :run AND c.kind = '{RecordKind.ENTITY.value}' " \
           f"AND c.change = '{ChangeKind.DELETED.value}')"
    params = {"source": source, "run": run_id}
    count = 0
    orphans = [f"r.source = :source AND {_missing_end('r')}"]
    if others:
        orphans.append(f"r.source <> :source AND (r.from_key IN {gone} OR r.to_key IN {gone}) AND {_missing_end('r')}")
    for orphaned in orphans:
        deleted = _log_rows(db, RELATIONSHIPS, ChangeKind.DELETED, "r", f"FROM relationships r WHERE {orphaned}", params)
        if deleted:
            db.execute(f"DELETE FROM relationships AS r WHERE {orphaned}", params)
        count += deleted
    return count


@dataclass(frozen=True)
class KeyConflict:
    """A key the run staged that another source held, and whose record the graph keeps."""

    kind: RecordKind
    key: str
    holder: str
    kept: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"kind": self.kind.value, "key": self.key, "heldBy": self.holder, "kept": self.kept}


def claim_keys(
    db: Database, table: Table, *, source: str, run_id: int, stage: str, rank: Callable[[str], int]
) -> list[KeyConflict]:
    """Keep every key unique across sources: settle each staged key that another source holds.

    The higher ``rank`` wins: the holder's record is deleted (and logged deleted in
    this run's change set) when the run's source outranks it; otherwise the run's
    record is unstaged and the holder's stays. Returns every conflict.
    """
    params: dict[str, Any] = {"source": source, "run": run_id, "stage": stage}
    rows = db.execute(
        f"SELECT s.key, t.source FROM {table.staged} s JOIN {table.name} t ON t.key = s.key AND t.source <> :source "
        f"WHERE {_IN_STAGE} ORDER BY s.key", params,
    ).fetchall()
    mine = rank(source)
    conflicts, taken, left_out = [], defaultdict(list), []
    for key, holder in rows:
        if mine > rank(holder):
            taken[holder].append(key)
            conflicts.append(KeyConflict(table.kind, key, holder, source))
        else:
            left_out.append(key)
            conflicts.append(KeyConflict(table.kind, key, holder, holder))
    for holder, keys in taken.items():
        held = f"FROM {table.name} AS t WHERE t.source = :holder AND t.key IN ({db.dialect.values(':keys')})"
        values = {**params, "holder": holder, "keys": canonical(keys)}
        _log_rows(db, table, ChangeKind.DELETED, "t", held, values)
        db.execute(f"DELETE {held}", values)
    if left_out:
        db.execute(f"DELETE FROM {table.staged} AS s WHERE {_IN_STAGE} AND s.key IN ({db.dialect.values(':keys')})",
                   {**params, "keys": canonical(left_out)})
    return conflicts
