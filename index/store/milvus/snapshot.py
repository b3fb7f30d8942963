"""A generation of the Milvus engine, read-only: the `Snapshot` (documents, passages and events by named
queries, with the dense and keyword indexes), and the rows a change set writes.

Documents' metadata is read once per snapshot (as the FAISS engine keeps it in memory); passages, vectors
and events are read from Milvus as asked, always restricted to the snapshot's generation. Passage keys are
kept across generations, so a reader of the previous generation still finds its passages.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from pymilvus import MilvusClient

from index.scopes import OPERATOR
from index.sources import Document
from index.store.interface import (
    REBUILD_HINT,
    DamagedIndex,
    DocumentInfo,
    DocumentState,
    DocumentUpdate,
    StoredEvent,
    StoredPassage,
    StoreError,
    check_model,
)
from index.store.milvus.client import batches, one_of, query_all, query_in
from index.store.milvus.schema import (
    ALIVE,
    META,
    NEXT_KEY,
    NEXT_ROW,
    SCHEMA,
    SCHEMA_VERSION,
    chunks,
    fits,
)
from index.store.milvus.search import MilvusKeywords, MilvusVectors, tokens, visible

HEAD, TEXT = 0, 1  # kinds of document rows
_PASSAGE_FIELDS = ["key", "pid", "doc_id", "start", "end", "text", "spilled", "sentences"]


class State:
    """Where a generation is: its passages and documents collections and its number, and their properties."""

    def __init__(self, passages: str, documents: str, generation: int, properties: dict[str, str]) -> None:
        self.passages, self.documents, self.generation = passages, documents, generation
        self.properties = properties

    @property
    def name(self) -> str:
        return f"{self.passages}@{self.generation}"

    def number(self, key: str) -> int:
        return int(self.properties.get(key, 0))


class MilvusSnapshot:
    """One generation of the index in Milvus. Thread-safe for reads."""

    def __init__(self, client: MilvusClient, state: State, model: str, dim: int, vector_index: str) -> None:
        self._client = client
        self._state = state
        self.name = state.name
        try:
            self.meta: dict[str, str] = json.loads(state.properties[META])
            if state.properties.get(SCHEMA) != SCHEMA_VERSION:
                raise StoreError(
                    f"the index in Milvus ({state.passages}) has an unknown format; {REBUILD_HINT}")
        except (KeyError, ValueError, TypeError) as exc:
            raise DamagedIndex(f"the index in Milvus ({state.passages}) is damaged (its state cannot be "
                               f"read); {REBUILD_HINT}") from exc
        check_model(self.meta, model, dim)
        self._load_documents()
        self.count = sum(self._sizes.values())
        self.vectors = MilvusVectors(client, state.passages, state.generation, dim, self.count, vector_index)
        self.keywords = MilvusKeywords(client, state.passages, state.generation, self.count)
        self._events: list[StoredEvent] | None = None
        self._lock = threading.Lock()

    def _load_documents(self) -> None:
        self.documents: dict[str, DocumentInfo] = {}
        self._states: dict[str, DocumentState] = {}
        self._sizes: dict[str, int] = {}  # passages per document
        try:
            for head in _joined(self._document_rows(f"kind == {HEAD}")):
                record = json.loads(head)
                doc_id = record["id"]
                self.documents[doc_id] = DocumentInfo(doc_id, record["source"], record["title"],
                                                      record["publisher"], record["published"], record["url"],
                                                      record["scope"])
                self._states[doc_id] = DocumentState(record["source"], record["digest"], record["scope"])
                self._sizes[doc_id] = record["passages"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedIndex(f"the documents of the index in Milvus ({self._state.documents}) are damaged; "
                               f"{REBUILD_HINT}") from exc

    def _document_rows(self, where: str) -> list[dict]:
        return query_all(self._client, self._state.documents,
                         f"{visible(self._state.generation)} and {where}",
                         ["doc_id", "kind", "part", "data"], self._state.number(NEXT_ROW))

    def keys(self) -> list[int]:
        rows = query_all(self._client, self._state.passages, visible(self._state.generation), ["key"],
                         self._state.number(NEXT_KEY))
        return sorted(int(row["key"]) for row in rows)

    def passages(self, keys: Sequence[int]) -> list[StoredPassage]:
        found: dict[int, StoredPassage] = {}
        for batch in batches(list(keys)):
            rows = self._client.get(self._state.passages, ids=list(batch), output_fields=_PASSAGE_FIELDS)
            spilled = {row["doc_id"] for row in rows if row["spilled"]}
            texts = {doc_id: self._text(doc_id) for doc_id in spilled}
            for row in rows:
                text = texts[row["doc_id"]][row["start"]:row["end"]] if row["spilled"] else row["text"]
                spans = tuple(tuple(span) for span in json.loads(row["sentences"]))
                key = int(row["key"])
                found[key] = StoredPassage(key, row["pid"], row["doc_id"], row["start"], row["end"], text,
                                           spans)
        return [found[k] for k in keys if k in found]

    def documents_of(self, keys: Sequence[int]) -> dict[int, str]:
        owners: dict[int, str] = {}
        for batch in batches(list(keys)):
            rows = self._client.get(self._state.passages, ids=list(batch), output_fields=["doc_id"])
            owners.update((int(row["key"]), row["doc_id"]) for row in rows)
        return owners

    def events(self) -> list[StoredEvent]:
        with self._lock:
            if self._events is None:
                rows = query_all(self._client, self._state.passages,
                                 f"{visible(self._state.generation)} and has_events == true",
                                 ["key", "doc_id", "events"], self._state.number(NEXT_KEY))
                found = []
                for row in rows:
                    for day, granularity, start, end, timex, text in json.loads(row["events"]):
                        if text is None:  # too long to keep with the passage: read from the document
                            text = self._text(row["doc_id"])[start:end]
                        found.append(StoredEvent(row["doc_id"], day, granularity, start, end, text, timex,
                                                 int(row["key"])))
                self._events = sorted(found, key=lambda e: (e.date, e.doc_id, e.start))
            return self._events

    def source_documents(self, source: str, scope: str = OPERATOR) -> list[Document]:
        texts: dict[str, list[dict]] = {}
        for row in self._document_rows(
                f"kind == {TEXT} and {one_of('source', [source])} and {one_of('scope', [scope])}"):
            texts.setdefault(row["doc_id"], []).append(row)
        documents = []
        for doc_id, rows in texts.items():
            info = self.documents[doc_id]
            documents.append(Document(info.id, info.source, info.title, info.publisher, info.published,
                                      info.url, next(_joined(rows)), info.scope))
        return documents

    def _text(self, doc_id: str) -> str:
        return next(_joined(self._document_rows(f"kind == {TEXT} and {one_of('doc_id', [doc_id])}")), "")

    def passage_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for doc_id, size in self._sizes.items():
            info = self.documents[doc_id]
            counts[info.scope, info.source] = counts.get((info.scope, info.source), 0) + size
        return counts

    def document_states(self) -> dict[str, DocumentState]:
        return dict(self._states)

    def passage_ids(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[tuple[int, str]]] = {}
        for row in self._passages_where("doc_id", list(doc_ids), ["key", "doc_id", "pid"]):
            found.setdefault(row["doc_id"], []).append((int(row["key"]), row["pid"]))
        return {doc_id: [pid for _, pid in sorted(rows)] for doc_id, rows in found.items()}

    def keys_of_texts(self, text_hashes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self._passages_where("text_hash", list(text_hashes), ["key", "text_hash"]):
            key = int(row["key"])
            found[row["text_hash"]] = min(key, found.get(row["text_hash"], key))
        return found

    def _passages_where(self, field: str, values: list[str], fields: list[str]) -> list[dict]:
        """This generation's passage rows whose `field` is one of `values`."""
        return query_in(self._client, self._state.passages, field, values, visible(self._state.generation),
                        fields, self._state.number(NEXT_KEY))

    def close(self) -> None:
        """Nothing to release: the client is the process's, shared by every snapshot of its URI."""


def _joined(rows: Iterable[dict]) -> Iterator[str]:
    """The texts that chunked rows make up: their `data` joined in `part` order, one text per document."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append((row["part"], row["data"]))
    for parts in by_doc.values():
        yield "".join(data for _, data in sorted(parts))


def document_rows(update: DocumentUpdate, passages: int, first_key: int, generation: int) -> list[dict]:
    """The rows of one document (metadata, then text), keys from `first_key`."""
    doc = update.document
    head = json.dumps({"id": doc.id, "source": doc.source, "title": doc.title, "publisher": doc.publisher,
                       "published": doc.published, "url": doc.url, "digest": doc.digest, "scope": doc.scope,
                       "passages": passages}, ensure_ascii=False)
    rows = [(HEAD, part, data) for part, data in enumerate(chunks(head))]
    rows += [(TEXT, part, data) for part, data in enumerate(chunks(doc.text))]
    return [{"key": first_key + i, "doc_id": doc.id, "kind": kind, "part": part, "source": doc.source,
             "scope": doc.scope, "data": data, "born": generation, "died": ALIVE, "pad": [0.0, 0.0]}
            for i, (kind, part, data) in enumerate(rows)]


def passage_rows(update: DocumentUpdate, first_key: int, generation: int) -> list[dict]:
    """The rows of one document's passages, keys from `first_key`, each with its vector, its terms and the
    dated sentences it holds."""
    doc = update.document
    day = date.fromisoformat(doc.published).toordinal() if doc.published else 0
    held: dict[int, list] = {}
    for event, holder in update.events:
        sentence = doc.text[event.start:event.end]
        held.setdefault(holder, []).append(
            [event.date, event.granularity, event.start, event.end, event.timex, sentence])
    rows = []
    for i, (passage, vector) in enumerate(zip(update.passages, update.vectors, strict=True)):
        spilled = not fits(passage.text)
        events = json.dumps(held.get(i, []), ensure_ascii=False)
        if not fits(events):  # sentences too long to keep here: read from the document's text instead
            events = json.dumps([[*event[:5], None] for event in held[i]], ensure_ascii=False)
        rows.append({
            "key": first_key + i, "pid": passage.id, "doc_id": doc.id, "start": passage.start,
            "end": passage.end,
            "text": "" if spilled else passage.text, "spilled": spilled,
            "sentences": json.dumps(passage.sentences), "text_hash": passage.text_hash,
            "terms": " ".join(tokens(passage.text))[:CHUNK_TERMS], "vec": [float(x) for x in vector],
            "day": day, "source": doc.source.lower(), "publisher": doc.publisher.lower(), "scope": doc.scope,
            "events": events, "has_events": i in held,
            "born": generation, "died": ALIVE,
        })
    return rows


CHUNK_TERMS = 16_000  # characters of terms kept per passage (a passage has at most a few hundred words)
