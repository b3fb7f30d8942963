"""Where the source registry (`index.registry`) is kept: a `sources` table in `state.sqlite3`.

Apart from the index generations: the registry says what *should* be indexed, a generation is what *was*
indexed. SQLite transactions keep it whole if a process dies mid-write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

from index.scopes import OPERATOR
from index.store.interface import StoreError

STATE_DB = "state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT NOT NULL, kind TEXT NOT NULL, location TEXT NOT NULL, added_by TEXT NOT NULL,
    added_at TEXT NOT NULL, last_indexed TEXT, documents INTEGER NOT NULL DEFAULT 0,
    passages INTEGER NOT NULL DEFAULT 0, scope TEXT NOT NULL, PRIMARY KEY (scope, name));
"""
# A table of the versions before scopes (sources keyed by name alone) holds the operator's sources: it is
# rebuilt with their scope in one transaction, so a process dying midway leaves the old table or the new.
_ADD_SCOPES = f"""
BEGIN;
ALTER TABLE sources RENAME TO sources_before_scopes;
{_SCHEMA}
INSERT INTO sources SELECT *, '{OPERATOR}' FROM sources_before_scopes;
DROP TABLE sources_before_scopes;
COMMIT;
"""


class SourceTable:
    """Rows of registered sources: (name, kind, location, added_by, added_at, last_indexed, documents,
    passages, scope), keyed by (scope, name). Thread-safe for this process's threads."""

    def __init__(self, data_dir: Path) -> None:
        """Open (or create) the table; `StoreError` if the file cannot be opened or is damaged."""
        self.path = data_dir / STATE_DB
        data_dir.mkdir(parents=True, exist_ok=True)  # an OSError says what is wrong with the folder
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(sources)")}
            self.db.executescript(_ADD_SCOPES if columns and "scope" not in columns else _SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open {self.path} ({exc}); if it is damaged, move it away and run "
                "`briefbot index --rebuild` (sources added with `briefbot source add` must be added again)"
            ) from exc

    def rows(self) -> list[tuple]:
        return self.db.execute(
            f"SELECT * FROM sources ORDER BY scope != '{OPERATOR}', scope, name").fetchall()

    def row(self, scope: str, name: str) -> tuple | None:
        return self.db.execute("SELECT * FROM sources WHERE scope = ? AND name = ?", (scope, name)).fetchone()

    def insert(self, scope: str, name: str, kind: str, location: str, added_by: str, added_at: str) -> bool:
        """Add a source; False if its scope has a source of that name."""
        try:
            self.db.execute(
                "INSERT INTO sources (scope, name, kind, location, added_by, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (scope, name, kind, location, added_by, added_at),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def delete(self, scope: str, name: str) -> None:
        self.db.execute("DELETE FROM sources WHERE scope = ? AND name = ?", (scope, name))

    def record_indexed(self, counts: Mapping[tuple[str, str], tuple[int, int]], when: str) -> None:
        """Set (documents, passages) and the time indexed of each source, by (scope, name), in one
        transaction."""
        with self.db:
            self.db.execute("BEGIN")
            for (scope, name), (documents, passages) in counts.items():
                self.db.execute(
                    "UPDATE sources SET last_indexed = ?, documents = ?, passages = ? "
                    "WHERE scope = ? AND name = ?",
                    (when, documents, passages, scope, name),
                )

    def close(self) -> None:
        self.db.close()
