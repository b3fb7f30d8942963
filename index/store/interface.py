"""The store interface: what the rest of the core may ask of an index, whatever engine keeps it.

An *engine* (`Engine`) is where an index lives and how it changes: `index.store.faiss_engine` (SQLite +
FAISS + bm25s in generation folders) or `index.store.milvus` (Milvus collections); each also keeps the
source registry's rows (`SourceRows`) beside its index. Readers
get a `Snapshot`: one consistent state, answering until they open the next one. It is the passage store
(documents, passages, dated events, by named queries, never SQL) plus two indexes over the same passages: a
`VectorIndex` (dense) and a `KeywordIndex` (BM25). Writers describe a change (`ChangeSet`: documents put
with their passages, vectors and events, documents removed) and an engine commits it atomically.

Passages are named by *keys*: int64 ids, unique within a snapshot. An engine may keep a passage's key
across changes (an ID-mapped index does) or renumber when it merges (the FAISS engine does); callers never
keep keys from one snapshot to the next, and never read them as positions.

Which passages may answer is a `Filter` value that each engine translates (FAISS: a key selector; Milvus:
a boolean expression), so filters run inside the search, not after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np

from index.errors import UserError
from index.scopes import OPERATOR

if TYPE_CHECKING:
    from index.events import EventMention
    from index.passages import Passage
    from index.sources import Document

REBUILD_HINT = "run `briefbot index --rebuild` to rebuild it from the sources"


class StoreError(UserError):
    """The index cannot be used as it is; the message says why and what to do."""


class NoIndex(StoreError):
    """No index has been built in this data directory yet."""


class DamagedIndex(StoreError):
    """A file of the index is damaged or unreadable; `briefbot index --rebuild` recovers."""


class StoreWriteError(StoreError):
    """A change could not be written (disk full, read-only, ...); the previous state still answers."""


def check_model(meta: Mapping[str, str], model: str, dim: int) -> None:
    """`StoreError` unless a state's `meta` says it was built with `model` (`dim` dimensions): vectors of
    another model are not comparable with the questions' (every engine's `open` checks it)."""
    if meta.get("model") != model or int(meta.get("dim", 0)) != dim:
        built = f"{meta.get('model')} ({meta.get('dim')} dims)"
        raise StoreError(
            f"the index was built with {built} but the bot uses {model} ({dim} dims); {REBUILD_HINT}")


@dataclass(frozen=True)
class DocumentInfo:
    """What a citation shows of a document."""

    id: str
    source: str
    title: str
    publisher: str
    published: str | None  # ISO date, YYYY-MM-DD
    url: str | None
    scope: str = OPERATOR  # whose source the document came from (`index.scopes`)


@dataclass(frozen=True)
class StoredPassage:
    """A passage as stored: its text is the slice [start, end) of its document's clean text."""

    key: int
    id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # sentence spans, as offsets into `text`


@dataclass(frozen=True)
class StoredEvent:
    """A dated sentence (see `index.events`) and the passage that holds it."""

    doc_id: str
    date: str
    granularity: str
    start: int  # the sentence, as offsets into the document's clean text
    end: int
    text: str
    timex: str  # the time expression as written
    key: int  # the passage that holds the sentence


class DocumentState(NamedTuple):
    """What a build needs to know of an indexed document to tell whether it changed."""

    source: str
    digest: str
    scope: str = OPERATOR


@dataclass(frozen=True)
class Filter:
    """Which passages may be returned; every condition given must hold, `None` places no condition.

    - `published_by`: the day a question is asked: articles published later are excluded (undated ones
      are always kept: nothing says they came later).
    - `published_between`: a window of publication days, both ends included (undated articles excluded).
    - `sources`: names matched, case-insensitively, against a document's source name or its publisher
      (a publisher's name selects only that publisher's articles, not its whole source).
    - `scopes`: the scopes whose documents may answer (`index.scopes`: the operator's, a server's). Its
      own condition, ANDed with the others: a source or publisher name never reaches past it.
    """

    published_by: date | None = None
    published_between: tuple[date, date] | None = None
    sources: frozenset[str] | None = None  # any iterable of names; kept in lower case
    scopes: frozenset[str] | None = None  # any iterable of scopes

    def __post_init__(self) -> None:
        if self.sources is not None:
            object.__setattr__(self, "sources", frozenset(s.lower() for s in self.sources))
        if self.scopes is not None:
            object.__setattr__(self, "scopes", frozenset(self.scopes))


@dataclass(frozen=True)
class DocumentUpdate:
    """A document to put in the index (replacing any indexed document with its id), with its passages in
    text order, one vector per passage (same order) and its dated sentences, each with the index in
    `passages` of the passage that holds it."""

    document: Document
    passages: Sequence[Passage]
    vectors: np.ndarray
    events: Sequence[tuple[EventMention, int]] = ()


@dataclass(frozen=True)
class ChangeSet:
    """One atomic change: documents put (new, or new versions) and documents removed, by id.

    `meta` is what the resulting state was built with (model, dim, passage size), kept with it.
    """

    meta: Mapping[str, str]
    put: Sequence[DocumentUpdate] = ()
    removed: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.put and not self.removed


@runtime_checkable
class PassageStore(Protocol):
    """Documents, passages and dated events of one state, by named queries."""

    meta: Mapping[str, str]  # what the state was built with: "model", "dim", "max_words", ...
    count: int  # number of passages
    documents: Mapping[str, DocumentInfo]  # every document's metadata, by id

    def keys(self) -> list[int]:
        """Every passage's key, ascending."""
        ...

    def passages(self, keys: Sequence[int]) -> list[StoredPassage]:
        """Passages by key, in the order asked; unknown keys are left out."""
        ...

    def documents_of(self, keys: Sequence[int]) -> dict[int, str]:
        """The document id of each passage key."""
        ...

    def events(self) -> list[StoredEvent]:
        """Every dated sentence, by date, then document, then position."""
        ...

    def source_documents(self, source: str, scope: str = OPERATOR) -> list[Document]:
        """The indexed documents of the source `source` of `scope`, as they were indexed."""
        ...

    def passage_counts(self) -> dict[tuple[str, str], int]:
        """Number of passages per source, by (scope, source name)."""
        ...

    def document_states(self) -> dict[str, DocumentState]:
        """Source, content digest and scope of every indexed document, by id."""
        ...

    def passage_ids(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        """The passage ids of each of these documents (documents not indexed are left out)."""
        ...

    def keys_of_texts(self, text_hashes: Iterable[str]) -> dict[str, int]:
        """For each text hash (`index.passages.text_hash`) of an indexed passage, the key of one passage with
        that text: its vector can be reused for the same text."""
        ...


@runtime_checkable
class VectorIndex(Protocol):
    """Normalized passage vectors, searched by inner product (cosine)."""

    dim: int

    def search(self, query: np.ndarray, n: int, where: Filter | None = None) -> dict[int, float]:
        """Up to `n` keys nearest to `query` among those `where` allows, best first, with their cosine."""
        ...

    def get(self, keys: Sequence[int]) -> np.ndarray:
        """The vectors of these keys, one row each, in the order asked."""
        ...


@runtime_checkable
class KeywordIndex(Protocol):
    """BM25 over the passages' words."""

    def search(self, text: str, n: int, where: Sequence[Filter | None] = (None,)) -> list[list[int]]:
        """For each filter, the keys of the up to `n` best BM25 matches of `text` among the passages it
        allows, best first (the text is scored once for all filters where the engine can)."""
        ...

    def rarity(self, terms: Sequence[str]) -> dict[str, float]:
        """The inverse document frequency (BM25's) of each of these search terms (`index.lexical.terms`)
        that some passage contains; a term no passage contains is left out."""
        ...


def idf(frequency: np.ndarray | int, count: int) -> np.ndarray | float:
    """BM25's inverse document frequency (bm25s's default "lucene" variant) of a term in `frequency` of
    `count` passages: what `KeywordIndex.rarity` reports, and the weight both engines score a term with."""
    return np.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


@runtime_checkable
class Snapshot(PassageStore, Protocol):
    """One consistent, read-only state of the index; safe for concurrent reads from several threads."""

    name: str  # the state's name (a generation), as `Engine.current` reports it
    vectors: VectorIndex
    keywords: KeywordIndex

    def close(self) -> None:
        ...


@runtime_checkable
class SourceRows(Protocol):
    """The rows of the source registry (`index.registry`): (name, kind, location, added_by, added_at,
    last_indexed, documents, passages, scope). A source is known by its scope and name (`index.scopes`).
    Kept by the engine beside its index, so that every process using one index sees one registry.
    Thread-safe."""

    def rows(self) -> list[tuple]:
        """Every source's row, by scope, then name."""
        ...

    def row(self, scope: str, name: str) -> tuple | None:
        ...

    def insert(self, scope: str, name: str, kind: str, location: str, added_by: str, added_at: str) -> bool:
        """Add a source; False if its scope has a source of that name."""
        ...

    def delete(self, scope: str, name: str) -> None:
        ...

    def record_indexed(self, counts: Mapping[tuple[str, str], tuple[int, int]], when: str) -> None:
        """Set (documents, passages) and the time indexed of each source, by (scope, name)."""
        ...


@runtime_checkable
class Engine(Protocol):
    """Where an index is kept and how it changes."""

    def source_rows(self) -> SourceRows:
        """The source registry kept with this index."""
        ...

    def current(self) -> str | None:
        """The name of the state readers should use (None: no index yet); cheap enough to call per question.
        Raises `DamagedIndex` if it cannot be read."""
        ...

    def open(self, model: str, dim: int) -> Snapshot:
        """The current state for reading. `NoIndex` when there is none; `StoreError` when it is damaged or
        was built with another model than `model` (`dim` dimensions)."""
        ...

    def writer(self) -> AbstractContextManager[None]:
        """Held while a change is prepared and committed: one writer at a time (a second one fails at once
        with `StoreError`); on entry, whatever a writer that died midway left is cleaned up."""
        ...

    def commit(self, base: Snapshot | None, changes: ChangeSet) -> str:
        """Apply `changes` to `base` (None: to an empty index, e.g. a rebuild) and make the result current,
        atomically: a process killed at any point leaves `base` or the result current, never a mix, and
        readers of `base` keep answering from it. Returns the name of the new state. Call it within
        `writer()`. `StoreWriteError` if it cannot be written; `base` is then still current."""
        ...

    def merge(self, base: Snapshot) -> str | None:
        """Reorganize the current state `base` if the engine's policy says it is due (e.g. merge the parts
        that commits added), as a commit of the same content: the name of the new state, or None when
        nothing was due (or `base` is no longer current). Slow when it rebuilds an index, so callers run it
        after the commit that made a change visible. Call it within `writer()`. An engine that reorganizes
        by itself (Milvus compacts its segments) returns None."""
        ...
