"""The store's failure paths: SQLITE_FULL surfaces as itself (not as a failed ROLLBACK), and
the workspace keeps its previous state."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.workspace.db import WorkspaceError, connect, transaction


def test_sqlite_full_is_reported_as_a_full_disk_and_rolled_back(tmp_path: Path) -> None:
    conn = connect(tmp_path / "aims.db")
    with transaction(conn):
        conn.execute("INSERT INTO meta(key, value) VALUES ('kept', 'yes')")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills after two more pages
    with pytest.raises(WorkspaceError) as raised:
        with transaction(conn):
            conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)",
                             [(f"k{i}", "x" * 2000) for i in range(200)])
    assert "disk is full" in str(raised.value) and "aims.db" in str(raised.value)
    assert "rollback" not in str(raised.value).lower()
    assert not conn.in_transaction
    assert [r[0] for r in conn.execute("SELECT key FROM meta")] == ["kept"]


def test_missing_database_is_not_created_when_creation_is_off(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="run `aims init` first"):
        connect(tmp_path / "ws" / "aims.db", create=False)
    assert not (tmp_path / "ws").exists()
