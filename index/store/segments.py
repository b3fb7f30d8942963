"""Segments: the immutable parts a FAISS-engine index is made of, each a folder written once.

A segment holds some documents with everything about them: rows in SQLite (`sqlite_passages`), a FAISS
index (`faiss_vectors`), a bm25s index (`bm25_keywords`) and two arrays that filters read (each row's
publication day and document number). A commit writes one segment for the documents it puts; a merge writes
one for the live documents of several. Generations share segments by hard links, so a process keeps each
segment it has loaded (`Segments`, by file identity) and a new snapshot loads only the segments it has not
seen: reloading after a small change costs the change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from index.store import bm25_keywords, faiss_vectors, sqlite_passages
from index.store.bm25_keywords import BM25, SegmentKeywords
from index.store.faiss_vectors import VECTORS, SegmentVectors
from index.store.generations import files, verify
from index.store.interface import REBUILD_HINT, DamagedIndex, DocumentUpdate
from index.store.sqlite_passages import DB, SegmentRows

DAYS = "days.npy"
DOCS = "docs.npy"


class Segment:
    """One segment, loaded: its rows, vector and keyword indexes, and each row's day and document."""

    def __init__(self, folder: Path, identity: tuple) -> None:
        self.name = folder.name
        self.identity = identity
        self.rows = SegmentRows(folder)
        try:
            try:
                self.days: np.ndarray = np.load(folder / DAYS, allow_pickle=False)
                self.docs: np.ndarray = np.load(folder / DOCS, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise DamagedIndex(f"the row arrays in {folder} are damaged; {REBUILD_HINT}") from exc
            try:
                self.vectors = SegmentVectors.load(folder / VECTORS)
            except RuntimeError as exc:
                raise DamagedIndex(f"the vector index in {folder} is damaged; {REBUILD_HINT}") from exc
            try:
                self.keywords = SegmentKeywords.load(folder / BM25)
            except bm25_keywords.LOAD_ERRORS as exc:
                raise DamagedIndex(f"the keyword index in {folder} is damaged; {REBUILD_HINT}") from exc
            count = self.rows.count
            if not (self.vectors.count == self.keywords.count == len(self.days) == len(self.docs) == count):
                raise DamagedIndex(f"the indexes in {folder} do not match its passages; {REBUILD_HINT}")
        except DamagedIndex:
            self.rows.close()
            raise
        self.count = count

    def close(self) -> None:
        self.rows.close()


def write(folder: Path, updates: Sequence[DocumentUpdate], dim: int) -> str:
    """Write a segment of `updates` (document i is number i, passages numbered in order) into `folder`;
    returns the kind of its vector index."""
    folder.mkdir(parents=True)
    sqlite_passages.write(folder / DB, updates)
    parts = [np.asarray(u.vectors, dtype=np.float32).reshape(-1, dim) for u in updates]
    vectors = np.concatenate(parts) if parts else np.empty((0, dim), np.float32)
    kind = faiss_vectors.index_kind(len(vectors))
    faiss_vectors.write(folder / VECTORS, vectors, kind)
    bm25_keywords.write(folder / BM25, [p.text for u in updates for p in u.passages])
    days = [date.fromisoformat(u.document.published).toordinal() if u.document.published else 0
            for u in updates]
    sizes = [len(u.passages) for u in updates]
    np.save(folder / DAYS, np.repeat(np.asarray(days, np.int32), sizes))
    np.save(folder / DOCS, np.repeat(np.arange(len(updates), dtype=np.int32), sizes))
    return kind


class Segments:
    """The segments this process has loaded, shared by every snapshot that uses them. Thread-safe.

    A segment is known by the identity of its files (inode, size, time written), which every generation that
    links it shares; it is checked against its generation's checksums when first loaded, and closed when the
    last snapshot using it lets it go.
    """

    def __init__(self) -> None:
        self._loaded: dict[tuple, tuple[Segment, int]] = {}
        self._lock = threading.Lock()

    def acquire(self, generation: Path, name: str) -> Segment:
        folder = generation / name
        try:
            # Every file's inode, size and modification time: the same in each generation linking the segment,
            # different once a file is replaced or overwritten (then it is loaded, and checked, again).
            identity = tuple((f, st.st_ino, st.st_size, st.st_mtime_ns)
                             for f in files(generation, name) for st in [(generation / f).stat()])
        except OSError as exc:
            raise DamagedIndex(f"the index in {generation} is incomplete ({exc}); {REBUILD_HINT}") from exc
        with self._lock:
            if identity in self._loaded:
                segment, users = self._loaded[identity]
                self._loaded[identity] = (segment, users + 1)
                return segment
            verify(generation, _checked(generation, name))
            segment = Segment(folder, identity)
            self._loaded[identity] = (segment, 1)
            return segment

    def release(self, segment: Segment) -> None:
        with self._lock:
            identity = segment.identity
            current, users = self._loaded[identity]
            if users > 1:
                self._loaded[identity] = (current, users - 1)
                return
            del self._loaded[identity]
        segment.close()


def _checked(generation: Path, name: str) -> list[str]:
    """The files of a segment checked against their checksums when it is loaded: all but the vector index
    (FAISS refuses a damaged one itself, and it is the largest file)."""
    return [f for f in files(generation, name) if not f.endswith(VECTORS)]


SEGMENTS = Segments()
