"""Graph storage. Knows entities, relationships, sources, runs and change sets; nothing about AWS."""

from aws_integration.store.records import Change, ChangeKind, RecordKind
from aws_integration.store.errors import StoreError
from aws_integration.store.graph_store import CommitSummary, Derivation, GraphBatch, GraphStore, RunLease, RunRecord
from aws_integration.store.location import StoreAddress, default_store_path
from aws_integration.store.sqlite import SqliteStore

__all__ = [
    "Change",
    "ChangeKind",
    "CommitSummary",
    "Derivation",
    "GraphBatch",
    "GraphStore",
    "RecordKind",
    "RunLease",
    "RunRecord",
    "SqliteStore",
    "StoreAddress",
    "StoreError",
    "default_store_path",
]
