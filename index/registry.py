"""The source registry: which folders, files, pages and feeds make up the briefings, and its rules.

Kept by the store engine beside its index (`Engine.source_rows`: a SQLite table in the data directory, or a
Milvus collection that every process sharing the index sees), apart from the index states: the registry
says what *should* be indexed, a state is what *was* indexed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from index.clock import now
from index.errors import UserError
from index.scopes import OPERATOR, source_key
from index.store import SourceRows

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
    scope: str = OPERATOR  # whose source it is (`index.scopes`)

    @property
    def key(self) -> str:
        """The source's one-string name across scopes (`index.scopes.source_key`)."""
        return source_key(self.scope, self.name)


def check_source_name(name: str) -> None:
    """Raise `RegistryError` unless `name` may name a source: 1 to 64 letters (of any script), digits,
    '-' or '_'. Such a name is also a safe folder name (no separator, no dot), which the bot relies on
    when it saves an upload under it."""
    if not name or len(name) > _NAME_MAX or not name.replace("-", "").replace("_", "").isalnum():
        raise RegistryError(
            f"invalid source name {name!r}: use up to {_NAME_MAX} letters, digits, '-' or '_'"
        )


class Registry:
    """The registered sources, kept by the store engine (`Engine.source_rows`)."""

    def __init__(self, table: SourceRows) -> None:
        self.table = table

    def list(self, scopes: Collection[str] | None = None) -> list[SourceEntry]:
        """Every source (of these scopes, if given): the operator's first, then by scope and name."""
        entries = [SourceEntry(*row) for row in self.table.rows()]
        return entries if scopes is None else [e for e in entries if e.scope in scopes]

    def get(self, name: str, scope: str = OPERATOR) -> SourceEntry | None:
        row = self.table.row(scope, name)
        return SourceEntry(*row) if row else None

    def check(self, name: str, kind: str, scope: str = OPERATOR) -> None:
        """Raise `RegistryError` if `add(name, kind, ..., scope)` would be refused (before any slow work)."""
        from index.readers import source_kinds  # here: the readers' imports cost a cold `ask` 30 ms

        if kind not in (kinds := source_kinds()):
            raise RegistryError(f"unknown source kind {kind!r} (one of {', '.join(kinds)})")
        check_source_name(name)
        if self.get(name, scope) is not None:
            raise RegistryError(f"a source named {name!r} already exists")

    def add(self, name: str, kind: str, location: str, added_by: str, scope: str = OPERATOR) -> SourceEntry:
        self.check(name, kind, scope)
        if not self.table.insert(scope, name, kind, location, added_by, now()):
            raise RegistryError(f"a source named {name!r} already exists")
        entry = self.get(name, scope)
        assert entry is not None
        return entry

    def remove(self, name: str, scope: str = OPERATOR) -> SourceEntry:
        entry = self.get(name, scope)
        if entry is None:
            raise RegistryError(f"no source named {name!r}")
        self.table.delete(scope, name)
        return entry

    def record_indexed(self, counts: dict[tuple[str, str], tuple[int, int]]) -> None:
        """Store (documents, passages) per source, by (scope, name), after a successful build."""
        self.table.record_indexed(counts, now())
