"""The source registry: which folders, files, pages and feeds make up the briefings.

Kept in `state.sqlite3` in the data directory, apart from the index generations: the registry says what
*should* be indexed, a generation is what *was* indexed. SQLite transactions keep it whole if a process
dies mid-write.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.errors import UserError

STATE_DB = "state.sqlite3"
KINDS = ("folder", "file", "url", "feed")
_NAME_MAX = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL, added_by TEXT NOT NULL,
    added_at TEXT NOT NULL, last_indexed TEXT, documents INTEGER NOT NULL DEFAULT 0,
    passages INTEGER NOT NULL DEFAULT 0);
"""


class RegistryError(UserError):
    """A registry change was refused; nothing was changed."""


@dataclass(frozen=True)
class SourceEntry:
    name: str
    kind: str
    location: str
    added_by: str
    added_at: str
    last_indexed: str | None
    documents: int
    passages: int


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(data_dir / STATE_DB, check_same_thread=False, isolation_level=None)
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise RegistryError(
                f"cannot open {data_dir / STATE_DB} ({exc}); if it is damaged, move it away and run "
                "`briefbot index --rebuild` (sources added with `briefbot source add` must be added again)"
            ) from exc

    def list(self) -> list[SourceEntry]:
        return [SourceEntry(*row) for row in self.db.execute("SELECT * FROM sources ORDER BY name")]

    def get(self, name: str) -> SourceEntry | None:
        row = self.db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return SourceEntry(*row) if row else None

    def check(self, name: str, kind: str) -> None:
        """Raise `RegistryError` if `add(name, kind, ...)` would be refused (before any slow work)."""
        if kind not in KINDS:
            raise RegistryError(f"unknown source kind {kind!r} (one of {', '.join(KINDS)})")
        if not name or len(name) > _NAME_MAX or not name.replace("-", "").replace("_", "").isalnum():
            raise RegistryError(
                f"invalid source name {name!r}: use up to {_NAME_MAX} letters, digits, '-' or '_'"
            )
        if self.get(name) is not None:
            raise RegistryError(f"a source named {name!r} already exists")

    def add(self, name: str, kind: str, location: str, added_by: str) -> SourceEntry:
        self.check(name, kind)
        try:
            self.db.execute(
                "INSERT INTO sources (name, kind, location, added_by, added_at) VALUES (?, ?, ?, ?, ?)",
                (name, kind, location, added_by, now()),
            )
        except sqlite3.IntegrityError:
            raise RegistryError(f"a source named {name!r} already exists") from None
        entry = self.get(name)
        assert entry is not None
        return entry

    def remove(self, name: str) -> SourceEntry:
        entry = self.get(name)
        if entry is None:
            raise RegistryError(f"no source named {name!r}")
        self.db.execute("DELETE FROM sources WHERE name = ?", (name,))
        return entry

    def record_indexed(self, counts: dict[str, tuple[int, int]]) -> None:
        """Store (documents, passages) per source name after a successful build."""
        when = now()
        with self.db:
            self.db.execute("BEGIN")
            for name, (documents, passages) in counts.items():
                self.db.execute(
                    "UPDATE sources SET last_indexed = ?, documents = ?, passages = ? WHERE name = ?",
                    (when, documents, passages, name),
                )
