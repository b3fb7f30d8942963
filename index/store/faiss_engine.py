"""The embedded engine: SQLite (documents, passages, events), FAISS (vectors) and bm25s (keywords) in
immutable segments (`index.store.segments`), one generation folder per state (`index.store.generations`).

A generation is a list of segments (each with a range of passage keys: key = the segment's base + row) and,
per segment, the ids of its documents that are dead (replaced or removed since), in `state.json`. A commit
costs what it changes: the documents it puts become one new segment, the ones it replaces or removes are
marked dead, and every other segment is carried into the new generation as hard links. Searches leave dead
rows out through the same masks as filters (`index.store.filter_masks`).

Segments accumulate, and dead rows still take space and time, so `merge` rewrites some into one, choosing
like Lucene's tiered policy (`merge_plan`): a few small segments of about the same size into a bigger one
(the cost of a merge is the size of what it merges), and everything at once only when the dead rows or the
segments besides the largest have grown to a large share of the index. Opening a generation checks its
files against the checksums written with them (once per segment per process), so a damaged file is
refused with a one-line error instead of quoting damaged text.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.scopes import OPERATOR
from index.sources import Document
from index.store import segments as segment_files
from index.store.bm25_keywords import Bm25Keywords
from index.store.faiss_vectors import FaissVectors, by_segment
from index.store.filter_masks import FilterMasks, RowFacts
from index.store.generations import Checksums, Generations, checksums, link, verify
from index.store.interface import (
    REBUILD_HINT,
    ChangeSet,
    DamagedIndex,
    DocumentInfo,
    DocumentState,
    DocumentUpdate,
    StoredEvent,
    StoredPassage,
    StoreError,
    StoreWriteError,
    check_model,
)
from index.store.oserrors import explain_os_error
from index.store.segments import SEGMENTS, Segment
from index.store.source_table import SourceTable

STATE = "state.json"
_OPEN_TRIES = 5
SCHEMA_VERSION = "3"
_SEGMENT = "seg-{:06d}"

# Merge policy (see `merge_plan`).
DEAD_SHARE = 0.25  # dead rows above this share of all rows: merge everything
TAIL_SHARE = 0.5  # live rows outside the largest segment above this share of it: merge everything
MERGE_AT = 4  # this many segments of one size tier (or smaller) are merged into one
TIER_BASE = 1_000  # tier 0: segments under this many live rows; tier t+1: TIER_FACTOR times larger
TIER_FACTOR = 8


@dataclass
class Part:
    """A segment as one state uses it: its name, first key, rows, and the ids of its dead documents."""

    name: str
    base: int
    count: int
    dead: list[str] = field(default_factory=list)


@dataclass
class State:
    """What a generation is made of (its `state.json`)."""

    meta: dict[str, str]
    parts: list[Part]
    next_key: int = 0
    next_segment: int = 1

    @classmethod
    def read(cls, folder: Path) -> State:
        try:
            raw = json.loads((folder / STATE).read_bytes())
            return cls(raw["meta"], [Part(**p) for p in raw["parts"]], raw["next_key"], raw["next_segment"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DamagedIndex(f"the index in {folder} is damaged ({exc}); {REBUILD_HINT}") from exc

    def write(self, folder: Path) -> None:
        (folder / STATE).write_text(json.dumps(asdict(self), indent=0))


class FaissSnapshot:
    """One generation, read-only: the `Snapshot` of the FAISS engine. Thread-safe for reads."""

    def __init__(self, folder: Path, model: str, dim: int) -> None:
        if not (folder / STATE).exists():  # written by an older version
            raise StoreError(f"the index in {folder} has an unknown format; {REBUILD_HINT}")
        verify(folder, [STATE])
        self.folder = folder
        self.name = folder.name
        self.state = State.read(folder)
        self._check(model, dim)
        self.segments: list[Segment] = []
        try:
            for part in self.state.parts:
                self.segments.append(SEGMENTS.acquire(folder, part.name))
        except StoreError:
            self.close()
            raise
        self.bases = np.asarray([p.base for p in self.state.parts], dtype=np.int64)
        self.dead: list[set[int]] = [{s.rows.number[d] for d in p.dead if d in s.rows.number}
                                     for p, s in zip(self.state.parts, self.segments, strict=True)]
        self.live: list[np.ndarray | None] = [
            ~np.isin(s.docs, np.fromiter(dead, np.int32, len(dead))) if dead else None
            for s, dead in zip(self.segments, self.dead, strict=True)]
        self._owner: dict[str, tuple[int, int]] = {}
        self.documents: dict[str, DocumentInfo] = {}
        for i, (segment, dead) in enumerate(zip(self.segments, self.dead, strict=True)):
            for num, info in enumerate(segment.rows.infos):
                if num not in dead:
                    self._owner[info.id] = (i, num)
                    self.documents[info.id] = info
        self.count = sum(s.count if live is None else int(live.sum())
                         for s, live in zip(self.segments, self.live, strict=True))
        masks = FilterMasks([RowFacts(s.days, s.docs, s.rows.infos, live)
                             for s, live in zip(self.segments, self.live, strict=True)])
        self.vectors = FaissVectors([s.vectors for s in self.segments], self.bases, masks, dim)
        self.keywords = Bm25Keywords([s.keywords for s in self.segments], self.bases, masks)
        self.meta = {**self.state.meta, "faiss": self.vectors.kind}

    def _check(self, model: str, dim: int) -> None:
        meta = self.state.meta
        if meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(f"the index in {self.folder} has an unknown format; {REBUILD_HINT}")
        check_model(meta, model, dim)

    # --- PassageStore ---

    def keys(self) -> list[int]:
        return np.concatenate([base + (np.arange(s.count) if live is None else np.flatnonzero(live))
                               for s, base, live in zip(self.segments, self.bases, self.live, strict=True)]
                              or [np.empty(0, np.int64)]).tolist()

    def passages(self, keys: Sequence[int]) -> list[StoredPassage]:
        found: dict[int, StoredPassage] = {}
        for i, rows in self._rows(keys):
            segment, base = self.segments[i], int(self.bases[i])
            for row, pid, num, start, end, text, sentences in segment.rows.passages(rows.tolist()):
                doc_id = segment.rows.infos[num].id
                found[base + row] = StoredPassage(base + row, pid, doc_id, start, end, text, sentences)
        return [found[k] for k in keys if k in found]

    def documents_of(self, keys: Sequence[int]) -> dict[int, str]:
        owners: dict[int, str] = {}
        for i, rows in self._rows(keys):
            segment, base = self.segments[i], int(self.bases[i])
            owners.update((base + row, segment.rows.infos[num].id)
                          for row, num in zip(rows.tolist(), segment.docs[rows].tolist(), strict=True))
        return owners

    def events(self) -> list[StoredEvent]:
        events = [StoredEvent(segment.rows.infos[num].id, day, granularity, start, end, text, timex,
                              int(base) + row)
                  for segment, base, dead in zip(self.segments, self.bases, self.dead, strict=True)
                  for num, day, granularity, start, end, text, timex, row in segment.rows.events(dead)]
        return sorted(events, key=lambda e: (e.date, e.doc_id, e.start))

    def source_documents(self, source: str, scope: str = OPERATOR) -> list[Document]:
        ids = [doc_id for doc_id, info in self.documents.items()
               if info.source == source and info.scope == scope]
        return [doc for i, nums in self._by_segment(ids) for doc in self.segments[i].rows.documents(nums)]

    def passage_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for segment, live in zip(self.segments, self.live, strict=True):
            per_doc = np.bincount(segment.docs if live is None else segment.docs[live],
                                  minlength=len(segment.rows.infos))
            for info, n in zip(segment.rows.infos, per_doc.tolist(), strict=True):
                if n:
                    counts[info.scope, info.source] = counts.get((info.scope, info.source), 0) + n
        return counts

    def document_states(self) -> dict[str, DocumentState]:
        return {doc_id: DocumentState(info.source, self.segments[i].rows.digests[num], info.scope)
                for doc_id, info in self.documents.items() for i, num in [self._owner[doc_id]]}

    def passage_ids(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for i, nums in self._by_segment(doc_ids):
            infos = self.segments[i].rows.infos
            found.update((infos[num].id, ids) for num, ids in self.segments[i].rows.passage_ids(nums).items())
        return found

    def keys_of_texts(self, text_hashes: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(text_hashes))
        found: dict[str, int] = {}
        for segment, base, dead in zip(self.segments, self.bases, self.dead, strict=True):
            missing = [h for h in wanted if h not in found]
            for text_hash, row in segment.rows.rows_of_texts(missing, dead).items():
                found[text_hash] = int(base) + row
        return found

    def updates(self, part: int) -> Iterable[DocumentUpdate]:
        """The live documents of segment `part` as they were put, with their vectors: what a merge copies."""
        segment, dead = self.segments[part], self.dead[part]
        live = [num for num in range(len(segment.rows.infos)) if num not in dead]
        for doc, rows, passages, events in segment.rows.updates(live):
            yield DocumentUpdate(doc, passages, segment.vectors.get(np.asarray(rows, np.int64)), events)

    def _rows(self, keys: Sequence[int]) -> Iterable[tuple[int, np.ndarray]]:
        """(segment, its live rows) of the known keys among `keys`."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(keys) or not self.segments:
            return []
        out = []
        for i, picked in by_segment(self.bases, keys):
            rows = keys[picked] - self.bases[i]
            rows = rows[rows < self.segments[i].count]
            if self.live[i] is not None:
                rows = rows[self.live[i][rows]]
            out.append((i, rows))
        return out

    def _by_segment(self, doc_ids: Iterable[str]) -> list[tuple[int, list[int]]]:
        """(segment, numbers) of the live documents among `doc_ids`."""
        grouped: dict[int, list[int]] = {}
        for doc_id in doc_ids:
            if doc_id in self._owner:
                i, num = self._owner[doc_id]
                grouped.setdefault(i, []).append(num)
        return sorted(grouped.items())

    def close(self) -> None:
        segments, self.segments = self.segments, []
        for segment in segments:
            SEGMENTS.release(segment)


class FaissEngine:
    """The `Engine` that keeps its generations in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.generations = Generations(data_dir)

    def current(self) -> str | None:
        folder = self.generations.current()
        return folder.name if folder else None

    def open(self, model: str, dim: int) -> FaissSnapshot:
        # A writer keeps the generation before the current one, not older ones: if two commits happen while
        # this opens a generation, its files go away; the newer one is then opened instead.
        for _ in range(_OPEN_TRIES - 1):
            folder = self.generations.current_folder()
            try:
                return FaissSnapshot(folder, model, dim)
            except StoreError:
                if self.current() == folder.name:
                    raise
        return FaissSnapshot(self.generations.current_folder(), model, dim)

    def writer(self) -> AbstractContextManager[None]:
        return self.generations.lock()

    def source_rows(self) -> SourceTable:
        return SourceTable(self.data_dir)

    def commit(self, base: FaissSnapshot | None, changes: ChangeSet) -> str:
        """The documents put become one new segment; those replaced or removed are marked dead."""
        # Read once: writing a segment passes over its documents several times, and `put` may read them from
        # another index as it goes (`index.store.migrate`).
        put = list(changes.put)
        meta = {**changes.meta, "schema": SCHEMA_VERSION}
        state = State(meta, [], 0, 1) if base is None else State(
            meta, [Part(p.name, p.base, p.count, list(p.dead)) for p in base.state.parts],
            base.state.next_key, base.state.next_segment)
        if base is not None:
            for doc_id in changes.removed | {u.document.id for u in put}:
                if doc_id in base._owner:
                    state.parts[base._owner[doc_id][0]].dead.append(doc_id)
        return self._write(base, state, put, dim=int(meta["dim"]))

    def merge(self, base: FaissSnapshot) -> str | None:
        """Merge segments of `base` if the policy (`merge_plan`) says so; the name of the new state, or None
        when no merge is due. Call it within `writer()`; readers keep answering from `base` meanwhile."""
        if self.current() != base.name:  # another writer committed since `base`: merge its state next time
            return None
        chosen = merge_plan([(s.count if live is None else int(live.sum()), s.count)
                             for s, live in zip(base.segments, base.live, strict=True)])
        if not chosen:
            return None
        state = base.state
        kept = [Part(p.name, p.base, p.count, list(p.dead))
                for i, p in enumerate(state.parts) if i not in chosen]
        merged = State(dict(state.meta), kept, state.next_key, state.next_segment)
        updates = [u for i in chosen for u in base.updates(i)]
        return self._write(base, merged, updates, dim=int(state.meta["dim"]))

    def _write(self, base: FaissSnapshot | None, state: State, put: Sequence[DocumentUpdate], dim: int,
               ) -> str:
        """Write the generation `state` + a new segment of `put` (if any) and make it current."""
        def fill(folder: Path) -> Checksums:
            known: Checksums = {}
            if base is not None:
                recorded = checksums(base.folder)
                for part in state.parts:
                    link(base.folder, folder, part.name, recorded, known)
            if put:
                name = _SEGMENT.format(state.next_segment)
                count = sum(len(u.passages) for u in put)
                segment_files.write(folder / name, put, dim)
                state.parts.append(Part(name, state.next_key, count))
                state.next_key += count
                state.next_segment += 1
            state.write(folder)
            return known

        try:
            return self.generations.write(fill).name
        except (OSError, sqlite3.Error, RuntimeError, ValueError) as exc:
            raise StoreWriteError(
                f"cannot write the new index in {self.data_dir}: {explain_os_error(exc)}; the previous index "
                "is still in use"
            ) from exc


def merge_plan(parts: Sequence[tuple[int, int]]) -> list[int]:
    """Which segments to merge into one, given each one's (live rows, rows); [] when none.

    Everything when dead rows exceed `DEAD_SHARE` of all rows or the live rows outside the largest segment
    exceed `TAIL_SHARE` of its own (so the index stays mostly one well-built segment); else the smaller
    segments of the lowest size tier that holds `MERGE_AT` of them, with everything smaller (each passage is
    then merged about log8(N / 1000) times in its life); else a segment at least half dead on its own.
    """
    if not parts:
        return []
    live_total = sum(live for live, _ in parts)
    total = sum(count for _, count in parts)
    main = max(range(len(parts)), key=lambda i: parts[i][0])
    if total - live_total > DEAD_SHARE * total or live_total - parts[main][0] > TAIL_SHARE * parts[main][0]:
        return list(range(len(parts)))
    tail = [i for i in range(len(parts)) if i != main]
    tiers = {i: _tier(parts[i][0]) for i in tail}
    for tier in sorted(set(tiers.values())):
        group = [i for i in tail if tiers[i] <= tier]
        if len(group) >= MERGE_AT:
            return group
    return next(([i] for i, (live, count) in enumerate(parts) if count and live < count / 2), [])


def _tier(live: int) -> int:
    return 0 if live < TIER_BASE else 1 + int(math.log(live / TIER_BASE, TIER_FACTOR))
