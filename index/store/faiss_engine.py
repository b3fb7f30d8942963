"""The embedded engine: SQLite (documents, passages, events), FAISS (vectors) and bm25s (keywords), one
generation folder per state (see `index.store.generations`).

A commit writes a whole new generation: the previous one's kept documents are copied (their vectors taken
from its FAISS index, never re-embedded), the change's documents added, FAISS and BM25 built over the
result. Opening a generation checks its database and keyword index against the checksums written with
them, so a damaged file is refused with a one-line error instead of quoting damaged text.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from index.store import bm25_keywords, faiss_vectors, sqlite_passages
from index.store.bm25_keywords import BM25, Bm25Keywords
from index.store.faiss_vectors import VECTORS, FaissVectors
from index.store.generations import Generations, files, verify
from index.store.interface import REBUILD_HINT, ChangeSet, DamagedIndex, StoreError, StoreWriteError
from index.store.key_sets import KeySets
from index.store.oserrors import explain_os_error
from index.store.sqlite_passages import DB, SCHEMA_VERSION, SqlitePassages


class FaissSnapshot(SqlitePassages):
    """One generation, read-only: the `Snapshot` of the FAISS engine."""

    def __init__(self, folder: Path, model: str, dim: int) -> None:
        verify(folder, [DB, *files(folder, BM25)])
        super().__init__(folder)
        self.name = folder.name
        self.folder = folder
        try:
            self._check(model, dim)
            keys_of = KeySets(self)
            try:
                self.vectors = FaissVectors.load(folder / VECTORS, keys_of)
            except RuntimeError as exc:
                raise DamagedIndex(f"the vector index in {folder} is damaged; {REBUILD_HINT}") from exc
            if self.vectors.count != self.count or self.vectors.dim != dim:
                raise DamagedIndex(
                    f"the vector index in {folder} does not match its passages; {REBUILD_HINT}")
            try:
                self.keywords = Bm25Keywords.load(folder / BM25, self.count, keys_of)
            except bm25_keywords.LOAD_ERRORS as exc:
                raise DamagedIndex(f"the keyword index in {folder} is damaged; {REBUILD_HINT}") from exc
        except StoreError:
            self.close()
            raise

    def _check(self, model: str, dim: int) -> None:
        if self.meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(f"the index in {self.folder} has an unknown format; {REBUILD_HINT}")
        if self.meta.get("model") != model or int(self.meta.get("dim", 0)) != dim:
            built = f"{self.meta.get('model')} ({self.meta.get('dim')} dims)"
            raise StoreError(
                f"the index was built with {built} but the bot uses {model} ({dim} dims); {REBUILD_HINT}")


class FaissEngine:
    """The `Engine` that keeps its generations in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.generations = Generations(data_dir)

    def current(self) -> str | None:
        folder = self.generations.current()
        return folder.name if folder else None

    def open(self, model: str, dim: int) -> FaissSnapshot:
        return FaissSnapshot(self.generations.current_folder(), model, dim)

    def writer(self) -> AbstractContextManager[None]:
        return self.generations.lock()

    def commit(self, base: FaissSnapshot | None, changes: ChangeSet) -> str:
        try:
            return self.generations.write(lambda folder: _write(folder, base, changes)).name
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            raise StoreWriteError(
                f"cannot write the new index in {self.data_dir}: {explain_os_error(exc)}; the previous index "
                "is still in use"
            ) from exc


def _write(folder: Path, base: FaissSnapshot | None, changes: ChangeSet) -> None:
    """The files of the generation `base` + `changes`, into `folder`."""
    kept, texts = sqlite_passages.write(folder / DB, base.folder / DB if base else None, changes)
    dim = int(changes.meta["dim"])
    parts = [base.vectors.get(kept)] if base is not None and len(kept) else []
    parts += [np.asarray(u.vectors, dtype=np.float32).reshape(-1, dim) for u in changes.put]
    vectors = np.concatenate(parts) if parts else np.empty((0, dim), np.float32)
    kind = faiss_vectors.index_kind(len(vectors))
    sqlite_passages.write_meta(folder / DB, {"faiss": kind})
    faiss_vectors.write(folder / VECTORS, vectors, kind)
    bm25_keywords.write(folder / BM25, texts)
