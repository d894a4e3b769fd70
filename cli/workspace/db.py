"""SQLite for the workspace: WAL mode, numbered migrations, one transaction per write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Append only: a released migration is never edited, so every workspace can be brought forward.
MIGRATIONS: tuple[str, ...] = (
    # 1: scans, observations, inventory snapshots, register, findings, review trail
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE scans (
        id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, doc TEXT NOT NULL
    );
    CREATE TABLE scan_observations (
        scan_id TEXT NOT NULL REFERENCES scans(id), obs_id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (scan_id, obs_id)
    );
    CREATE TABLE current_observations (obs_id TEXT PRIMARY KEY, target TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE inventory_snapshots (
        scan_id TEXT NOT NULL REFERENCES scans(id), system_id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (scan_id, system_id)
    );
    CREATE TABLE cloud_controls (id TEXT PRIMARY KEY, scan_id TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE register_entries (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE findings (requirement TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE review_events (
        seq INTEGER PRIMARY KEY, requirement TEXT NOT NULL, doc TEXT NOT NULL, hash TEXT NOT NULL
    );
    CREATE TABLE gap_runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX idx_review_events_requirement ON review_events(requirement);
    """,
    # 2: per-control SoA decisions made by reviewers (owner, applicability overrides)
    """
    CREATE TABLE soa_overrides (control TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
    # 3: the system register and a workspace that stays linear (issues 11 and 15): observations
    # stored once per target as one JSON array (a scan stores references, not copies), the
    # inventory snapshot stored once per scan and once as "current" (read, never re-merged, by
    # list, exports, report and gap run), link facts, reassessment triggers, impact assessments.
    """
    CREATE TABLE observation_sets (target TEXT PRIMARY KEY, count INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE link_fact_sets (target TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE scan_targets (
        scan_id TEXT NOT NULL REFERENCES scans(id), target TEXT NOT NULL, observations INTEGER NOT NULL,
        PRIMARY KEY (scan_id, target)
    );
    CREATE TABLE inventory_blobs (scan_id TEXT PRIMARY KEY REFERENCES scans(id), doc TEXT NOT NULL);
    CREATE TABLE inventory_current (
        id INTEGER PRIMARY KEY CHECK (id = 1), scan_id TEXT, built_on TEXT NOT NULL, doc TEXT NOT NULL
    );
    CREATE TABLE register_documents (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
    CREATE TABLE triggers (id TEXT PRIMARY KEY, scan_id TEXT, at TEXT, doc TEXT NOT NULL);
    CREATE TABLE assessments (system_id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
)


class WorkspaceError(RuntimeError):
    pass


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)  # explicit BEGIN/COMMIT below
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> None:
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise WorkspaceError(
            f"workspace schema version {current} is newer than this aims understands ({len(MIGRATIONS)}); upgrade aims"
        )
    for number in range(current + 1, len(MIGRATIONS) + 1):
        with transaction(conn):
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> Iterator[str]:
    for statement in script.split(";"):
        if statement.strip():
            yield statement


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: a crash leaves the previous state."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
