"""The FAISS engine's source registry table (`index.store.source_table`): sources keyed by scope and name, and
the table of a version before scopes migrated in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.scopes import OPERATOR
from index.store.source_table import STATE_DB, SourceTable

A = "111"


def test_the_registry_of_an_older_version_holds_the_operators_sources(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / STATE_DB)
    db.executescript("""
        CREATE TABLE sources (
            name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL, added_by TEXT NOT NULL,
            added_at TEXT NOT NULL, last_indexed TEXT, documents INTEGER NOT NULL DEFAULT 0,
            passages INTEGER NOT NULL DEFAULT 0);
        INSERT INTO sources VALUES ('seeds', 'folder', '/srv/seeds', 'default', '2024-06-01', NULL, 4, 9);
    """)
    db.close()
    table = SourceTable(tmp_path)
    assert table.rows() == [("seeds", "folder", "/srv/seeds", "default", "2024-06-01", None, 4, 9, OPERATOR)]
    assert table.insert(A, "seeds", "feed", "https://a.example/feed", "discord:1", "2024-06-02")
    table.close()
    assert len(SourceTable(tmp_path).rows()) == 2  # opened again: already migrated
