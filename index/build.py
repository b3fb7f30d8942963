"""Build or update the index from documents: passages, dated events -> embeddings -> a new store generation.

Incremental: a document whose content hash is unchanged keeps its passages, and a passage whose text was
embedded before keeps its vector, so re-indexing an unchanged corpus embeds nothing and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from index.embed import Embedder
from index.events import EventMention, extract_events
from index.passages import MAX_WORDS, Passage, first_holding, make_passages
from index.sources import Document
from index.store import ChangeSet, DocumentState, DocumentUpdate, Engine, NoIndex, Snapshot

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
    engine: Engine, documents: Sequence[Document], embedder: Embedder, *, rebuild: bool = False,
    max_words: int = MAX_WORDS, progress: Progress | None = None,
) -> BuildReport:
    """Index `documents` (the whole corpus: documents not given are removed) into `engine`'s store.

    In named steps: load the previous state, plan (which documents are new, changed or removed; cut the new
    ones into passages), embed what was never embedded, assemble the change and commit it.
    """
    with engine.writer():
        old = None if rebuild else _load_previous(engine, embedder)
        # Date tagging is pure Python and the encoder spends its time in ONNX Runtime without the GIL, so new
        # documents are tagged in this thread during the embedding (about 6% off a build, bench/README.md).
        tagger = ThreadPoolExecutor(1, thread_name_prefix="dates")
        try:
            plan = _plan(documents, old, max_words, progress, tagger)
            if old and plan.unchanged:
                return plan.report
            vectors = _embed(plan, old, embedder, progress)
            changes = _assemble(plan, vectors, {"model": embedder.name, "dim": str(embedder.dim),
                                                "max_words": str(max_words)})
            plan.report.generation = engine.commit(old, changes)
            return plan.report
        finally:
            tagger.shutdown(cancel_futures=True)
            if old:
                old.close()


def _load_previous(engine: Engine, embedder: Embedder) -> Snapshot | None:
    try:
        return engine.open(embedder.name, embedder.dim)
    except NoIndex:
        return None


@dataclass
class _Put:
    """A new or changed document: its passages, and its dated sentences (being tagged in a thread)."""

    document: Document
    passages: list[Passage]
    events: Future[list[EventMention]]


@dataclass
class _Plan:
    report: BuildReport
    put: list[_Put]

    @property
    def unchanged(self) -> bool:
        return not (self.report.added or self.report.changed or self.report.removed)


def _plan(
    documents: Sequence[Document], old: Snapshot | None, max_words: int, progress: Progress | None,
    tagger: ThreadPoolExecutor,
) -> _Plan:
    """What changes against the previous state `old`: documents whose digest is unchanged are kept as
    indexed; the others are cut into passages (their dates tagged by `tagger`); the missing are removed."""
    states = old.document_states() if old else {}
    # With another passage size every document is cut anew; vectors of equal texts are still reused.
    same_cut = old is not None and old.meta.get("max_words") == str(max_words)
    unique = list({doc.id: doc for doc in reversed(documents)}.values())[::-1]  # first of equal ids wins
    report = BuildReport(generation=None, documents=len(unique))
    ids = {doc.id for doc in unique}
    report.removed = sorted(set(states) - ids)
    put: list[_Put] = []
    for doc in unique:
        state = states.get(doc.id)
        if state is None or not same_cut or state.digest != doc.digest:
            (report.changed if state else report.added).append(doc.id)
            passages = make_passages(doc.id, doc.text, max_words)
            put.append(_Put(doc, passages, tagger.submit(extract_events, doc)))
        if progress:
            progress("passages", 1, len(unique))
    dropped = old.passage_ids([*report.changed, *report.removed]) if old else {}
    report.passages = (old.count if old else 0) - sum(map(len, dropped.values())) \
        + sum(len(p.passages) for p in put)
    old_keys = {(states[doc_id].source, pid) for doc_id, pids in dropped.items() for pid in pids}
    new_keys = {(p.document.source, passage.id) for p in put for passage in p.passages}
    report.passages_added = len(new_keys - old_keys)
    report.passages_removed = len(old_keys - new_keys)
    report.sources = _by_source(report, unique, states, new_keys - old_keys, old_keys - new_keys)
    return _Plan(report, put)


def _embed(plan: _Plan, old: Snapshot | None, embedder: Embedder, progress: Progress | None,
           ) -> dict[str, np.ndarray]:
    """The vector of every text of the planned passages, by text hash: reused from `old` where the same
    text was embedded before, else embedded now, once however many passages share it."""
    texts = {p.text_hash: p.text for put in plan.put for p in put.passages}
    reused = old.keys_of_texts(texts) if old else {}
    vectors: dict[str, np.ndarray] = {}
    if reused:
        vectors = dict(zip(reused, old.vectors.get(list(reused.values())), strict=True))
    missing = {h: text for h, text in texts.items() if h not in vectors}
    fresh = embedder.encode(
        list(missing.values()),
        progress=(lambda n: progress("embedding", n, len(missing))) if progress else None,
    )
    vectors.update(zip(missing, fresh, strict=True))
    plan.report.embedded = len(missing)
    return vectors


def _assemble(plan: _Plan, vectors: dict[str, np.ndarray], meta: dict[str, str]) -> ChangeSet:
    """The change set: each planned document with its passages' vectors and its events, each event in the
    passage that holds its sentence."""
    put = []
    for planned in plan.put:
        passages = planned.passages
        starts, ends = [p.start for p in passages], [p.end for p in passages]
        events = []
        for event in planned.events.result():
            holder = first_holding(starts, ends, event.start)
            if holder is not None:
                events.append((event, holder))
        stacked = np.array([vectors[p.text_hash] for p in passages], dtype=np.float32).reshape(
            len(passages), -1)
        put.append(DocumentUpdate(planned.document, passages, stacked, events))
    return ChangeSet(meta, put, frozenset(plan.report.removed))


def _by_source(
    report: BuildReport, documents: list[Document], states: dict[str, DocumentState],
    added: set[tuple[str, str]], removed: set[tuple[str, str]],
) -> dict[str, SourceChanges]:
    """The report's document and passage changes (passages as (source, passage id)), per source name."""
    source_of = {**{doc_id: state.source for doc_id, state in states.items()},
                 **{doc.id: doc.source for doc in documents}}
    changes: defaultdict[str, SourceChanges] = defaultdict(SourceChanges)
    for attribute in ("added", "changed", "removed"):
        for doc_id in getattr(report, attribute):
            getattr(changes[source_of[doc_id]], attribute).append(doc_id)
    for source, _ in added:
        changes[source].passages_added += 1
    for source, _ in removed:
        changes[source].passages_removed += 1
    return dict(sorted(changes.items()))
