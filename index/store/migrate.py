"""Copy an index from one engine to another without re-embedding (`briefbot migrate`).

The current state of the source engine is read through the store interface only (documents, passages,
vectors, events) and committed to the target as one rebuild, so the target answers with the same passages,
vectors and dates; the source registry is copied beside it. Documents are read and written a batch at a
time: a large index is never held in memory twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from index.events import EventMention
from index.passages import Passage
from index.sources import Document
from index.store.interface import ChangeSet, DocumentInfo, DocumentUpdate, Engine, Snapshot, StoredEvent

BATCH = 256  # documents read from the source at a time
BUILD_KEYS = ("model", "dim", "max_words")  # what a build records of itself (engines add their own keys)


@dataclass(frozen=True)
class Copied:
    """What a migration copied, and the name of the target's new state."""

    state: str
    documents: int
    passages: int
    sources: int


def copy_index(source: Engine, target: Engine, model: str, dim: int) -> Copied:
    """Make the target hold the source's current index (replacing what it held) and its source registry."""
    snapshot = source.open(model, dim)
    try:
        updates = Copies(snapshot)
        meta = {key: snapshot.meta[key] for key in BUILD_KEYS if key in snapshot.meta}
        with target.writer():
            state = target.commit(None, ChangeSet(meta, updates))
        rows = source.source_rows().rows()
        table = target.source_rows()
        for name, kind, location, added_by, added_at, last_indexed, documents, passages, scope in rows:
            table.insert(scope, name, kind, location, added_by, added_at)
            if last_indexed is not None:
                table.record_indexed({(scope, name): (documents, passages)}, last_indexed)
        return Copied(state, len(updates), snapshot.count, len(rows))
    finally:
        snapshot.close()


class Copies(Sequence[DocumentUpdate]):
    """Every document of a snapshot as a `DocumentUpdate` (its passages, their vectors, its events), read
    from the snapshot a batch of documents at a time, source by source."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._keys: dict[str, list[int]] = defaultdict(list)
        for key, doc_id in snapshot.documents_of(snapshot.keys()).items():  # engines batch it themselves
            self._keys[doc_id].append(key)
        self._events: dict[str, list[StoredEvent]] = defaultdict(list)
        for event in snapshot.events():
            self._events[event.doc_id].append(event)
        self._ids = sorted(snapshot.documents, key=lambda d: (*_source(snapshot.documents[d]), d))

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: int) -> DocumentUpdate:  # type: ignore[override]
        doc_id = self._ids[index]
        scope, source = _source(self._snapshot.documents[doc_id])
        document = next(d for d in self._snapshot.source_documents(source, scope) if d.id == doc_id)
        return next(self._updates([document]))

    def __iter__(self) -> Iterator[DocumentUpdate]:
        sources = sorted({_source(info) for info in self._snapshot.documents.values()})
        for scope, source in sources:
            documents = sorted(self._snapshot.source_documents(source, scope), key=lambda d: d.id)
            for start in range(0, len(documents), BATCH):
                yield from self._updates(documents[start:start + BATCH])

    def _updates(self, documents: list[Document]) -> Iterator[DocumentUpdate]:
        dim = self._snapshot.vectors.dim
        keys = [key for doc in documents for key in sorted(self._keys.get(doc.id, []))]
        stored = {p.key: p for p in self._snapshot.passages(keys)}
        vectors = dict(zip(keys, self._snapshot.vectors.get(keys), strict=True)) if keys else {}
        for doc in documents:
            mine = sorted((stored[k] for k in self._keys.get(doc.id, [])), key=lambda p: p.start)
            position = {p.key: i for i, p in enumerate(mine)}
            passages = [Passage(p.id, p.doc_id, p.start, p.end, p.text, p.sentences) for p in mine]
            events = [(EventMention(e.doc_id, e.date, e.granularity, e.start, e.end, e.timex),
                       position[e.key]) for e in self._events.get(doc.id, [])]
            matrix = np.array([vectors[p.key] for p in mine], dtype=np.float32).reshape(len(mine), dim)
            yield DocumentUpdate(doc, passages, matrix, events)


def _source(info: DocumentInfo) -> tuple[str, str]:
    """A document's source, as sources are known: by scope and name."""
    return info.scope, info.source
