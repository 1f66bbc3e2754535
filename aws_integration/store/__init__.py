"""Graph storage. Knows entities, relationships, sources, runs and change sets; nothing about AWS."""

from aws_integration.store.records import Change, ChangeKind, RecordKind
from aws_integration.store.sqlite import (
    CommitSummary,
    Derivation,
    GraphBatch,
    RunLease,
    RunRecord,
    SqliteStore,
    StoreError,
    default_store_path,
)

__all__ = [
    "Change",
    "ChangeKind",
    "CommitSummary",
    "Derivation",
    "GraphBatch",
    "RecordKind",
    "RunLease",
    "RunRecord",
    "SqliteStore",
    "StoreError",
    "default_store_path",
]
