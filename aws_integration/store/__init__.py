"""Graph storage. Knows entities, relationships, sources and runs; nothing about AWS."""

from aws_integration.store.sqlite import CommitSummary, GraphBatch, SqliteStore, StoreError, default_store_path

__all__ = ["CommitSummary", "GraphBatch", "SqliteStore", "StoreError", "default_store_path"]
