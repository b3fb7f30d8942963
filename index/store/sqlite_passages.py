"""The passage store of the FAISS engine: documents, passages and dated events in one SQLite file.

A passage's key is its `row`, which is also its position in the generation's FAISS index; a new generation
renumbers them (kept passages first, in their old order, then the new ones). Passage and event texts are
not stored twice: they are slices of their document's clean text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from index.sources import Document
from index.store.interface import (
    REBUILD_HINT,
    ChangeSet,
    DamagedIndex,
    DocumentInfo,
    DocumentState,
    StoredEvent,
    StoredPassage,
)

DB = "index.sqlite3"
SCHEMA_VERSION = "2"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, publisher TEXT NOT NULL,
    published TEXT, url TEXT, text TEXT NOT NULL, digest TEXT NOT NULL);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL REFERENCES documents(id),
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text_hash TEXT NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX passages_doc ON passages(doc_id);
CREATE INDEX passages_text ON passages(text_hash);
CREATE TABLE events (
    doc_id TEXT NOT NULL REFERENCES documents(id), date TEXT NOT NULL, granularity TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, timex TEXT NOT NULL,
    row INTEGER NOT NULL REFERENCES passages(row));
CREATE INDEX events_doc ON events(doc_id);
"""
_BATCH = 500  # values bound per `IN (...)` query


class SqlitePassages:
    """Read-only queries on one generation's database; documents' metadata kept in memory."""

    def __init__(self, folder: Path) -> None:
        path = folder / DB
        try:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self.meta: dict[str, str] = dict(self.db.execute("SELECT key, value FROM meta"))
            self.documents: dict[str, DocumentInfo] = {
                row[0]: DocumentInfo(*row) for row in self.db.execute(
                    "SELECT id, source, title, publisher, published, url FROM documents")
            }
            self.count: int = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        except sqlite3.Error as exc:
            raise DamagedIndex(f"the index database in {folder} is damaged ({exc}); {REBUILD_HINT}") from exc

    def keys(self) -> list[int]:
        return list(range(self.count))  # rows are numbered from 0 in every generation

    def passages(self, keys: Sequence[int]) -> list[StoredPassage]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        found = {
            r[0]: StoredPassage(r[0], r[1], r[2], r[3], r[4], r[5], tuple(map(tuple, json.loads(r[6]))))
            for r in self.db.execute(
                f"""SELECT p.row, p.id, p.doc_id, p.start, p."end",
                           substr(d.text, p.start + 1, p."end" - p.start), p.sentences
                    FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.row IN ({marks})""",
                list(keys),
            )
        }
        return [found[k] for k in keys if k in found]

    def documents_of(self, keys: Sequence[int]) -> dict[int, str]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        return dict(self.db.execute(f"SELECT row, doc_id FROM passages WHERE row IN ({marks})", list(keys)))

    def events(self) -> list[StoredEvent]:
        return [
            StoredEvent(*row)
            for row in self.db.execute(
                """SELECT e.doc_id, e.date, e.granularity, e.start, e."end",
                          substr(d.text, e.start + 1, e."end" - e.start), e.timex, e.row
                   FROM events e JOIN documents d ON d.id = e.doc_id ORDER BY e.date, e.doc_id, e.start"""
            )
        ]

    def source_documents(self, source: str) -> list[Document]:
        return [
            Document(*row) for row in self.db.execute(
                "SELECT id, source, title, publisher, published, url, text FROM documents WHERE source = ?",
                (source,),
            )
        ]

    def passage_counts(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT d.source, count(*) FROM passages p JOIN documents d ON d.id = p.doc_id GROUP BY d.source"
        ))

    def document_states(self) -> dict[str, DocumentState]:
        return {doc_id: DocumentState(source, digest)
                for doc_id, source, digest in self.db.execute("SELECT id, source, digest FROM documents")}

    def passage_ids(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for batch in _batches(doc_ids):
            marks = ",".join("?" * len(batch))
            for doc_id, pid in self.db.execute(
                    f"SELECT doc_id, id FROM passages WHERE doc_id IN ({marks}) ORDER BY row", batch):
                found.setdefault(doc_id, []).append(pid)
        return found

    def keys_of_texts(self, text_hashes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for batch in _batches(text_hashes):
            marks = ",".join("?" * len(batch))
            found.update(self.db.execute(
                f"SELECT text_hash, min(row) FROM passages WHERE text_hash IN ({marks}) GROUP BY text_hash",
                batch))
        return found

    def published_days(self) -> np.ndarray:
        """The publication day (proleptic ordinal; 0 when unknown) of every key's article, by key."""
        days = {d.id: date.fromisoformat(d.published).toordinal() if d.published else 0
                for d in self.documents.values()}
        published = np.zeros(self.count, np.int64)
        for row, doc_id in self.db.execute("SELECT row, doc_id FROM passages"):
            published[row] = days[doc_id]
        return published

    def keys_of_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The keys of these documents' passages, sorted."""
        marks = ",".join("?" * len(doc_ids))
        query = f"SELECT row FROM passages WHERE doc_id IN ({marks}) ORDER BY row"
        return np.fromiter((r[0] for r in self.db.execute(query, list(doc_ids))), dtype=np.int64)

    def close(self) -> None:
        self.db.close()


def write(path: Path, base: Path | None, changes: ChangeSet) -> tuple[np.ndarray, list[str]]:
    """A new database at `path`: the documents of the database `base` (if any) that `changes` neither
    removes nor replaces, then the documents it puts, with `changes.meta`.

    Returns the keys in `base` of the kept passages (their vectors move to keys 0, 1, ... in this order)
    and the text of every passage of the new database, by key.
    """
    dropped = changes.removed | {u.document.id for u in changes.put}
    db = sqlite3.connect(path, isolation_level=None, uri=True)
    try:
        db.executescript(SCHEMA)
        if base is not None:  # read-only, and attached outside the transaction, as SQLite requires
            db.execute("ATTACH DATABASE ? AS base", (f"file:{base}?mode=ro",))
        db.execute("BEGIN")
        db.executemany("INSERT INTO meta VALUES (?, ?)", {**changes.meta, "schema": SCHEMA_VERSION}.items())
        kept = np.empty(0, np.int64)
        if base is not None:
            kept = _copy_kept(db, dropped)
        row = len(kept)
        for update in changes.put:
            doc = update.document
            db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (doc.id, doc.source, doc.title, doc.publisher, doc.published, doc.url, doc.text,
                        doc.digest))
            db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (row + i, p.id, doc.id, p.start, p.end, p.text_hash, json.dumps(p.sentences))
                for i, p in enumerate(update.passages)))
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (e.doc_id, e.date, e.granularity, e.start, e.end, e.timex, row + holder)
                for e, holder in update.events))
            row += len(update.passages)
        db.execute("COMMIT")
        texts = dict(db.execute("SELECT id, text FROM documents"))
        spans = db.execute('SELECT doc_id, start, "end" FROM passages ORDER BY row')
        return kept, [texts[doc_id][start:end] for doc_id, start, end in spans]
    finally:
        db.close()


def _copy_kept(db: sqlite3.Connection, dropped: set[str] | frozenset[str]) -> np.ndarray:
    """Copy what the attached database `base` keeps into `db`, kept passages renumbered from 0 in order."""
    db.execute("CREATE TEMP TABLE dropped (id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO temp.dropped VALUES (?)", ((doc_id,) for doc_id in dropped))
    db.execute("INSERT INTO documents SELECT * FROM base.documents WHERE id NOT IN temp.dropped")
    db.execute("""CREATE TEMP TABLE moved AS
                  SELECT row AS old, row_number() OVER (ORDER BY row) - 1 AS new FROM base.passages
                  WHERE doc_id NOT IN temp.dropped""")
    db.execute("""INSERT INTO passages
                  SELECT m.new, p.id, p.doc_id, p.start, p."end", p.text_hash, p.sentences
                  FROM base.passages p JOIN temp.moved m ON m.old = p.row ORDER BY m.new""")
    db.execute("""INSERT INTO events
                  SELECT e.doc_id, e.date, e.granularity, e.start, e."end", e.timex, m.new
                  FROM base.events e JOIN temp.moved m ON m.old = e.row""")
    return np.fromiter((r[0] for r in db.execute("SELECT old FROM temp.moved ORDER BY new")), np.int64)


def write_meta(path: Path, meta: dict[str, str]) -> None:
    """Add or replace entries of a database's `meta` table."""
    db = sqlite3.connect(path)
    try:
        with db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
    finally:
        db.close()


def _batches(values: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
