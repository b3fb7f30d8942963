"""Filters as sorted arrays of passage keys, for engines whose indexes select by key (FAISS, bm25s).

The publication day of every key is read once per snapshot, the keys of a set of source names once per
set; a filter is then a boolean mask over the days, taken among the source's keys (numpy, no SQL per
question).
"""

from __future__ import annotations

import threading

import numpy as np

from index.store.interface import Filter
from index.store.sqlite_passages import SqlitePassages


class KeySets:
    """The keys each `Filter` allows in one snapshot's passage store. Thread-safe."""

    def __init__(self, passages: SqlitePassages) -> None:
        self._passages = passages
        self._latest = max((d.published for d in passages.documents.values() if d.published), default=None)
        self._by_names: dict[frozenset[str], np.ndarray] = {}
        self._days: np.ndarray | None = None
        self._lock = threading.Lock()

    def __call__(self, where: Filter | None) -> np.ndarray | None:
        """The keys `where` allows, sorted; None when it allows every key."""
        if where is None:
            return None
        keys = self._of_names(where.sources) if where.sources else None
        if where.published_by is not None and self._latest is not None \
                and where.published_by.isoformat() < self._latest:
            keys = _where(self._published() <= where.published_by.toordinal(), keys)  # undated (0) stay
        if where.published_between is not None:
            start, end = where.published_between
            days = self._published()
            keys = _where((days >= start.toordinal()) & (days <= end.toordinal()), keys)
        return keys

    def _of_names(self, names: frozenset[str]) -> np.ndarray:
        """Keys of the documents whose source or publisher is one of `names` (lower case)."""
        if names not in self._by_names:
            ids = [d.id for d in self._passages.documents.values()
                   if d.source.lower() in names or d.publisher.lower() in names]
            self._by_names[names] = self._passages.keys_of_documents(ids)
        return self._by_names[names]

    def _published(self) -> np.ndarray:
        with self._lock:
            if self._days is None:
                self._days = self._passages.published_days()
            return self._days


def _where(mask: np.ndarray, keys: np.ndarray | None) -> np.ndarray:
    """The keys where `mask` (one flag per key) is set, only among `keys` (sorted) when given: in key order,
    without sorting a large array as a set intersection would."""
    return np.flatnonzero(mask) if keys is None else keys[mask[keys]]
