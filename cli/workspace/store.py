"""The workspace (DESIGN §3): scans, observations, inventory snapshots and the register.

Each public write is one SQLite transaction, so an interrupted run leaves the previous state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import from_json

from cli.workspace.db import WorkspaceError, connect, transaction
from discovery.merge import carry_forward
from discovery.models import AISystem, LinkFact, Observation, Scan, ScanIssue, observation_id_of
from discovery.register import Register, RegisterEntry
from discovery.triggers import Trigger

DEFAULT_WORKSPACE = Path(".aims")

InventoryBuilder = Callable[[list[Observation], list[LinkFact]], list[AISystem]]
TriggerEvaluator = Callable[[list[AISystem], list[AISystem]], list[Trigger]]
_OBSERVATIONS = TypeAdapter(list[Observation])
_FACTS = TypeAdapter(list[LinkFact])
_SYSTEMS = TypeAdapter(list[AISystem])
# Rows of about 2 MB: a whole large target in one row (180 MB for 456k observations) took 3.4 s
# to record and held a second copy in memory; in rows of this size, 1.4 s.
OBSERVATIONS_PER_PART = 5000


def resolve_workspace(path: str | Path | None) -> Path:
    return Path(path or os.environ.get("AIMS_WORKSPACE") or DEFAULT_WORKSPACE)


@dataclass
class RecordedScan:
    scan: Scan
    systems: list[AISystem]
    previous_scan_id: str | None
    previous_systems: list[AISystem]
    triggers: list[Trigger] = field(default_factory=list)


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
        facts: Iterable[LinkFact] = (),
        evaluate: TriggerEvaluator | None = None,
    ) -> RecordedScan:
        """Store a finished scan, the observations of the targets it read (replacing theirs), and
        the inventory after it, atomically. The scan itself keeps references, not copies."""
        conn = self.conn
        with transaction(conn):
            previous = self._latest_scan_id(conn)
            previous_systems = self._snapshot(conn, previous) if previous else []
            rescanned = set(scan.targets)
            stored = self._stored_targets(conn)
            # Only the targets this scan did not read are needed whole (for the merge); of the
            # re-read ones, only when each observation was first seen.
            kept = self._observations_by_id(conn, exclude=rescanned)
            after = carry_forward(kept, observations, rescanned, self._first_seen(conn, rescanned & stored))
            by_target: dict[str, list[Observation]] = {}
            for obs in after.values():
                if obs.target in rescanned or obs.target not in stored:
                    by_target.setdefault(obs.target, []).append(obs)
            all_facts = self._facts(conn, exclude=rescanned) + list(facts)
            systems = build_inventory(list(after.values()), all_facts)
            conn.execute(
                "INSERT INTO scans(id, started_at, finished_at, doc) VALUES (?, ?, ?, ?)",
                (scan.id, scan.started_at.isoformat(), scan.finished_at.isoformat() if scan.finished_at else None,
                 scan.model_dump_json()),
            )
            counts: dict[str, int] = {}
            for obs in observations:
                counts[obs.target] = counts.get(obs.target, 0) + 1
            conn.executemany("INSERT OR REPLACE INTO scan_targets(scan_id, target, observations) VALUES (?, ?, ?)",
                             [(scan.id, t, counts.get(t, 0)) for t in sorted(rescanned | set(counts))])
            conn.executemany("DELETE FROM observation_parts WHERE target = ?", [(t,) for t in rescanned | set(by_target)])
            conn.executemany(
                "INSERT INTO observation_parts(target, part, count, doc) VALUES (?, ?, ?, ?)",
                # Defaults left out: a third of the text, and they come back on reading. Stored as
                # the UTF-8 bytes pydantic-core wrote (a BLOB; readers take bytes or text): decoding
                # a 180 MB set to str and SQLite encoding it back took 4 of a 4x scan's 36 s.
                ((t, start // OBSERVATIONS_PER_PART, len(part), _OBSERVATIONS.dump_json(part, exclude_defaults=True))
                 for t, obs in by_target.items()
                 for start in range(0, len(obs), OBSERVATIONS_PER_PART)
                 for part in (obs[start:start + OBSERVATIONS_PER_PART],)),
            )
            conn.execute("DELETE FROM current_observations")  # the pre-3 layout, moved into observation parts
            fact_targets: dict[str, list[LinkFact]] = {}
            for fact in facts:
                fact_targets.setdefault(fact.target, []).append(fact)
            conn.executemany("DELETE FROM link_fact_sets WHERE target = ?", [(t,) for t in rescanned])
            conn.executemany("INSERT OR REPLACE INTO link_fact_sets(target, doc) VALUES (?, ?)",
                             [(t, _FACTS.dump_json(f).decode()) for t, f in fact_targets.items()])
            blob = _SYSTEMS.dump_json(systems).decode()
            conn.execute("INSERT INTO inventory_blobs(scan_id, doc) VALUES (?, ?)", (scan.id, blob))
            self._set_current(conn, scan.id, scan.finished_at.date() if scan.finished_at else date.today(), blob)
            for control in controls:
                conn.execute(
                    "INSERT OR REPLACE INTO cloud_controls(id, scan_id, doc) VALUES (?, ?, ?)",
                    (control.id, scan.id, control.model_dump_json()),
                )
            # The first scan of a workspace is the baseline: nothing has changed yet, so nothing to reassess.
            triggers = evaluate(previous_systems, systems) if evaluate and previous else []
            self._store_triggers(conn, triggers)
        return RecordedScan(scan, systems, previous, previous_systems, triggers)

    def rebuild_inventory(self, build_inventory: InventoryBuilder, today: date) -> list[AISystem]:
        """Re-join the stored observations (after a register import): one merge, then stored."""
        conn = self.conn
        with transaction(conn):
            systems = build_inventory(list(self._observations_by_id(conn).values()), self._facts(conn))
            latest = self._latest_scan_id(conn)
            self._set_current(conn, latest, today, _SYSTEMS.dump_json(systems).decode())
        return systems

    def current_systems(self) -> tuple[list[AISystem], date | None] | None:
        """The stored current inventory and the day it was classified, or None before any scan."""
        row = self.conn.execute("SELECT built_on, doc FROM inventory_current WHERE id = 1").fetchone()
        if row is None:
            return None
        return _SYSTEMS.validate_json(row["doc"]), date.fromisoformat(row["built_on"])

    def current_systems_raw(self) -> tuple[str, date] | None:
        """The stored current inventory as its JSON text (for listings that need no models)."""
        row = self.conn.execute("SELECT built_on, doc FROM inventory_current WHERE id = 1").fetchone()
        return (row["doc"], date.fromisoformat(row["built_on"])) if row else None

    def store_current(self, systems: list[AISystem], built_on: date) -> None:
        """Keep a re-classified inventory (a new day: approvals may have lapsed) for later reads."""
        with transaction(self.conn):
            latest = self._latest_scan_id(self.conn)
            self._set_current(self.conn, latest, built_on, _SYSTEMS.dump_json(systems).decode())

    def current_facts(self) -> list[LinkFact]:
        return self._facts(self.conn)

    @staticmethod
    def _set_current(conn, scan_id: str | None, built_on: date, blob: str) -> None:  # type: ignore[no-untyped-def]
        conn.execute("INSERT OR REPLACE INTO inventory_current(id, scan_id, built_on, doc) VALUES (1, ?, ?, ?)",
                     (scan_id, built_on.isoformat(), blob))

    @staticmethod
    def _stored_targets(conn) -> set[str]:  # type: ignore[no-untyped-def]
        return {r[0] for r in conn.execute("SELECT DISTINCT target FROM observation_parts")}

    @staticmethod
    def _observations_by_id(conn, exclude: set[str] = frozenset()) -> dict[str, Observation]:  # type: ignore[no-untyped-def,assignment]
        current: dict[str, Observation] = {}
        targets = [r[0] for r in conn.execute("SELECT DISTINCT target FROM observation_parts ORDER BY target")]
        for target in targets:
            if target in exclude:  # not even read: a re-scanned target's set can be tens of MB
                continue
            for (doc,) in conn.execute("SELECT doc FROM observation_parts WHERE target = ? ORDER BY part", (target,)):
                for obs in _OBSERVATIONS.validate_json(doc):
                    current[obs.id] = obs
        for row in conn.execute("SELECT doc FROM current_observations"):  # a workspace from before migration 3
            obs = Observation.model_validate_json(row["doc"])
            if obs.target not in exclude:
                current[obs.id] = obs
        return current

    @staticmethod
    def _first_seen(conn, targets: set[str]) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
        """Observation id -> first seen, for the stored observations of `targets`: read as plain
        JSON (pydantic-core) with ids computed from it, at a tenth of the cost of the models."""
        earliest: dict[str, datetime] = {}
        parse = datetime.fromisoformat
        for target in targets:
            for (doc,) in conn.execute("SELECT doc FROM observation_parts WHERE target = ? ORDER BY part", (target,)):
                for document in from_json(doc):
                    seen = document.get("first_seen")
                    if seen:
                        earliest[observation_id_of(document)] = parse(seen)
        for row in conn.execute("SELECT doc FROM current_observations"):  # a workspace from before migration 3
            obs = Observation.model_validate_json(row["doc"])
            if obs.target in targets and obs.first_seen:
                earliest[obs.id] = obs.first_seen
        return earliest

    @staticmethod
    def _facts(conn, exclude: set[str] = frozenset()) -> list[LinkFact]:  # type: ignore[no-untyped-def,assignment]
        facts: list[LinkFact] = []
        for row in conn.execute("SELECT target, doc FROM link_fact_sets ORDER BY target"):
            if row["target"] not in exclude:
                facts.extend(_FACTS.validate_json(row["doc"]))
        return facts

    @staticmethod
    def _store_triggers(conn, triggers: list[Trigger]) -> None:  # type: ignore[no-untyped-def]
        conn.executemany(
            "INSERT OR IGNORE INTO triggers(id, scan_id, at, doc) VALUES (?, ?, ?, ?)",
            [(t.id, t.scan_id, t.at.isoformat() if t.at else None, t.model_dump_json()) for t in triggers],
        )

    def store_triggers(self, triggers: list[Trigger]) -> None:
        with transaction(self.conn):
            self._store_triggers(self.conn, triggers)

    def triggers(self, scan_id: str | None = None) -> list[Trigger]:
        if scan_id:
            rows = self.conn.execute("SELECT doc FROM triggers WHERE scan_id = ? ORDER BY at, id", (scan_id,))
        else:
            rows = self.conn.execute("SELECT doc FROM triggers ORDER BY at, id")
        return [Trigger.model_validate_json(r["doc"]) for r in rows]

    @staticmethod
    def _latest_scan_id(conn) -> str | None:  # type: ignore[no-untyped-def]
        row = conn.execute("SELECT id FROM scans ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        return row["id"] if row else None

    @staticmethod
    def _snapshot(conn, scan_id: str) -> list[AISystem]:  # type: ignore[no-untyped-def]
        row = conn.execute("SELECT doc FROM inventory_blobs WHERE scan_id = ?", (scan_id,)).fetchone()
        if row is not None:
            return _SYSTEMS.validate_json(row["doc"])
        rows = conn.execute(  # a scan recorded before migration 3
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

    def snapshot_raw(self, scan_id: str) -> list[dict[str, Any]]:
        """A scan's inventory as plain dicts (parsed by pydantic-core, no models built)."""
        if self.scan(scan_id) is None:
            raise WorkspaceError(f"no scan {scan_id!r} in {self.root}")
        row = self.conn.execute("SELECT doc FROM inventory_blobs WHERE scan_id = ?", (scan_id,)).fetchone()
        if row is not None:
            return from_json(row["doc"])
        return [s.model_dump(mode="json") for s in self._snapshot(self.conn, scan_id)]

    def snapshot(self, scan_id: str) -> list[AISystem]:
        if self.scan(scan_id) is None:
            raise WorkspaceError(f"no scan {scan_id!r} in {self.root}")
        return self._snapshot(self.conn, scan_id)

    def current_observations(self) -> list[Observation]:
        return sorted(self._observations_by_id(self.conn).values(), key=lambda o: o.id)

    def scan_targets(self, scan_id: str) -> dict[str, int]:
        """The targets a scan read and how many observations each gave (a scan keeps references)."""
        rows = self.conn.execute("SELECT target, observations FROM scan_targets WHERE scan_id = ?", (scan_id,))
        return {r["target"]: r["observations"] for r in rows}

    def cloud_controls(self) -> list[dict[str, Any]]:
        return [json.loads(r["doc"]) for r in self.conn.execute("SELECT doc FROM cloud_controls ORDER BY id")]

    # -- register -------------------------------------------------------------------------
    def replace_register(self, entries: list[RegisterEntry] | Register, source: str) -> None:
        document = entries if isinstance(entries, Register) else Register(providers=tuple(entries))
        entries = list(document.providers)
        with transaction(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO register_documents(id, doc) VALUES (1, ?)",
                              (document.model_dump_json(),))
            self.conn.execute("DELETE FROM register_entries")
            self.conn.executemany(
                "INSERT INTO register_entries(seq, doc) VALUES (?, ?)",
                [(i, e.model_dump_json()) for i, e in enumerate(entries)],
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('register_source', ?)", (source,)
            )

    def register_document(self) -> Register | None:
        """The whole imported register (system entries, exceptions, provider shorthand), or None."""
        if self.get_meta("register_source") is None:
            return None
        row = self.conn.execute("SELECT doc FROM register_documents WHERE id = 1").fetchone()
        if row is not None:
            return Register.model_validate_json(row["doc"])
        return Register(providers=tuple(self.register() or ()))

    # -- impact assessments ---------------------------------------------------------------
    def assessment_docs(self) -> dict[str, str]:
        return {r["system_id"]: r["doc"] for r in self.conn.execute("SELECT system_id, doc FROM assessments")}

    def register(self) -> list[RegisterEntry] | None:
        """The imported register, or None when none was ever imported (status stays unknown)."""
        if self.get_meta("register_source") is None:
            return None
        rows = self.conn.execute("SELECT doc FROM register_entries ORDER BY seq")
        return [RegisterEntry.model_validate_json(r["doc"]) for r in rows]
