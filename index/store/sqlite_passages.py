"""The rows of one segment of the FAISS engine: documents, passages and dated events in one SQLite file.

A segment's file is written once (`write`) and never changed; it is opened read-only and immutable. Its
documents are numbered (`num`) and its passages too (`row`: the passage's position in the segment's vector
and keyword indexes). Passage and event texts are not stored twice: they are slices of their document's
clean text. Which of its documents are still live is the engine's business (`index.store.faiss_engine`):
these queries take the numbers of the dead ones to leave out.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

from index.events import EventMention
from index.passages import Passage
from index.scopes import OPERATOR
from index.sources import Document
from index.store.interface import REBUILD_HINT, DamagedIndex, DocumentInfo, DocumentUpdate

DB = "index.sqlite3"
SCHEMA = """
CREATE TABLE documents (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, title TEXT NOT NULL,
    publisher TEXT NOT NULL, published TEXT, url TEXT, text TEXT NOT NULL, digest TEXT NOT NULL,
    scope TEXT NOT NULL);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL, doc INTEGER NOT NULL REFERENCES documents(num),
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text_hash TEXT NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX passages_doc ON passages(doc);
CREATE INDEX passages_text ON passages(text_hash);
CREATE TABLE events (
    doc INTEGER NOT NULL REFERENCES documents(num), date TEXT NOT NULL, granularity TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, timex TEXT NOT NULL,
    row INTEGER NOT NULL REFERENCES passages(row));
"""
_BATCH = 500  # values bound per `IN (...)` query

# (row, passage id, document number, start, end, text, sentences) of a stored passage.
PassageRow = tuple[int, str, int, int, int, str, tuple[tuple[int, int], ...]]
# (document number, date, granularity, start, end, text, timex, row) of a stored event.
EventRow = tuple[int, str, str, int, int, str, str, int]


class SegmentRows:
    """Read-only queries on one segment's database; its documents' metadata kept in memory, by number."""

    def __init__(self, folder: Path) -> None:
        path = folder / DB
        try:
            # immutable: the file never changes once written, so SQLite takes no locks and reads no journal.
            self.db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            # Segments written before scopes existed hold only the operator's documents.
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
            self._scope = "scope" if "scope" in columns else f"'{OPERATOR}'"
            rows = self.db.execute(
                f"SELECT num, id, source, title, publisher, published, url, {self._scope}, digest "
                "FROM documents ORDER BY num").fetchall()
            self.count: int = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        except sqlite3.Error as exc:
            raise DamagedIndex(f"the index database in {folder} is damaged ({exc}); {REBUILD_HINT}") from exc
        if [row[0] for row in rows] != list(range(len(rows))):
            raise DamagedIndex(f"the index database in {folder} is damaged; {REBUILD_HINT}")
        self.infos: list[DocumentInfo] = [DocumentInfo(*row[1:8]) for row in rows]
        self.digests: list[str] = [row[8] for row in rows]
        self.number: dict[str, int] = {info.id: num for num, info in enumerate(self.infos)}

    def passages(self, rows: Sequence[int]) -> list[PassageRow]:
        """Passages by row, in no particular order."""
        return [(r[0], r[1], r[2], r[3], r[4], r[5], tuple(map(tuple, json.loads(r[6]))))
                for batch in _batches(rows) for r in self._query(
                    f"""SELECT p.row, p.id, p.doc, p.start, p."end",
                               substr(d.text, p.start + 1, p."end" - p.start), p.sentences
                        FROM passages p JOIN documents d ON d.num = p.doc WHERE p.row IN ({_marks(batch)})""",
                    batch)]

    def events(self, dead: Collection[int]) -> list[EventRow]:
        """Every dated sentence of the documents not in `dead`."""
        return [row for row in self._query(
            """SELECT e.doc, e.date, e.granularity, e.start, e."end",
                      substr(d.text, e.start + 1, e."end" - e.start), e.timex, e.row
               FROM events e JOIN documents d ON d.num = e.doc""") if row[0] not in dead]

    def documents(self, nums: Iterable[int]) -> list[Document]:
        """Documents by number, whole (with their text), in number order."""
        return [Document(*row) for batch in _batches(nums) for row in self._query(
            f"""SELECT id, source, title, publisher, published, url, text, {self._scope} FROM documents
                WHERE num IN ({_marks(batch)}) ORDER BY num""", batch)]

    def passage_ids(self, nums: Iterable[int]) -> dict[int, list[str]]:
        """The passage ids of these documents, in text order, by document number."""
        found: dict[int, list[str]] = {}
        for batch in _batches(nums):
            for num, pid in self._query(
                    f"SELECT doc, id FROM passages WHERE doc IN ({_marks(batch)}) ORDER BY row", batch):
                found.setdefault(num, []).append(pid)
        return found

    def rows_of_texts(self, text_hashes: Iterable[str], dead: Collection[int]) -> dict[str, int]:
        """For each text hash of a passage of a document not in `dead`, the first row with that text."""
        found: dict[str, int] = {}
        for batch in _batches(text_hashes):
            for text_hash, row, num in self._query(
                    f"SELECT text_hash, row, doc FROM passages WHERE text_hash IN ({_marks(batch)}) "
                    "ORDER BY row", batch):
                if num not in dead:
                    found.setdefault(text_hash, row)
        return found

    def updates(self, nums: Sequence[int]) -> Iterator[tuple[Document, list[int], list[Passage],
                                                            list[tuple[EventMention, int]]]]:
        """These documents as they were put (document, the rows of its passages, its passages, its events
        with the index of their passage), in number order: what a merge copies."""
        wanted = sorted(nums)
        for batch in _chunks(wanted, _BATCH):
            marks = _marks(batch)
            passages: dict[int, list[tuple]] = {}
            for row in self._query(f"""SELECT doc, row, id, start, "end", sentences FROM passages
                                       WHERE doc IN ({marks}) ORDER BY row""", batch):
                passages.setdefault(row[0], []).append(row[1:])
            events: dict[int, list[tuple]] = {}
            for row in self._query(f"""SELECT doc, date, granularity, start, "end", timex, row FROM events
                                       WHERE doc IN ({marks}) ORDER BY rowid""", batch):
                events.setdefault(row[0], []).append(row[1:])
            for num, doc in zip(batch, self.documents(batch), strict=True):
                own = passages.get(num, [])
                rows = [p[0] for p in own]
                cut = [Passage(p[1], doc.id, p[2], p[3], doc.text[p[2]:p[3]],
                               tuple(map(tuple, json.loads(p[4])))) for p in own]
                holder = {row: i for i, row in enumerate(rows)}
                dated = [(EventMention(doc.id, e[0], e[1], e[2], e[3], e[4]), holder[e[5]])
                         for e in events.get(num, [])]
                yield doc, rows, cut, dated

    def _query(self, sql: str, parameters: Sequence = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, list(parameters)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise DamagedIndex(f"the index database is damaged ({exc}); {REBUILD_HINT}") from exc

    def close(self) -> None:
        self.db.close()


def write(path: Path, updates: Sequence[DocumentUpdate]) -> None:
    """A new segment database at `path` holding `updates`: document i is number i, their passages are
    numbered from 0 in order."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        row = 0
        for num, update in enumerate(updates):
            doc = update.document
            db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (num, doc.id, doc.source, doc.title, doc.publisher, doc.published, doc.url, doc.text,
                        doc.digest, doc.scope))
            db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (row + i, p.id, num, p.start, p.end, p.text_hash, json.dumps(p.sentences))
                for i, p in enumerate(update.passages)))
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (num, e.date, e.granularity, e.start, e.end, e.timex, row + holder)
                for e, holder in update.events))
            row += len(update.passages)
        db.execute("COMMIT")
    finally:
        db.close()


def _marks(values: Sequence) -> str:
    return ",".join("?" * len(values))


def _chunks(values: Sequence, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def _batches(values: Iterable) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
