"""SQLite for the workspace: WAL mode, numbered migrations, one transaction per write."""

from __future__ import annotations

import sqlite3
import urllib.parse
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
    # 4: the system register and a workspace that stays linear (issues 11 and 15): observations
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
    # 5: a first-seen column, briefly used by a development build of main (fe75267) and unused
    # since; kept so that workspaces it migrated and all others reach 6 by the same steps.
    """
    ALTER TABLE observation_sets ADD COLUMN first_seen TEXT;
    """,
    # 6: a target's observations stored in parts of a few thousand, not one row: recording one
    # 180 MB row (456k observations) took 3.4 s and a second copy of it in memory; in rows of
    # 5,000, 1.4 s (issue 15).
    """
    CREATE TABLE observation_parts (
        target TEXT NOT NULL, part INTEGER NOT NULL, count INTEGER NOT NULL, doc BLOB NOT NULL,
        PRIMARY KEY (target, part)
    );
    INSERT INTO observation_parts(target, part, count, doc) SELECT target, 0, count, doc FROM observation_sets;
    DROP TABLE observation_sets;
    """,
)


class WorkspaceError(RuntimeError):
    pass


def describe_sqlite_error(exc: sqlite3.Error, path: Path | str) -> str:
    """One line a person can act on, naming the database and the reason SQLite gave."""
    text = str(exc)
    lowered = text.lower()
    if "not a database" in lowered or "malformed" in lowered or "file is encrypted" in lowered:
        return (f"{path}: not a readable aims database ({text}); move it aside or restore a backup, "
                "then run `aims init`")
    if "disk is full" in lowered or "full" in lowered.split():
        return f"{path}: the disk is full ({text}); nothing was written, the previous state is kept"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{path}: the workspace is read-only ({text}); reading works, writing needs write access"
    if "unable to open" in lowered:
        return f"{path}: cannot open the workspace database ({text}); check the folder exists and is accessible"
    if "locked" in lowered or "busy" in lowered:
        return f"{path}: the workspace is locked by another aims process ({text}); try again when it ends"
    if "i/o error" in lowered:
        return f"{path}: disk I/O error ({text}); the disk may be full or failing"
    return f"{path}: database error ({text})"


def _open(target: str, *, uri: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=30, isolation_level=None, uri=uri)  # explicit BEGIN/COMMIT below
    conn.row_factory = sqlite3.Row
    return conn


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and migrate) the workspace database; every SQLite failure is a WorkspaceError.

    A workspace on a read-only disk or folder still opens for reading (SQLite's read-only and,
    when the WAL index cannot be created, immutable modes), so listings and exports work there.
    """
    if not create and not path.exists():
        raise WorkspaceError(f"no workspace at {path.parent} (no {path.name}); run `aims init` first, "
                             "or name the workspace with --workspace / AIMS_WORKSPACE")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"{path.parent}: cannot create the workspace folder ({exc.strerror or exc})") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = _open(str(path), uri=False)
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if conn is not None:
            conn.close()
        if not path.exists() or not _is_read_only_error(exc):
            raise WorkspaceError(describe_sqlite_error(exc, path)) from exc
        conn = _open_read_only(path, exc)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise WorkspaceError(describe_sqlite_error(exc, path)) from exc
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise WorkspaceError(describe_sqlite_error(exc, path)) from exc
    except WorkspaceError:
        conn.close()
        raise
    return conn


def _is_read_only_error(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def _open_read_only(path: Path, cause: sqlite3.Error) -> sqlite3.Connection:
    quoted = urllib.parse.quote(str(path.resolve()))
    for mode in ("mode=ro", "mode=ro&immutable=1"):
        conn = _open(f"file:{quoted}?{mode}", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error:
            conn.close()
    raise WorkspaceError(describe_sqlite_error(cause, path)) from cause


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> None:
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise WorkspaceError(
            f"{_database_file(conn)}: workspace schema version {current} is newer than this aims understands "
            f"({len(MIGRATIONS)}); upgrade aims"
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


def _database_file(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("PRAGMA database_list").fetchone()
        return str(row[2]) if row and row[2] else "the workspace database"
    except sqlite3.Error:
        return "the workspace database"


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: a crash leaves the previous state.

    SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, I/O errors); a
    second ROLLBACK would then fail and hide the real reason, so it is issued only when a
    transaction is still open. SQLite's own errors leave as a WorkspaceError naming the file.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise WorkspaceError(describe_sqlite_error(exc, _database_file(conn))) from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error says more than the failed rollback
        if isinstance(exc, sqlite3.Error):
            raise WorkspaceError(describe_sqlite_error(exc, _database_file(conn))) from exc
        raise
