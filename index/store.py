"""The persisted index: documents and passages in SQLite, their vectors in FAISS, a BM25 index.

Layout of the data directory:

    CURRENT           name of the generation that answers queries (replaced atomically)
    gen-000007/       one complete, immutable index: index.sqlite3, vectors.faiss, bm25/
    build.lock        held while a build runs, so two builds never interleave

A build writes a whole new generation into a temporary folder, renames it, then swaps CURRENT. A process
killed at any point leaves the previous generation answering; readers keep the generation they opened
until they reload. FAISS row `i` is the passage with `row = i`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np

from index.errors import UserError
from index.lexical import tokenize_corpus
from index.sources import Document

CURRENT = "CURRENT"
DB = "index.sqlite3"
VECTORS = "vectors.faiss"
BM25 = "bm25"
SCHEMA_VERSION = "2"
REBUILD_HINT = "run `briefbot index --rebuild` to rebuild it from the sources"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, publisher TEXT NOT NULL,
    published TEXT, url TEXT, text TEXT NOT NULL, digest TEXT NOT NULL);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL REFERENCES documents(id),
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text_hash TEXT NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX passages_doc ON passages(doc_id);
CREATE TABLE events (
    doc_id TEXT NOT NULL REFERENCES documents(id), date TEXT NOT NULL, granularity TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, timex TEXT NOT NULL,
    row INTEGER NOT NULL REFERENCES passages(row));
CREATE INDEX events_doc ON events(doc_id);
"""


class StoreError(UserError):
    """The index cannot be used as it is; the message says why and what to do."""


class NoIndex(StoreError):
    """No index has been built in this data directory yet."""


class StoreWriteError(StoreError):
    """A new generation could not be written (disk full, read-only, ...); the previous one still answers."""


# What an errno means for someone running the bot: the cause, and where to look.
_ERRNO_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "a file would exceed the size limit of this process or file system (or the disk is full)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EEXIST: "it exists and is not a folder",
    errno.ENOENT: "no such file or folder",
    errno.EIO: "an input/output error (failing disk?)",
}
# SQLite reports the same conditions in words, without an errno.
_SQLITE_REASONS = {
    "database or disk is full": _ERRNO_REASONS[errno.ENOSPC],
    "readonly database": _ERRNO_REASONS[errno.EROFS] + " or not writable",
    "disk i/o error": "a disk write failed (disk full, a file size limit, or a failing disk)",
    "unable to open database file": "cannot create or open the database file (not writable?)",
}


def explain_os_error(exc: BaseException) -> str:
    """A short, plain reason for a failed file operation: "the disk is full", "permission denied", ...

    Works on `OSError` (by errno), `sqlite3.Error` (by its message) and FAISS's `RuntimeError` (whose
    message carries the C library's error text); anything else gives its own message.
    """
    if isinstance(exc, OSError) and exc.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[exc.errno]
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc)
    lowered = text.lower()
    for marker, reason in _SQLITE_REASONS.items():
        if marker in lowered:
            return reason
    for number, reason in _ERRNO_REASONS.items():
        if os.strerror(number).lower() in lowered:
            return reason
    return text.splitlines()[0] if text else type(exc).__name__


def os_error_message(exc: OSError) -> str:
    """A one-line message for an `OSError`: what failed, on which path, and why (see `explain_os_error`)."""
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    where = f" {' -> '.join(paths)}" if paths else ""
    return f"cannot access{where}: {explain_os_error(exc)}"


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    source: str
    title: str
    publisher: str
    published: str | None
    url: str | None


@dataclass(frozen=True)
class StoredPassage:
    row: int
    id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class StoredEvent:
    doc_id: str
    date: str
    granularity: str
    start: int  # the sentence, as offsets into the document's clean text
    end: int
    text: str
    timex: str  # the time expression as written
    row: int  # the passage that holds the sentence


def current_generation(data_dir: Path) -> Path | None:
    pointer = data_dir / CURRENT
    if not pointer.exists():
        return None
    return data_dir / pointer.read_text().strip()


class Store:
    """A read-only view of one generation. Cheap queries by row; documents' metadata kept in memory."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(f"file:{path / DB}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self.db.execute("SELECT key, value FROM meta"))
            self.documents = {
                row[0]: DocumentInfo(*row)
                for row in self.db.execute(
                    "SELECT id, source, title, publisher, published, url FROM documents")
            }
            count = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"the index database in {path} is damaged ({exc}); {REBUILD_HINT}") from exc
        if meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(f"the index in {path} has an unknown format; {REBUILD_HINT}")
        if meta.get("model") != model or int(meta.get("dim", 0)) != dim:
            raise StoreError(
                f"the index was built with {meta.get('model')} ({meta.get('dim')} dims) but the bot uses "
                f"{model} ({dim} dims); {REBUILD_HINT}"
            )
        try:
            self.vectors = faiss.read_index(str(path / VECTORS))
        except RuntimeError as exc:
            raise StoreError(f"the vector index in {path} is damaged; {REBUILD_HINT}") from exc
        if self.vectors.ntotal != count or self.vectors.d != dim:
            raise StoreError(f"the vector index in {path} does not match its passages; {REBUILD_HINT}")
        self.model, self.dim, self.count, self.meta = model, dim, count, meta

    @classmethod
    def open(cls, data_dir: Path, model: str, dim: int) -> Store:
        path = current_generation(data_dir)
        if path is None:
            raise NoIndex(f"no index in {data_dir} yet; run `briefbot index`")
        if not path.is_dir():
            raise StoreError(f"the index named in {data_dir / CURRENT} is missing; {REBUILD_HINT}")
        return cls(path, model, dim)

    def bm25(self) -> bm25s.BM25:
        try:
            return bm25s.BM25.load(str(self.path / BM25))
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise StoreError(f"the keyword index in {self.path} is damaged; {REBUILD_HINT}") from exc

    def passages(self, rows: list[int]) -> list[StoredPassage]:
        """Passages by FAISS row, in the order asked."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {
            r[0]: StoredPassage(r[0], r[1], r[2], r[3], r[4], r[5], tuple(map(tuple, json.loads(r[6]))))
            for r in self.db.execute(
                f"""SELECT p.row, p.id, p.doc_id, p.start, p."end",
                           substr(d.text, p.start + 1, p."end" - p.start), p.sentences
                    FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.row IN ({marks})""",
                rows,
            )
        }
        return [found[r] for r in rows if r in found]

    def rows_of_sources(self, names: set[str]) -> np.ndarray:
        """FAISS rows of every passage whose document comes from one of the named sources."""
        marks = ",".join("?" * len(names))
        query = f"""SELECT p.row FROM passages p JOIN documents d ON d.id = p.doc_id
                    WHERE d.source IN ({marks})"""
        return np.fromiter((r[0] for r in self.db.execute(query, sorted(names))), dtype=np.int64)

    def source_documents(self, source: str) -> list[Document]:
        """The stored documents of one source, as they were indexed."""
        return [
            Document(*row) for row in self.db.execute(
                "SELECT id, source, title, publisher, published, url, text FROM documents WHERE source = ?",
                (source,),
            )
        ]

    def passage_counts(self) -> dict[str, int]:
        """Number of passages per source name."""
        return dict(self.db.execute(
            "SELECT d.source, count(*) FROM passages p JOIN documents d ON d.id = p.doc_id GROUP BY d.source"
        ))

    def events(self) -> list[StoredEvent]:
        return [
            StoredEvent(*row)
            for row in self.db.execute(
                """SELECT e.doc_id, e.date, e.granularity, e.start, e."end",
                          substr(d.text, e.start + 1, e."end" - e.start), e.timex, e.row
                   FROM events e JOIN documents d ON d.id = e.doc_id ORDER BY e.date, e.doc_id, e.start"""
            )
        ]

    def close(self) -> None:
        self.db.close()


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Exclusive lock for writers; a second concurrent build fails at once instead of waiting."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("another index build is already running in this data directory") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_generation(
    data_dir: Path, meta: dict[str, str], documents: list[tuple], passages: list[tuple],
    events: list[tuple], vectors: np.ndarray, passage_texts: list[str],
) -> Path:
    """Write a complete generation and make it current. Rows are written in the order given.

    documents: (id, source, title, publisher, published, url, text, digest)
    passages:  (id, doc_id, start, end, text_hash, sentences_json), row = position
    events:    (doc_id, date, granularity, start, end, timex, row of the passage holding it)
    """
    existing = sorted(p.name for p in data_dir.glob("gen-*") if p.is_dir() and not p.name.endswith(".tmp"))
    number = int(existing[-1][4:]) + 1 if existing else 1
    final = data_dir / f"gen-{number:06d}"
    tmp = data_dir / f"{final.name}.tmp"
    previous = current_generation(data_dir)
    renamed = False
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        _write_tmp(tmp, meta, documents, passages, events, vectors, passage_texts)
        _fsync_tree(tmp)
        os.rename(tmp, final)
        renamed = True
        _replace_text(data_dir / CURRENT, final.name)  # the commit point: its last step is os.replace
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        # Nothing of this build may stay behind: the disk may be full, and CURRENT was not swapped.
        shutil.rmtree(final if renamed else tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            (data_dir / f"{CURRENT}.tmp").unlink(missing_ok=True)
        raise StoreWriteError(
            f"cannot write the new index in {data_dir}: {explain_os_error(exc)}; the previous index is "
            "still in use"
        ) from exc
    # Keep the generation that was current until now: a running bot may still read it until it reloads.
    # Others are older (no reader left) or never became current (a build killed after its rename).
    keep = {final.name, previous.name if previous else None}
    for old in existing:
        if old not in keep:
            shutil.rmtree(data_dir / old, ignore_errors=True)
    clean_stale(data_dir)
    return final


def clean_stale(data_dir: Path) -> None:
    """Remove what a build killed midway left behind: half-written `gen-*.tmp` folders, a `CURRENT.tmp`,
    and complete generations numbered after the current one, which never became current (killed between
    the rename and the pointer swap), so no reader can have them open. Call it holding the build lock.
    """
    for stale in data_dir.glob("gen-*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    with contextlib.suppress(OSError):
        (data_dir / f"{CURRENT}.tmp").unlink(missing_ok=True)
    current = current_generation(data_dir)
    if current is None:
        return
    for orphan in data_dir.glob("gen-*"):
        if orphan.is_dir() and orphan.name > current.name and not orphan.name.endswith(".tmp"):
            shutil.rmtree(orphan, ignore_errors=True)


def _write_tmp(
    tmp: Path, meta: dict[str, str], documents: list[tuple], passages: list[tuple], events: list[tuple],
    vectors: np.ndarray, passage_texts: list[str],
) -> None:
    """The files of one generation, into the folder `tmp`."""
    meta = {**meta, "schema": SCHEMA_VERSION, "faiss": index_kind(len(vectors))}
    db = sqlite3.connect(tmp / DB)
    with db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", documents)
        db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ((row, *p) for row, p in enumerate(passages)))
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", events)
    db.close()

    faiss.write_index(vector_index(vectors, meta["faiss"]), str(tmp / VECTORS))
    retriever = bm25s.BM25()
    retriever.index(tokenize_corpus(passage_texts), show_progress=False)
    retriever.save(str(tmp / BM25))


# Exact search while it is fast: a flat scan costs about 1 ms per 10k passages here (10 ms at 100k, 84 ms at
# 660k). Beyond, HNSW: about 0.3 ms at any size, recall@10 against exact 0.996 at 660k passages with
# efSearch 256 (bench/faiss_scale.py), ~1.8 kB per passage instead of 1.5 kB.
FLAT_MAX = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 256


def index_kind(count: int) -> str:
    """The FAISS index type for `count` passages: "flat" (exact) or "hnsw" (approximate)."""
    return "flat" if count <= FLAT_MAX else "hnsw"


def vector_index(vectors: np.ndarray, kind: str | None = None) -> faiss.Index:
    """An inner-product index over normalized vectors, exact or HNSW by their number (see `index_kind`).

    Both kinds keep the vectors themselves, so `reconstruct_batch(rows)` works on either.
    """
    kind = kind or index_kind(len(vectors))
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH  # written with the index
    else:
        raise ValueError(f"unknown vector index kind {kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def vector_kind(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


@contextmanager
def one_faiss_thread() -> Iterator[None]:
    """FAISS on one OpenMP thread in the calling thread, for a single query's search.

    Right after the encoder has run, its threads still hold the cores for a while; FAISS's other threads
    then wait on them, and a flat search over 100k vectors takes 3x longer than on one thread
    (bench/README.md). OpenMP keeps the setting per calling thread, so a build in another thread keeps
    every core; the previous setting is restored.
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
