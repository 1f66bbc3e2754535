"""The store: the latest graph of each source, the history of runs, their change sets.

What follows holds for both databases the store runs on (SQLite, the embedded
default, in :mod:`~aws_integration.store.sqlite`; PostgreSQL in
:mod:`~aws_integration.store.postgres`), which differ only in how they are opened,
how a running run holds its lease, and how their statistics are renewed.

While a run collects, its records are staged page by page in tables private to the
process (:mod:`~aws_integration.store.staging`); the graph is only changed by the
run's commit, one transaction that merges them in SQL (:mod:`~aws_integration.store.merge`).
A run replaces its source's graph, except for the types it
marks partial (their step did not succeed): entities and relationships of those types
that the run did not see are kept from earlier runs, and are not reported deleted.
Relationships whose endpoints are not in the stored graph are not written, and are
counted by type. Every record a run creates, updates or deletes is written to the
run's change set in the same transaction.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from abc import ABC, abstractmethod
from typing import Any, Protocol, Self

from aws_integration.graph.model import Entity, Relationship
from aws_integration.store.database import Database
from aws_integration.store.errors import StoreError
from aws_integration.store.merge import Changes, KeyConflict, Units, claim_keys, drop_dangling, drop_orphaned, merge_staged
from aws_integration.store.sources import Rank, rank_of
from aws_integration.store.records import Change, ChangeKind, RecordKind, canonical, entity_record, relationship_record
from aws_integration.store.staging import COLLECTED, StagedGraph, drop_staged, stage_records
from aws_integration.store.tables import ENTITIES, GRAPH_TABLES, RELATIONSHIPS, Table
from aws_integration.store.transactions import transaction

log = logging.getLogger(__name__)

RUNNING = "running"
INTERRUPTED_ERROR = (
    "interrupted: the process running it ended before the run finished (killed, crashed or the machine "
    "stopped); nothing of it was stored"
)


class LeaseLock(Protocol):
    """The lock a running run's process holds for as long as it lives (a file lock, an advisory lock)."""

    def acquire(self) -> bool: ...
    def release(self, *, remove: bool = False) -> None: ...


@dataclass
class GraphBatch:
    """What one run hands to the store.

    ``entities`` and ``relationships`` are merged together with whatever the leased run
    staged through :meth:`GraphStore.staging` while it collected (a run that staged
    everything hands over empty lists). ``units`` is the run's scope: the (type, scope)
    pairs it collected, the only ones in which it replaces what is stored (``None``:
    the whole source, less the partial types).
    """

    source: str
    entities: list[Entity]
    relationships: list[Relationship]
    partial_entity_types: set[str]
    partial_relationship_types: set[str]
    status: str
    started_at: str
    finished_at: str
    report: dict[str, Any] = field(default_factory=dict)
    instance: str | None = None
    lease: RunLease | None = None
    units: Units | None = None


@dataclass
class RunLease:
    """A run in progress: its row in the history (status ``running``) and the lock its process holds.

    While the process lives, the lock is held; once it is gone, however it ended, the
    next process to open the store takes the lock and marks the run failed.
    """

    run_id: int
    lock: LeaseLock


@dataclass
class CommitSummary:
    """The outcome of storing one run.

    ``baseline`` is true when the source had nothing stored before: every record is
    new, so the change set describes the whole graph rather than a change.
    """

    run_id: int
    entities: Changes
    relationships: Changes
    dangling_relationships: dict[str, int]
    baseline: bool = False
    key_conflicts: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, in camelCase like every other JSON the program writes."""
        return {
            "runId": self.run_id,
            "entities": self.entities.to_dict(),
            "relationships": self.relationships.to_dict(),
            "danglingRelationships": self.dangling_relationships,
            "baseline": self.baseline,
            "keyConflicts": self.key_conflicts,
        }


class _Preview(Exception):
    """Raised inside a commit to roll it back once its summary is known."""

    def __init__(self, summary: CommitSummary) -> None:
        super().__init__()
        self.summary = summary


@dataclass(frozen=True)
class Derivation:
    """A source the store recomputes after every commit, in the same transaction.

    ``derive`` receives the records of every entity (of any other source) with one of
    ``input_classes`` and returns the source's whole graph; its changes are part of
    the committing run's change set.
    """

    source: str
    input_classes: frozenset[str]
    derive: Callable[[list[dict[str, Any]]], tuple[list[Entity], list[Relationship]]]


@dataclass(frozen=True)
class RunRecord:
    """One run in the history: when, how it ended, what it stored and what it skipped."""

    id: int
    instance: str | None
    source: str
    started_at: str
    finished_at: str
    status: str
    error: str | None
    summary: dict[str, Any]
    report: dict[str, Any]

    @property
    def integration(self) -> str | None:
        """The integration that ran (``aws``, ``sentinelone``; None for an import)."""
        return self.report.get("integration")

    @property
    def target_id(self) -> str | None:
        """What the run reached: an AWS account ID, a console (None when it failed before knowing)."""
        return self.report.get("targetId")

    @property
    def target_name(self) -> str | None:
        """The target's name, when the run knew one."""
        return self.report.get("targetName")

    @property
    def entity_count(self) -> int:
        """How many entities the run collected (0 when it failed before collecting)."""
        return sum((self.report.get("entityCounts") or {}).values())

    @property
    def scope(self) -> dict[str, list[str]] | None:
        """What the run looked at: each type with the regions (or ``global``) it collected (None: nothing)."""
        return self.report.get("scope")

    def scope_line(self) -> str:
        """The scope in a few words: how many entity types, in which regions."""
        if not self.scope:
            return "-"
        regions = self.report.get("regions") or []
        declared = {name for step in self.report.get("steps", []) for name in step.get("entityTypes", [])}
        if self.integration not in (None, "aws"):
            return f"{len(declared & set(self.scope))} entity types of the {self.integration} target"
        return f"{len(declared & set(self.scope))} entity types in {', '.join(regions) if regions else 'global'}"

    @property
    def skipped_types(self) -> list[str]:
        """The types the run could not (fully) see, each once."""
        return sorted({item["type"] for item in self.report.get("skippedTypes", [])})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, without the full report."""
        return {
            "id": self.id,
            "instance": self.instance,
            "source": self.source,
            "integration": self.integration,
            "targetId": self.target_id,
            "targetName": self.target_name,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "seconds": self.report.get("seconds"),
            "status": self.status,
            "error": self.error,
            "entities": self.entity_count,
            "relationships": sum((self.report.get("relationshipCounts") or {}).values()),
            "skippedTypes": self.skipped_types,
            "scope": {"regions": self.report.get("regions", []), "types": sorted(self.scope or ())},
            "summary": self.summary,
        }


def _target_columns(report: dict[str, Any]) -> dict[str, Any]:
    """The run's target (integration, ID, name), as its report names it, for the runs table's own columns."""
    return {"integration": report.get("integration"), "target_id": report.get("targetId"),
            "target_name": report.get("targetName")}


class GraphStore(ABC):
    """A graph store on one database connection; :class:`~aws_integration.store.sqlite.SqliteStore` and
    :class:`~aws_integration.store.postgres.PostgresStore` open it.

    Opening it marks failed every run recorded as ``running`` whose process is gone;
    ``interrupted_runs`` lists their IDs.
    """

    interrupted_runs: list[int]
    location: str  # how messages name the store (a path, a URL without its password)
    derivations: tuple[Derivation, ...]
    _db: Database

    @abstractmethod
    def _lease_lock(self, token: str | None) -> LeaseLock:
        """The lock a running run's process holds, named by the run's lease token."""

    @abstractmethod
    def refresh_statistics(self) -> None:
        """Renew the query planner's statistics after a commit (a failure is logged, never raised)."""

    @property
    def dialect(self) -> str:
        """The database the store runs on (``sqlite``, ``postgresql``): what its SELECT statements are written for."""
        return self._db.dialect.name

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def begin_run(self, *, instance: str | None, started_at: str, source: str = "",
                  target: dict[str, str] | None = None) -> RunLease:
        """Record a run as ``running`` before it collects anything, under a lease its process holds.

        ``target`` is what the run already knows of its target (``integration``, ``targetId``,
        ``targetName``): a run that is interrupted is still recorded against it.
        """
        token = uuid.uuid4().hex
        lock = self._lease_lock(token)
        report = {name: value for name, value in (target or {}).items() if value is not None}
        try:
            lock.acquire()
            run_id = self._write_run(
                {"source": source, "instance": instance, "started_at": started_at, "finished_at": started_at,
                 "status": RUNNING, "report": canonical(report), "lease": token, **_target_columns(report)},
                None,
            )
        except (OSError, *self._db.errors) as error:
            lock.release(remove=True)
            raise StoreError(f"cannot write store {self.location}: {error}") from None
        return RunLease(run_id, lock)

    def staging(self, lease: RunLease) -> StagedGraph:
        """The sink a leased run's graph is staged in, page by page, until it is committed or fails."""
        return StagedGraph(self._db, self.location, lease.run_id)

    def _fail_running(self, run_id: int, error: str) -> None:
        """Mark a run that is still ``running`` failed with ``error`` (its finish time stays its start)."""
        self._db.execute("UPDATE runs SET status = 'failure', error = ? WHERE id = ? AND status = ?",
                         (error, run_id, RUNNING))

    def _forget_running(self, run_id: int) -> None:
        """Delete a run that is still ``running``, and what it staged."""
        drop_staged(self._db, run_id)
        self._db.execute("DELETE FROM runs WHERE id = ? AND status = ?", (run_id, RUNNING))

    def discard_run(self, lease: RunLease) -> None:
        """Forget a run that stored nothing and keeps no history (a command-line run that failed)."""
        try:
            self._forget_running(lease.run_id)
        except self._db.errors as error:
            raise StoreError(f"cannot write store {self.location}: {error}") from None
        finally:
            lease.lock.release(remove=True)

    def commit_run(self, batch: GraphBatch, check: Callable[[CommitSummary], None] | None = None) -> CommitSummary:
        """Store a run's graph and its change set in one transaction, and record the run.

        ``check`` sees the summary before the transaction commits; an exception it
        raises leaves the store as it was. When the commit fails, a leased run is
        recorded as failed with the error, and the store keeps the previous graph.
        """
        try:
            with transaction(self._db, immediate=True):
                summary = self._merge(batch)
                if check is not None:
                    check(summary)
                self._db.execute(
                    "UPDATE runs SET summary = ? WHERE id = ?", (canonical(summary.to_dict()), summary.run_id)
                )
        except self._db.errors as error:
            message = f"cannot write store {self.location}: {error}"
            if batch.lease is not None:
                self.abandon_run(batch.lease, message)
            raise StoreError(message) from None
        if batch.lease is not None:
            batch.lease.lock.release(remove=True)
        self.refresh_statistics()
        return summary

    def preview_run(self, batch: GraphBatch) -> tuple[CommitSummary, list[Change]]:
        """What committing ``batch`` would change, with its change set; the store is left as it was."""
        changes: list[Change] = []

        def keep_changes(summary: CommitSummary) -> None:
            changes.extend(self._changes_of(summary.run_id))
            raise _Preview(summary)

        try:
            self.commit_run(batch, keep_changes)
        except _Preview as preview:
            return preview.summary, changes
        raise AssertionError("the preview committed")  # keep_changes always raises

    def abandon_run(self, lease: RunLease, error: str, keep_record: bool = True) -> None:
        """Mark a leased run failed (or forget it), if the store still accepts a write; release its lease either way.

        For a run the store itself failed: nothing more is written, and no error is raised.
        """
        try:
            if keep_record:
                drop_staged(self._db, lease.run_id)
                self._fail_running(lease.run_id, error)
            else:
                self._forget_running(lease.run_id)
        except self._db.errors:
            pass  # the store is failing: the next start marks the run interrupted
        finally:
            lease.lock.release(remove=True)

    def _mark_interrupted_runs(self) -> list[int]:
        """Mark failed the ``running`` runs whose process is gone (their lease can be taken)."""
        interrupted = []
        for run_id, token in self._db.execute("SELECT id, lease FROM runs WHERE status = ?", (RUNNING,)).fetchall():
            lock = self._lease_lock(token)
            if token and not lock.acquire():
                continue  # its process still runs
            try:
                self._fail_running(run_id, INTERRUPTED_ERROR)
                interrupted.append(run_id)
                log.warning("run %d was interrupted before it finished; recorded as failed, nothing of it was stored",
                            run_id)
            finally:
                lock.release(remove=True)
        return interrupted

    def record_failed_run(
        self,
        *,
        source: str,
        instance: str | None,
        started_at: str,
        finished_at: str,
        error: str,
        status: str = "failure",
        report: dict[str, Any] | None = None,
        lease: RunLease | None = None,
    ) -> int:
        """Record a run that stored nothing (``failure``, or ``interrupted`` when stopped); returns its id.

        With a lease, the run recorded as ``running`` when it began is completed.
        """
        columns = {"source": source, "instance": instance, "started_at": started_at, "finished_at": finished_at,
                   "status": status, "error": error, "report": canonical(report or {}), **_target_columns(report or {})}
        try:
            if lease is not None:
                drop_staged(self._db, lease.run_id)
            return self._write_run(columns, lease)
        except self._db.errors as failure:
            raise StoreError(f"cannot write store {self.location}: {failure}") from None
        finally:
            if lease is not None:
                lease.lock.release(remove=True)

    def _write_run(self, columns: dict[str, Any], lease: RunLease | None) -> int:
        """Insert a run record, or complete the one ``lease`` began; returns the run's id."""
        if lease is None:
            cursor = self._db.execute(
                f"INSERT INTO runs ({', '.join(columns)}, summary) VALUES ({', '.join('?' for _ in columns)}, '{{}}') "
                "RETURNING id",
                tuple(columns.values()),
            )
            return int(cursor.fetchone()[0])
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*columns.values(), lease.run_id))
        return lease.run_id

    def _merge(self, batch: GraphBatch) -> CommitSummary:
        run_id = self._write_run(
            {"source": batch.source, "instance": batch.instance, "started_at": batch.started_at,
             "finished_at": batch.finished_at, "status": batch.status, "report": canonical(batch.report),
             **_target_columns(batch.report)},
            batch.lease,
        )
        baseline = self._db.execute("SELECT 1 FROM entities WHERE source = ? LIMIT 1", (batch.source,)).fetchone() is None
        # What the run staged while it collected is already there; records handed over now join it.
        stage_records(self._db, ENTITIES, run_id, COLLECTED, batch.entities)
        stage_records(self._db, RELATIONSHIPS, run_id, COLLECTED, batch.relationships)
        self._db.analyze([table.staged for table in GRAPH_TABLES])
        conflicts = self._claim_keys(ENTITIES, batch.source, run_id)
        entity_changes = merge_staged(self._db, ENTITIES, source=batch.source, run_id=run_id, stage=COLLECTED,
                                      partial_types=batch.partial_entity_types, units=batch.units)
        # Derivations read entities only; run before the relationships are settled, they make the entities
        # the run's rules and trusts point at (the internet, outside accounts), so those edges are not dangling.
        for derivation in self.derivations:
            if derivation.source != batch.source:
                self._derive(derivation, run_id)
        dangling = drop_dangling(self._db, run_id, COLLECTED)
        conflicts += self._claim_keys(RELATIONSHIPS, batch.source, run_id)
        relationship_changes = merge_staged(self._db, RELATIONSHIPS, source=batch.source, run_id=run_id,
                                            stage=COLLECTED, partial_types=batch.partial_relationship_types,
                                            units=batch.units)
        relationship_changes.deleted += drop_orphaned(self._db, batch.source, run_id)
        drop_staged(self._db, run_id)
        return CommitSummary(run_id, entity_changes, relationship_changes, dangling, baseline,
                             [conflict.to_dict() for conflict in conflicts])

    def _claim_keys(self, table: Table, source: str, run_id: int) -> list[KeyConflict]:
        """Settle the staged keys other sources hold (see :mod:`~aws_integration.store.sources`).

        An import never leaves a record out: one whose key another import or an
        integration holds refuses the whole import.
        """
        conflicts = claim_keys(self._db, table, source=source, run_id=run_id, stage=COLLECTED, rank=rank_of)
        refused = [conflict for conflict in conflicts if conflict.kept != source]
        if refused and rank_of(source) is Rank.IMPORTED:
            first = refused[0]
            raise StoreError(f"{first.kind.value} {first.key!r} is already stored by source {first.holder!r} (keys are "
                             f"unique across sources; {len(refused)} such key(s)); nothing was imported")
        for conflict in refused:
            log.warning("%s %s is already stored by source %s: the copy of %s is left out", conflict.kind.value,
                        conflict.key, conflict.holder, source)
        return conflicts

    def _derive(self, derivation: Derivation, run_id: int) -> None:
        classes = sorted(derivation.input_classes)
        rows = self._db.execute(
            f"SELECT key, {ENTITIES.column_list} FROM entities WHERE source <> ? AND EXISTS "
            f"({self._db.dialect.values('classes')} WHERE value IN ({', '.join('?' for _ in classes)}))",
            (derivation.source, *classes),
        ).fetchall()
        entities, relationships = derivation.derive([entity_record(key, tuple(row)) for key, *row in rows])  # type: ignore[arg-type]
        stage = derivation.source
        stage_records(self._db, ENTITIES, run_id, stage, entities)
        stage_records(self._db, RELATIONSHIPS, run_id, stage, relationships)
        for table in (ENTITIES, RELATIONSHIPS):
            # What another source already holds (a Person imported from HR data) wins over the derived copy.
            claim_keys(self._db, table, source=derivation.source, run_id=run_id, stage=stage, rank=rank_of)
            merge_staged(self._db, table, source=derivation.source, run_id=run_id, stage=stage, partial_types=set())
        # Its own only: the committing run's own pass, next, takes every source's edges to what this run deleted.
        drop_orphaned(self._db, derivation.source, run_id, others=False)
        drop_staged(self._db, run_id, stage)

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except self._db.errors as error:
            raise StoreError(f"cannot read store {self.location}: {error}") from None

    def select(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement (the query language compiles to these)."""
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise StoreError("only SELECT statements may be run on the store")
        try:
            return self._db.execute(sql, params if isinstance(params, dict) else tuple(params)).fetchall()
        except self._db.errors as error:
            raise StoreError(f"cannot read store {self.location}: {error}") from None

    def entities(self, source: str | None = None, types: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Stored entities in the bulk-upload shape, optionally of one source or some types."""
        sql, params = f"SELECT key, {ENTITIES.column_list} FROM entities", []
        clauses = []
        if source:
            clauses.append("source = ?")
            params.append(source)
        type_list = list(types or [])
        if type_list:
            clauses.append(f"type IN ({', '.join('?' for _ in type_list)})")
            params.extend(type_list)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        for key, *row in self._read(sql + " ORDER BY type, key", params):
            yield entity_record(key, tuple(row))  # type: ignore[arg-type]

    def relationships(self, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored relationships in the bulk-upload shape."""
        sql = f"SELECT key, {RELATIONSHIPS.column_list} FROM relationships"
        params: list[str] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        for key, *row in self._read(sql + " ORDER BY type, key", params):
            yield relationship_record(key, tuple(row))  # type: ignore[arg-type]

    _RUN_COLUMNS = "id, instance, source, started_at, finished_at, status, error, summary, report"

    @staticmethod
    def _run_record(row: tuple[Any, ...]) -> RunRecord:
        run_id, instance, source, started, finished, status, error, summary, report = row
        return RunRecord(run_id, instance, source, started, finished, status, error, json.loads(summary),
                         json.loads(report))

    def runs(self, source: str | None = None, instance: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Run history, newest first, optionally of one source or instance."""
        clauses, params = [], []
        for column, value in (("source", source), ("instance", instance)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT {self._RUN_COLUMNS} FROM runs"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self._run_record(row) for row in self._read(sql, params)]

    def run(self, run_id: int) -> RunRecord:
        """One run; a clear error when there is no such run."""
        rows = self._read(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise StoreError(f"no run {run_id} in {self.location} ('aws-integration runs' lists them)")
        return self._run_record(rows[0])

    def last_start(self, instance: str) -> str | None:
        """When the newest run of ``instance`` started (ISO 8601), or None if it never ran."""
        rows = self._read("SELECT MAX(started_at) FROM runs WHERE instance = ?", (instance,))
        return rows[0][0] if rows else None

    def changes(self, run_id: int) -> list[Change]:
        """The change set of a run: entities first, then relationships, each by type and key."""
        self.run(run_id)
        return self._changes_of(run_id)

    def _changes_of(self, run_id: int) -> list[Change]:
        rows = self._read(
            "SELECT kind, change, key, type, record, changed FROM changes WHERE run_id = ? ORDER BY kind, type, key",
            (run_id,),
        )
        return [
            Change(RecordKind(kind), ChangeKind(change), key, type_name, json.loads(record), json.loads(changed))
            for kind, change, key, type_name, record, changed in rows
        ]
