"""The store's schema, in numbered steps: a store is brought up to date when it is opened.

Version 1 is the first released layout. Each later version is a list of statements
applied in one transaction with the version bump, so a store is never half-migrated.
A store newer than this code understands is refused, never downgraded.
"""

from __future__ import annotations

from aws_integration.store.database import SqliteDatabase
from aws_integration.store.transactions import transaction

BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    classes TEXT NOT NULL,
    display_name TEXT NOT NULL,
    properties TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS entities_type ON entities (type);
CREATE INDEX IF NOT EXISTS entities_key ON entities (key);
CREATE TABLE IF NOT EXISTS relationships (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    verb TEXT NOT NULL,
    from_key TEXT NOT NULL,
    from_type TEXT NOT NULL,
    to_key TEXT NOT NULL,
    to_type TEXT NOT NULL,
    properties TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS relationships_type ON relationships (type);
"""

ANALYSIS_LIMIT = 1000  # rows ANALYZE samples per index: statistics good enough to order joins, in milliseconds

MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 2: runs belong to a configured instance and carry their change set; failed runs
    #    (nothing stored) are recorded with the error.
    2: (
        "ALTER TABLE runs ADD COLUMN instance TEXT",
        "ALTER TABLE runs ADD COLUMN error TEXT",
        "CREATE INDEX runs_instance ON runs (instance, id)",
        """
        CREATE TABLE changes (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            kind TEXT NOT NULL,
            change TEXT NOT NULL,
            key TEXT NOT NULL,
            type TEXT NOT NULL,
            record TEXT NOT NULL,
            changed TEXT NOT NULL
        )
        """,
        "CREATE INDEX changes_run ON changes (run_id)",
    ),
    # 3: relationships found by their key (derived sources) and by either end (query traversals).
    3: (
        "CREATE INDEX relationships_key ON relationships (key)",
        "CREATE INDEX relationships_from ON relationships (from_key)",
        "CREATE INDEX relationships_to ON relationships (to_key)",
    ),
    # 4: a run is recorded as 'running' when it starts, with the lease (a lock file) its
    #    process holds, so a run whose process died is found and marked failed.
    4: (
        "ALTER TABLE runs ADD COLUMN lease TEXT",
        "CREATE INDEX runs_status ON runs (status)",
    ),
    # 5: each record remembers the unit of collection it came from (its scope: a region,
    #    or '' for what has none), so a run replaces only the (type, scope) units it
    #    collected. Stored records get the region of their ARN key (a bucket's ARN has
    #    none, like its global unit; a regional resource's names its region), other keys
    #    ''; a relationship, that of the end whose unit produced it: an account's HAS
    #    its target, any other its source.
    5: (
        "ALTER TABLE entities ADD COLUMN scope TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE relationships ADD COLUMN scope TEXT NOT NULL DEFAULT ''",
        "UPDATE entities SET scope = arn_region(key)",
        "UPDATE relationships SET scope = arn_region(CASE WHEN from_type = 'aws_account' THEN to_key ELSE from_key END)",
    ),
    # 6: a run names its target generically (integration, target ID, target name) instead
    #    of by AWS account: columns of their own, and the report's ``accountId`` becomes
    #    ``integration: aws`` with ``targetId`` (a run of an AWS source before it was
    #    identified keeps no target ID).
    6: (
        "ALTER TABLE runs ADD COLUMN integration TEXT",
        "ALTER TABLE runs ADD COLUMN target_id TEXT",
        "ALTER TABLE runs ADD COLUMN target_name TEXT",
        "UPDATE runs SET report = json_remove(json_set(report, '$.integration', 'aws', '$.targetId', "
        "json_extract(report, '$.accountId'), '$.targetName', NULL), '$.accountId') "
        "WHERE json_type(report, '$.accountId') IS NOT NULL",
        "UPDATE runs SET report = json_set(report, '$.integration', 'aws') "
        "WHERE source LIKE 'aws:%' AND json_type(report, '$.integration') IS NULL",
        "UPDATE runs SET integration = json_extract(report, '$.integration'), "
        "target_id = json_extract(report, '$.targetId'), target_name = json_extract(report, '$.targetName')",
        "CREATE INDEX runs_target ON runs (integration, target_id)",
    ),
    # 7: a traversal finds a node's relationships of one verb in the index, either way
    #    round (the query language follows either end), and the query planner has
    #    statistics (sampled), so it joins from the selective end (renewed after every
    #    commit by ``SqliteStore.refresh_statistics``).
    7: (
        "DROP INDEX relationships_from",
        "DROP INDEX relationships_to",
        "CREATE INDEX relationships_from ON relationships (from_key, verb)",
        "CREATE INDEX relationships_to ON relationships (to_key, verb)",
        f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}",
        "ANALYZE",
    ),
    # 8: no ``last_run``: every commit rewrote it for every record in its scope (on PostgreSQL a new version
    #    of each row, a fifth of a large commit's time), and nothing read it. ``first_run`` stays.
    8: (
        "ALTER TABLE entities DROP COLUMN last_run",
        "ALTER TABLE relationships DROP COLUMN last_run",
    ),
}

SCHEMA_VERSION = max(MIGRATIONS, default=1)


class NewerSchema(Exception):
    """The store was written by a newer version of this program."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class NotAStore(Exception):
    """The database holds tables of another application: it is not a store, and is left alone."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(tables)
        self.tables = tables


STORE_TABLES = frozenset({"meta", "runs", "entities", "relationships"})


def _check_is_store(db: SqliteDatabase) -> None:
    """Raise :class:`NotAStore` unless the database is empty or has the store's tables."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and not STORE_TABLES <= tables:
        raise NotAStore(sorted(tables - STORE_TABLES - {"sqlite_sequence"})[:5])


def arn_region(key: str) -> str:
    """The region field of an ARN key (``arn:aws:ec2:us-east-1:...``); ``""`` for other keys and global ARNs."""
    parts = key.split(":", 5)
    return parts[3] if len(parts) == 6 and parts[0] == "arn" else ""


def _version(db: SqliteDatabase) -> int:
    row = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
    return int(row[0]) if row else 1


def migrate(db: SqliteDatabase) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; returns the version it had before.

    A store already at the current version is only read. Otherwise the version is read
    again and raised under one write lock, so two processes opening the same old store
    migrate it once. A database with other tables than the store's is refused
    (:class:`NotAStore`), untouched.
    """
    _check_is_store(db)
    has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if has_meta:
        current = _version(db)
        if current > SCHEMA_VERSION:
            raise NewerSchema(current)
        if current == SCHEMA_VERSION:
            return current
    db.connection.create_function("arn_region", 1, arn_region, deterministic=True)  # for migration 5
    with transaction(db, immediate=True):
        for statement in BASE_SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        found = _version(db)
        if found > SCHEMA_VERSION:
            raise NewerSchema(found)
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(max(found, SCHEMA_VERSION)),))
    return found
