"""Filters as masks over each segment's rows, for the FAISS engine's indexes (FAISS, bm25s).

Each segment keeps the publication day and the document of every row as arrays (written with it), so a
`Filter` becomes a boolean mask by numpy alone: no SQL and no scan of the passages per question. The mask
also leaves out the rows of the segment's dead documents (replaced or removed since it was written). Masks
and the FAISS bitmap selectors made from them are cached per snapshot and filter: a question asked again
on the same day, or of the same sources, reuses them. A scope condition that every document of a segment
meets adds nothing to its mask: on a bot whose servers add few sources, a server's questions search most
segments unfiltered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import faiss
import numpy as np

from index.store.interface import DocumentInfo, Filter

_CACHED = 64  # filters whose masks a snapshot keeps


@dataclass(frozen=True)
class RowFacts:
    """What filters look at in one segment: each row's publication day (proleptic ordinal, 0 when
    unknown) and document number, each document's metadata, and which rows are live (None: all)."""

    days: np.ndarray
    docs: np.ndarray
    infos: Sequence[DocumentInfo]
    live: np.ndarray | None

    @cached_property
    def doc_scopes(self) -> np.ndarray:
        """Each document's scope (made on the first scope condition: most segments hold a few)."""
        return np.array([info.scope for info in self.infos], dtype=str)


class Allowed:
    """The rows of one segment a filter allows: a mask, its count, and a FAISS selector over it."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.count = int(np.count_nonzero(mask))

    @cached_property
    def selector(self) -> faiss.IDSelector:
        self._bitmap = np.packbits(self.mask, bitorder="little")  # kept alive with the selector
        return faiss.IDSelectorBitmap(len(self.mask), faiss.swig_ptr(self._bitmap))


class FilterMasks:
    """The rows each `Filter` allows in each segment of one snapshot. Thread-safe."""

    def __init__(self, segments: Sequence[RowFacts]) -> None:
        self._segments = list(segments)
        latest = max((info.published for s in segments for info in s.infos if info.published), default=None)
        self._latest = latest
        self._cache: OrderedDict[Filter | None, list[Allowed | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, where: Filter | None) -> list[Allowed | None]:
        """For each segment, the rows `where` allows; None for a segment where it allows every row."""
        with self._lock:
            if where in self._cache:
                self._cache.move_to_end(where)
                return self._cache[where]
        allowed = [self._allowed(segment, where) for segment in self._segments]
        with self._lock:
            self._cache[where] = allowed
            if len(self._cache) > _CACHED:
                self._cache.popitem(last=False)
        return allowed

    def _allowed(self, segment: RowFacts, where: Filter | None) -> Allowed | None:
        mask = segment.live
        if where is not None and where.sources is not None:
            names = where.sources
            chosen = np.fromiter((i.source.lower() in names or i.publisher.lower() in names
                                  for i in segment.infos), bool, len(segment.infos))
            mask = _both(mask, chosen[segment.docs])
        if where is not None and where.scopes is not None:
            chosen = np.isin(segment.doc_scopes, list(where.scopes))
            if not chosen.all():  # a segment of allowed scopes only stays on the unfiltered path
                mask = _both(mask, chosen[segment.docs])
        if where is not None and where.published_by is not None and self._latest is not None \
                and where.published_by.isoformat() < self._latest:
            mask = _both(mask, segment.days <= where.published_by.toordinal())  # undated (0) stay
        if where is not None and where.published_between is not None:
            start, end = where.published_between
            mask = _both(mask, (segment.days >= start.toordinal()) & (segment.days <= end.toordinal()))
        return None if mask is None else Allowed(mask)


def _both(mask: np.ndarray | None, condition: np.ndarray) -> np.ndarray:
    return condition if mask is None else mask & condition
