"""Build or update the index from documents: passages, dated events -> embeddings -> a new store generation.

Incremental: a document whose content hash is unchanged keeps its passages, and a passage whose text was
embedded before keeps its vector, so re-indexing an unchanged corpus embeds nothing and writes nothing.

Isolated (`index.isolation`): a document that one stage fails on (cutting, dating, embedding) is skipped with
the reason in the report, and the build goes on without it; one that was indexed before keeps its indexed
version.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from index.embed import Embedder
from index.events import EventMention, extract_events
from index.isolation import Skipped, attempt
from index.passages import MAX_WORDS, Passage, first_holding, make_passages
from index.scopes import OPERATOR, source_key
from index.sources import Document
from index.store import ChangeSet, DocumentState, DocumentUpdate, Engine, NoIndex, Snapshot

# progress(stage, advance, total): `advance` more of the `total` things a stage counts, which its name says
# (DOCUMENTS, EMBEDDED). A stage of total 0 is a step without a count, begun with advance 0 and ended with
# advance 1 (index.embed.PREPARING).
Progress = Callable[[str, int, int], None]
DOCUMENTS = "documents"
EMBEDDED = "passages embedded"


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
    sources: dict[str, SourceChanges] = field(default_factory=dict)  # by source key; only those that changed
    skipped: list[Skipped] = field(default_factory=list)  # documents a stage failed on, left as they were
    # servers whose sources would have grown past the passage cap: the passages they would have held (their
    # changes were left out)
    over_cap: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "generation": self.generation, "documents": self.documents, "passages": self.passages,
            "documents_added": len(self.added), "documents_changed": len(self.changed),
            "documents_removed": len(self.removed), "passages_added": self.passages_added,
            "passages_removed": self.passages_removed, "embedded": self.embedded,
            "sources": {name: vars(changes) for name, changes in self.sources.items()},
            "skipped": len(self.skipped), "skipped_documents": [s.as_dict() for s in self.skipped],
            "over_cap": self.over_cap,
        }


def build(
    engine: Engine, documents: Sequence[Document], embedder: Embedder, *, rebuild: bool = False,
    max_words: int = MAX_WORDS, progress: Progress | None = None, kept: Collection[str] = (),
    passage_cap: int | None = None,
) -> BuildReport:
    """Index `documents` (the whole corpus: documents not given are removed) into `engine`'s store.

    `kept`: keys (`index.scopes.source_key`) of sources that were not read again (unchanged,
    `index.read_cache`, or not chosen): their indexed documents are kept as they are without being given,
    at no cost.

    `passage_cap`: the most passages a server's sources may hold (`index.scopes`; the operator's have no
    cap). The changes of a server whose passages they would grow past it are left out, before anything is
    embedded (`BuildReport.over_cap`); a change that shrinks a server always goes through.

    In named steps: load the previous state, plan (which documents are new, changed or removed; cut the new
    ones into passages), embed what was never embedded, assemble the change and commit it.
    """
    with engine.writer():
        old = None if rebuild else _load_previous(engine, embedder)
        # Date tagging is pure Python and the encoder spends its time in ONNX Runtime without the GIL, so new
        # documents are tagged in this thread during the embedding (about 6% off a build, bench/README.md).
        tagger = ThreadPoolExecutor(1, thread_name_prefix="dates")
        try:
            plan = _plan(documents, old, max_words, progress, tagger, kept)
            _cap(plan, passage_cap)
            if old and plan.unchanged:
                return plan.report
            vectors = _embed(plan, old, embedder, progress)
            _settle(plan)
            if old and plan.unchanged:
                return plan.report
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
    events: Future[list[EventMention] | Skipped]


@dataclass
class _Plan:
    report: BuildReport
    put: list[_Put]
    old: Snapshot | None
    states: dict[str, DocumentState]
    documents: list[Document]  # every document of the build, each id once
    kept: set[str] = field(default_factory=set)  # indexed documents kept without being given

    @property
    def unchanged(self) -> bool:
        return not (self.report.added or self.report.changed or self.report.removed)

    def skip(self, failures: list[Skipped]) -> None:
        """Leave the documents of `failures` out (as indexed before, if they were) and count again."""
        if not failures:
            return
        ids = {s.where for s in failures}
        self.report.skipped.extend(failures)
        self.put = [p for p in self.put if p.document.id not in ids]
        self.report.added = [i for i in self.report.added if i not in ids]
        self.report.changed = [i for i in self.report.changed if i not in ids]
        _count(self)


def _plan(
    documents: Sequence[Document], old: Snapshot | None, max_words: int, progress: Progress | None,
    tagger: ThreadPoolExecutor, kept: Collection[str] = (),
) -> _Plan:
    """What changes against the previous state `old`: documents whose digest is unchanged are kept as
    indexed; the others are cut into passages (their dates tagged by `tagger`); the missing are removed."""
    states = old.document_states() if old else {}
    # With another passage size every document is cut anew; vectors of equal texts are still reused.
    same_cut = old is not None and old.meta.get("max_words") == str(max_words)
    unique = list({doc.id: doc for doc in reversed(documents)}.values())[::-1]  # first of equal ids wins
    ids = {doc.id for doc in unique}
    kept_sources = set(kept)
    plan = _Plan(BuildReport(generation=None), [], old, states, unique,
                 {doc_id for doc_id, state in states.items()
                  if source_key(state.scope, state.source) in kept_sources} - ids)
    report = plan.report
    report.removed = sorted(set(states) - ids - plan.kept)
    for doc in unique:
        state = states.get(doc.id)

        def cut(doc: Document = doc, state: DocumentState | None = state) -> list[Passage] | None:
            """The passages of a new or changed document, None for one indexed as it is."""
            if state is None or not same_cut or state.digest != doc.digest:
                return make_passages(doc.id, doc.text, max_words)
            return None

        passages = attempt(doc.id, "passages", cut)
        if isinstance(passages, Skipped):
            report.skipped.append(passages)
        elif passages is not None:
            (report.changed if state else report.added).append(doc.id)
            dates = tagger.submit(attempt, doc.id, "dates", lambda doc=doc: extract_events(doc))
            plan.put.append(_Put(doc, passages, dates))
        if progress:
            progress(DOCUMENTS, 1, len(unique))
    _count(plan)
    return plan


def _cap(plan: _Plan, cap: int | None) -> None:
    """Leave out the changes of each server scope that they would grow past `cap` passages."""
    if cap is None:
        return
    report, states = plan.report, plan.states
    before: Counter[str] = Counter()
    if plan.old is not None:
        for (scope, _), count in plan.old.passage_counts().items():
            before[scope] += count
    after = Counter({scope: count for scope, count in before.items() if scope != OPERATOR})
    replaced = [doc_id for doc_id in [*report.changed, *report.removed] if states[doc_id].scope != OPERATOR]
    if plan.old is not None:
        for doc_id, ids in plan.old.passage_ids(replaced).items():
            after[states[doc_id].scope] -= len(ids)
    for put in plan.put:
        if put.document.scope != OPERATOR:
            after[put.document.scope] += len(put.passages)
    over = {scope: count for scope, count in after.items() if count > cap and count > before[scope]}
    if not over:
        return
    report.over_cap = over
    left_out = {put.document.id for put in plan.put if put.document.scope in over}
    kept = {doc_id for doc_id in report.removed if states[doc_id].scope in over}
    plan.put = [put for put in plan.put if put.document.id not in left_out]
    plan.documents = [doc for doc in plan.documents if doc.id not in left_out or doc.id in states]
    report.added = [doc_id for doc_id in report.added if doc_id not in left_out]
    report.changed = [doc_id for doc_id in report.changed if doc_id not in left_out]
    report.removed = [doc_id for doc_id in report.removed if doc_id not in kept]
    plan.kept |= kept
    _count(plan)


def _count(plan: _Plan) -> None:
    """The report's totals and per-source changes, from what the plan puts and removes."""
    report, old, states = plan.report, plan.old, plan.states
    failed = {s.where for s in report.skipped}
    # a document skipped now keeps the version indexed before, if any; one never indexed is not counted
    report.documents = sum(1 for doc in plan.documents if doc.id not in failed or doc.id in states) \
        + len(plan.kept)
    dropped = old.passage_ids([*report.changed, *report.removed]) if old else {}
    report.passages = (old.count if old else 0) - sum(map(len, dropped.values())) \
        + sum(len(p.passages) for p in plan.put)
    old_keys = {(source_key(states[doc_id].scope, states[doc_id].source), pid)
                for doc_id, pids in dropped.items() for pid in pids}
    new_keys = {(source_key(p.document.scope, p.document.source), passage.id)
                for p in plan.put for passage in p.passages}
    report.passages_added = len(new_keys - old_keys)
    report.passages_removed = len(old_keys - new_keys)
    report.sources = _by_source(report, plan.documents, states, new_keys - old_keys, old_keys - new_keys)


def _settle(plan: _Plan) -> None:
    """Wait for the dates of every planned document; leave out those the tagger failed on."""
    plan.skip([dated for put in plan.put if isinstance(dated := put.events.result(), Skipped)])


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
    if missing:
        embedder.prepare(progress)
    try:
        fresh = embedder.encode(
            list(missing.values()),
            progress=(lambda n: progress(EMBEDDED, n, len(missing))) if progress else None,
        )
    except Exception as exc:
        _embed_each(plan, missing, vectors, embedder, exc)  # find the documents the encoder fails on
    else:
        vectors.update(zip(missing, fresh, strict=True))
    plan.report.embedded = sum(1 for h in missing if h in vectors)
    return vectors


def _embed_each(plan: _Plan, missing: dict[str, str], vectors: dict[str, np.ndarray], embedder: Embedder,
                error: Exception) -> None:
    """Embed document by document after the encoder failed on the whole: the documents it still fails on
    are skipped; if it fails on every one, the failure is not the documents' and `error` is raised."""
    failures: list[Skipped] = []
    for put in plan.put:
        todo = {p.text_hash: missing[p.text_hash] for p in put.passages
                if p.text_hash in missing and p.text_hash not in vectors}
        fresh = attempt(put.document.id, "embedding", lambda todo=todo: embedder.encode(list(todo.values())))
        if isinstance(fresh, Skipped):
            failures.append(fresh)
        else:
            vectors.update(zip(todo, fresh, strict=True))
    if failures and len(failures) == len(plan.put):
        raise error
    plan.skip(failures)


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
    """The report's document and passage changes (passages as (source key, passage id)), per source key
    (`index.scopes.source_key`)."""
    source_of = {**{doc_id: source_key(state.scope, state.source) for doc_id, state in states.items()},
                 **{doc.id: source_key(doc.scope, doc.source) for doc in documents}}
    changes: defaultdict[str, SourceChanges] = defaultdict(SourceChanges)
    for attribute in ("added", "changed", "removed"):
        for doc_id in getattr(report, attribute):
            getattr(changes[source_of[doc_id]], attribute).append(doc_id)
    for source, _ in added:
        changes[source].passages_added += 1
    for source, _ in removed:
        changes[source].passages_removed += 1
    return dict(sorted(changes.items()))
