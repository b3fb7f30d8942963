"""The source registry: which folders, files, pages and feeds make up the briefings, and its rules.

Kept by the store engine beside its index (`Engine.source_rows`: a SQLite table in the data directory, or a
Milvus collection that every process sharing the index sees), apart from the index states: the registry
says what *should* be indexed, a state is what *was* indexed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from index.errors import UserError
from index.store import SourceRows

KINDS = ("folder", "file", "url", "feed")
_NAME_MAX = 64


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


def check_source_name(name: str) -> None:
    """Raise `RegistryError` unless `name` may name a source: 1 to 64 letters (of any script), digits,
    '-' or '_'. Such a name is also a safe folder name (no separator, no dot), which the bot relies on
    when it saves an upload under it."""
    if not name or len(name) > _NAME_MAX or not name.replace("-", "").replace("_", "").isalnum():
        raise RegistryError(
            f"invalid source name {name!r}: use up to {_NAME_MAX} letters, digits, '-' or '_'"
        )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    """The registered sources, kept by the store engine (`Engine.source_rows`)."""

    def __init__(self, table: SourceRows) -> None:
        self.table = table

    def list(self) -> list[SourceEntry]:
        return [SourceEntry(*row) for row in self.table.rows()]

    def get(self, name: str) -> SourceEntry | None:
        row = self.table.row(name)
        return SourceEntry(*row) if row else None

    def check(self, name: str, kind: str) -> None:
        """Raise `RegistryError` if `add(name, kind, ...)` would be refused (before any slow work)."""
        if kind not in KINDS:
            raise RegistryError(f"unknown source kind {kind!r} (one of {', '.join(KINDS)})")
        check_source_name(name)
        if self.get(name) is not None:
            raise RegistryError(f"a source named {name!r} already exists")

    def add(self, name: str, kind: str, location: str, added_by: str) -> SourceEntry:
        self.check(name, kind)
        if not self.table.insert(name, kind, location, added_by, now()):
            raise RegistryError(f"a source named {name!r} already exists")
        entry = self.get(name)
        assert entry is not None
        return entry

    def remove(self, name: str) -> SourceEntry:
        entry = self.get(name)
        if entry is None:
            raise RegistryError(f"no source named {name!r}")
        self.table.delete(name)
        return entry

    def record_indexed(self, counts: dict[str, tuple[int, int]]) -> None:
        """Store (documents, passages) per source name after a successful build."""
        self.table.record_indexed(counts, now())
