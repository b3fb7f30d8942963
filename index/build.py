"""Build or update the index from documents: passages, dated events -> embeddings -> a new store generation.

Incremental: a document whose content hash is unchanged keeps its passages, and a passage whose text was
embedded before keeps its vector, so re-indexing an unchanged corpus embeds nothing and writes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.embed import Embedder
from index.events import extract_events
from index.passages import MAX_WORDS, make_passages
from index.sources import Document
from index.store import NoIndex, Store, build_lock, clean_stale, write_generation

# progress(stage, advance, total): stages are "passages" and "embedding".
Progress = Callable[[str, int, int], None]


@dataclass
class SourceChanges:
    """What a build changed in one source: ids of its added, changed and removed documents, and passages."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    passages_added: int = 0
    passages_removed: int = 0


@dataclass
class BuildReport:
    """What a build changed. `generation` is None when nothing changed and nothing was written."""

    generation: str | None
    documents: int = 0
    passages: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    passages_added: int = 0
    passages_removed: int = 0
    embedded: int = 0
    sources: dict[str, SourceChanges] = field(default_factory=dict)  # only the sources that changed

    def as_dict(self) -> dict:
        return {
            "generation": self.generation, "documents": self.documents, "passages": self.passages,
            "documents_added": len(self.added), "documents_changed": len(self.changed),
            "documents_removed": len(self.removed), "passages_added": self.passages_added,
            "passages_removed": self.passages_removed, "embedded": self.embedded,
            "sources": {name: vars(changes) for name, changes in self.sources.items()},
        }


def build(
    data_dir: Path, documents: Sequence[Document], embedder: Embedder, *, rebuild: bool = False,
    max_words: int = MAX_WORDS, progress: Progress | None = None,
) -> BuildReport:
    """Index `documents` (the whole corpus: documents not given are removed) into `data_dir`."""
    with build_lock(data_dir):
        clean_stale(data_dir)  # leftovers of a build killed midway
        old = None if rebuild else _open_existing(data_dir, embedder)
        # Date tagging is pure Python and the encoder spends its time in ONNX Runtime without the GIL, so new
        # documents are tagged in this thread during the embedding (about 6% off a build, bench/README.md).
        tagger = ThreadPoolExecutor(1, thread_name_prefix="dates")
        try:
            return _build(data_dir, documents, embedder, old, max_words, progress, tagger)
        finally:
            tagger.shutdown(cancel_futures=True)
            if old:
                old.close()


def _open_existing(data_dir: Path, embedder: Embedder) -> Store | None:
    try:
        return Store.open(data_dir, embedder.name, embedder.dim)
    except NoIndex:
        return None


def _build(
    data_dir: Path, documents: Sequence[Document], embedder: Embedder, old: Store | None,
    max_words: int, progress: Progress | None, tagger: ThreadPoolExecutor,
) -> BuildReport:
    old_digests: dict[str, str] = {}
    old_passages: dict[str, list[tuple]] = {}
    old_rows: dict[str, int] = {}  # text hash -> row of its vector in the old index
    old_events: dict[str, list[tuple]] = {}
    old_sources: dict[str, str] = {}  # document id -> source name
    if old:
        old_sources = dict(old.db.execute("SELECT id, source FROM documents"))
        same_cut = old.meta.get("max_words") == str(max_words)
        # With another passage size every document is cut anew; vectors of equal texts are still reused.
        old_digests = dict(old.db.execute("SELECT id, digest FROM documents")) if same_cut else {
            doc_id: "" for (doc_id,) in old.db.execute("SELECT id FROM documents")}
        for row, pid, doc_id, start, end, thash, sentences in old.db.execute(
            'SELECT row, id, doc_id, start, "end", text_hash, sentences FROM passages ORDER BY row'
        ):
            old_passages.setdefault(doc_id, []).append((pid, doc_id, start, end, thash, sentences))
            old_rows.setdefault(thash, row)
        for event in old.db.execute('SELECT doc_id, date, granularity, start, "end", timex FROM events'):
            old_events.setdefault(event[0], []).append(event)

    unique = list({doc.id: doc for doc in reversed(documents)}.values())[::-1]  # first of equal ids wins
    report = BuildReport(generation=None, documents=len(unique))
    ids = {doc.id for doc in unique}
    report.removed = sorted(set(old_digests) - ids)
    passages: list[tuple] = []
    texts: list[str] = []
    # Each document's first row, passages and events (being tagged by `tagger` for new documents).
    layout: list[tuple[int, list[tuple], list[tuple] | Future[list[tuple]]]] = []
    for doc in unique:
        if old_digests.get(doc.id) == doc.digest:
            kept = old_passages.get(doc.id, [])
            layout.append((len(passages), kept, old_events.get(doc.id, [])))
        else:
            (report.changed if doc.id in old_digests else report.added).append(doc.id)
            kept = [
                (p.id, doc.id, p.start, p.end, p.text_hash, json.dumps(p.sentences))
                for p in make_passages(doc.id, doc.text, max_words)
            ]
            layout.append((len(passages), kept, tagger.submit(_event_rows, doc)))
        passages.extend(kept)
        texts.extend(doc.text[p[2]:p[3]] for p in kept)
        if progress:
            progress("passages", 1, len(unique))
    report.passages = len(passages)
    if old and not (report.added or report.changed or report.removed):
        return report

    old_ids = {p[0] for group in old_passages.values() for p in group}
    new_ids = {p[0] for p in passages}
    report.passages_added = len(new_ids - old_ids)
    report.passages_removed = len(old_ids - new_ids)
    report.sources = _by_source(report, unique, passages, old_passages, old_sources)

    # Embed each text never embedded before, once, however many passages share it.
    missing = {p[4]: text for p, text in zip(passages, texts, strict=True) if p[4] not in old_rows}
    fresh = embedder.encode(
        list(missing.values()),
        progress=(lambda n: progress("embedding", n, len(missing))) if progress else None,
    )
    report.embedded = len(missing)
    # Rows change from build to build: attach each event to the passage that holds it now.
    events: list[tuple] = []
    for first, kept, dated in layout:
        for event in dated.result() if isinstance(dated, Future) else dated:
            holder = next((i for i, p in enumerate(kept) if p[2] <= event[3] < p[3]), None)
            if holder is not None:
                events.append((*event, first + holder))
    fresh_rows = {h: i for i, h in enumerate(missing)}
    vectors = np.empty((len(passages), embedder.dim), dtype=np.float32)
    reused = [(i, old_rows[p[4]]) for i, p in enumerate(passages) if p[4] in old_rows]
    if reused and old:
        targets, sources = zip(*reused, strict=True)
        vectors[list(targets)] = old.vectors.reconstruct_batch(np.array(sources, dtype=np.int64))
    for i, p in enumerate(passages):
        if p[4] in fresh_rows:
            vectors[i] = fresh[fresh_rows[p[4]]]

    doc_rows = [
        (d.id, d.source, d.title, d.publisher, d.published, d.url, d.text, d.digest) for d in unique
    ]
    meta = {"model": embedder.name, "dim": str(embedder.dim), "max_words": str(max_words)}
    report.generation = write_generation(data_dir, meta, doc_rows, passages, events, vectors, texts).name
    return report


def _event_rows(doc: Document) -> list[tuple]:
    return [(e.doc_id, e.date, e.granularity, e.start, e.end, e.timex) for e in extract_events(doc)]


def _by_source(
    report: BuildReport, documents: list[Document], passages: list[tuple],
    old_passages: dict[str, list[tuple]], old_sources: dict[str, str],
) -> dict[str, SourceChanges]:
    """The report's document and passage changes, per source name."""
    source_of = {**old_sources, **{doc.id: doc.source for doc in documents}}
    changes: defaultdict[str, SourceChanges] = defaultdict(SourceChanges)
    for attribute in ("added", "changed", "removed"):
        for doc_id in getattr(report, attribute):
            getattr(changes[source_of[doc_id]], attribute).append(doc_id)
    old_keys = {(old_sources[doc_id], p[0]) for doc_id, group in old_passages.items() for p in group}
    new_keys = {(source_of[p[1]], p[0]) for p in passages}
    for source, _ in new_keys - old_keys:
        changes[source].passages_added += 1
    for source, _ in old_keys - new_keys:
        changes[source].passages_removed += 1
    return dict(sorted(changes.items()))
