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
    # 3: the review trail's head, kept outside the events table so a truncated or wiped trail
    # shows. Events written before this migration were chained without a key; they are counted
    # as legacy so verification can tell them from a chain recomputed later.
    """
    CREATE TABLE trail_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), events INTEGER NOT NULL, hash TEXT NOT NULL,
        legacy_events INTEGER NOT NULL, key_id TEXT, mac TEXT
    );
    INSERT INTO trail_head(id, events, hash, legacy_events, key_id, mac)
        SELECT 1, COUNT(*), COALESCE((SELECT hash FROM review_events ORDER BY seq DESC LIMIT 1), '0000000000000000000000000000000000000000000000000000000000000000'),
               COUNT(*), NULL, NULL FROM review_events;
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
