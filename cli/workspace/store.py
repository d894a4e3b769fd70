"""The workspace (DESIGN §3): scans, observations, inventory snapshots and the register.

Each public write is one SQLite transaction, so an interrupted run leaves the previous state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.workspace.db import WorkspaceError, connect, transaction
from discovery.merge import carry_forward
from discovery.models import AISystem, Observation, Scan, ScanIssue
from discovery.register import RegisterEntry

DEFAULT_WORKSPACE = Path(".aims")

InventoryBuilder = Callable[[list[Observation]], list[AISystem]]


def resolve_workspace(path: str | Path | None) -> Path:
    return Path(path or os.environ.get("AIMS_WORKSPACE") or DEFAULT_WORKSPACE)


@dataclass
class RecordedScan:
    scan: Scan
    systems: list[AISystem]
    previous_scan_id: str | None
    previous_systems: list[AISystem]


class Workspace:
    """A workspace folder: aims.db, chroma/, cache/, aims.toml."""

    def __init__(self, root: Path, *, create: bool = True) -> None:
        self.root = root
        #: False: opening a workspace that does not exist is an error, not a new empty workspace
        self.create = create
        self._conn = None

    # -- layout ---------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / "aims.db"

    @property
    def chroma_path(self) -> Path:
        return self.root / "chroma"

    @property
    def cache_path(self) -> Path:
        return self.root / "cache"

    @property
    def config_path(self) -> Path:
        return self.root / "aims.toml"

    @property
    def exists(self) -> bool:
        return self.db_path.exists()

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        if self._conn is None:
            if self.root.exists() and not self.root.is_dir():
                raise WorkspaceError(f"workspace {self.root} exists and is not a directory")
            self._conn = connect(self.db_path, create=self.create)
        return self._conn

    def close_after_create(self) -> None:
        """Create the folder and database (what `aims init` does first), then let go of it."""
        self.conn  # noqa: B018 - opening creates and migrates
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with transaction(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- scans and inventory --------------------------------------------------------------
    def record_scan(
        self,
        scan: Scan,
        observations: list[Observation],
        build_inventory: InventoryBuilder,
        controls: Iterable[Any] = (),
    ) -> RecordedScan:
        """Store a finished scan and the inventory after it, atomically."""
        conn = self.conn
        with transaction(conn):
            previous = self._latest_scan_id(conn)
            previous_systems = self._snapshot(conn, previous) if previous else []
            current = {
                row["obs_id"]: Observation.model_validate_json(row["doc"])
                for row in conn.execute("SELECT obs_id, doc FROM current_observations")
            }
            after = carry_forward(current, observations, scan.targets)
            systems = build_inventory(list(after.values()))
            conn.execute(
                "INSERT INTO scans(id, started_at, finished_at, doc) VALUES (?, ?, ?, ?)",
                (scan.id, scan.started_at.isoformat(), scan.finished_at.isoformat() if scan.finished_at else None,
                 scan.model_dump_json()),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO scan_observations(scan_id, obs_id, doc) VALUES (?, ?, ?)",
                [(scan.id, o.id, o.model_dump_json()) for o in observations],
            )
            conn.execute("DELETE FROM current_observations")
            conn.executemany(
                "INSERT INTO current_observations(obs_id, target, doc) VALUES (?, ?, ?)",
                [(oid, o.target, o.model_dump_json()) for oid, o in after.items()],
            )
            conn.executemany(
                "INSERT INTO inventory_snapshots(scan_id, system_id, doc) VALUES (?, ?, ?)",
                [(scan.id, s.id, s.model_dump_json()) for s in systems],
            )
            for control in controls:
                conn.execute(
                    "INSERT OR REPLACE INTO cloud_controls(id, scan_id, doc) VALUES (?, ?, ?)",
                    (control.id, scan.id, control.model_dump_json()),
                )
        return RecordedScan(scan, systems, previous, previous_systems)

    @staticmethod
    def _latest_scan_id(conn) -> str | None:  # type: ignore[no-untyped-def]
        row = conn.execute("SELECT id FROM scans ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        return row["id"] if row else None

    @staticmethod
    def _snapshot(conn, scan_id: str) -> list[AISystem]:  # type: ignore[no-untyped-def]
        rows = conn.execute(
            "SELECT doc FROM inventory_snapshots WHERE scan_id = ? ORDER BY system_id", (scan_id,)
        )
        return [AISystem.model_validate_json(r["doc"]) for r in rows]

    def scans(self) -> list[Scan]:
        rows = self.conn.execute("SELECT doc FROM scans ORDER BY started_at, rowid")
        return [Scan.model_validate_json(r["doc"]) for r in rows]

    def scan(self, scan_id: str) -> Scan | None:
        row = self.conn.execute("SELECT doc FROM scans WHERE id = ?", (scan_id,)).fetchone()
        return Scan.model_validate_json(row["doc"]) if row else None

    def latest_scan(self) -> Scan | None:
        scan_id = self._latest_scan_id(self.conn)
        return self.scan(scan_id) if scan_id else None

    def latest_issues(self) -> list[ScanIssue]:
        """Open issues: those of the latest scan of each connector (an older scan's were superseded)."""
        latest: dict[str, Scan] = {}
        for scan in self.scans():
            for connector in scan.connectors:
                latest[connector] = scan
        seen: set[str] = set()
        issues = []
        for scan in latest.values():
            if scan.id not in seen:
                seen.add(scan.id)
                issues.extend(scan.issues)
        return issues

    def previous_scan_id(self, scan_id: str) -> str | None:
        ids = [s.id for s in self.scans()]
        index = ids.index(scan_id) if scan_id in ids else -1
        return ids[index - 1] if index > 0 else None

    def snapshot(self, scan_id: str) -> list[AISystem]:
        if self.scan(scan_id) is None:
            raise WorkspaceError(f"no scan {scan_id!r} in {self.root}")
        return self._snapshot(self.conn, scan_id)

    def current_observations(self) -> list[Observation]:
        rows = self.conn.execute("SELECT doc FROM current_observations ORDER BY obs_id")
        return [Observation.model_validate_json(r["doc"]) for r in rows]

    def scan_observations(self, scan_id: str) -> list[Observation]:
        rows = self.conn.execute("SELECT doc FROM scan_observations WHERE scan_id = ? ORDER BY obs_id", (scan_id,))
        return [Observation.model_validate_json(r["doc"]) for r in rows]

    def cloud_controls(self) -> list[dict[str, Any]]:
        return [json.loads(r["doc"]) for r in self.conn.execute("SELECT doc FROM cloud_controls ORDER BY id")]

    # -- register -------------------------------------------------------------------------
    def replace_register(self, entries: list[RegisterEntry], source: str) -> None:
        with transaction(self.conn):
            self.conn.execute("DELETE FROM register_entries")
            self.conn.executemany(
                "INSERT INTO register_entries(seq, doc) VALUES (?, ?)",
                [(i, e.model_dump_json()) for i, e in enumerate(entries)],
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('register_source', ?)", (source,)
            )

    def register(self) -> list[RegisterEntry] | None:
        """The imported register, or None when none was ever imported (status stays unknown)."""
        if self.get_meta("register_source") is None:
            return None
        rows = self.conn.execute("SELECT doc FROM register_entries ORDER BY seq")
        return [RegisterEntry.model_validate_json(r["doc"]) for r in rows]
