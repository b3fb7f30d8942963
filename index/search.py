"""Answer a question with quoted passages: dense + BM25 retrieval, fused, grouped, or an abstention.

Dense search finds paraphrases, BM25 finds names and rare words; reciprocal-rank fusion combines the two
rankings. The cosine similarity of the best passage decides whether the briefings cover the question at
all: below `min_score` the answer is an abstention, never an unrelated quote dressed as an answer.
Passages from different outlets that say the same thing are shown once, "also reported by" the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import faiss
import numpy as np

from index.embed import Embedder
from index.errors import InvalidInput
from index.lexical import terms, top_rows
from index.question_time import question_window
from index.store import DocumentInfo, Store, StoredPassage, one_faiss_thread

NOT_COVERED = "The briefings do not cover this question."
EXACT_FILTERED_MAX = 50_000  # a source filter over at most this many passages is searched exactly


@dataclass(frozen=True)
class SearchSettings:
    k: int = 3
    min_score: float = 0.35  # confidence (see `Searcher.ask`) below which the bot abstains
    unknown_penalty: float = 0.25  # confidence lost when no question term occurs in the briefings
    min_passage_score: float = 0.30  # further passages must reach this too
    duplicate_score: float = 0.90  # cosine above which passages of two outlets count as one report
    candidates: int = 50  # taken from each of dense and BM25 before fusion
    rrf_k: int = 60
    dense_weight: float = 1.5  # weight of the dense ranking in the fusion (BM25's is 1)
    window_weight: float = 1.0  # weight of the rankings within the question's time window, see `ask`
    diverse_documents: bool = True  # one passage per article before a second one of the same article


@dataclass(frozen=True)
class Hit:
    """One quoted passage. `highlight` is the span of the sentence in `quote` that best answers."""

    quote: str
    score: float
    source: DocumentInfo
    passage_id: str
    highlight: tuple[int, int]
    also_reported_by: list[DocumentInfo] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return self.quote[self.highlight[0]:self.highlight[1]]


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str
    passages: list[Hit]
    timings_ms: dict[str, float]

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "passages": [
                {
                    "quote": h.quote,
                    "sentence": h.sentence,
                    "score": round(h.score, 4),
                    "source": source_dict(h.source),
                    "also_reported_by": [source_dict(s) for s in h.also_reported_by],
                }
                for h in self.passages
            ],
        }


def source_dict(doc: DocumentInfo) -> dict:
    data = asdict(doc)
    data.pop("source")
    return data


def citation(doc: DocumentInfo) -> str:
    """Publisher, title and date as one line, for plain-text answers."""
    return ", ".join(part for part in (doc.publisher, f"“{doc.title}”", doc.published) if part)


class Searcher:
    """Retrieval over one store generation. Thread-safe for concurrent reads."""

    def __init__(self, store: Store, embedder: Embedder, settings: SearchSettings | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings or SearchSettings()
        self.bm25 = store.bm25()
        self._source_rows: dict[frozenset[str], np.ndarray] = {}
        self._latest = max((d.published for d in store.documents.values() if d.published), default=None)
        self._published_days: np.ndarray | None = None
        self._text_vectors: dict[str, np.ndarray] = {}

    def source_names(self) -> list[str]:
        return sorted({d.source for d in self.store.documents.values()})

    def ask(
        self, question: str, k: int | None = None, sources: set[str] | None = None, as_of: date | None = None,
    ) -> Answer:
        """The top `k` passages answering `question` asked on `as_of` (default today), optionally only from
        the named sources.

        Articles published after `as_of` are not known then, so never quoted. A question naming a relative
        time ("this week", "on Tuesday", "recently") adds to the fusion a dense and a BM25 ranking of the
        passages published in that window (`index.question_time`): the same words in an older article
        rank below them, but stay candidates.
        """
        question = " ".join(question.split())
        if not question:
            raise InvalidInput("the question is empty")
        k = self.settings.k if k is None else k
        if k < 1:
            raise InvalidInput("k must be at least 1")
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = (now - clock) * 1000
            clock = now

        query, dense, lexical = self._rankings(question, sources, as_of, lap)
        # Cosine similarity alone rates "the weather in Seoul" close to any text about Seoul; a question
        # whose words the briefings never use is less likely covered, so its confidence is lowered.
        question_terms = terms(question)
        unknown = sum(t not in self.bm25.vocab_dict for t in question_terms) / max(1, len(question_terms))
        order = self._order(dense, lexical)
        hits = self._hits(question, query, order, k, self.settings.unknown_penalty * unknown)
        lap("fuse")
        timings["total"] = sum(timings.values())
        if not hits:
            return Answer(question, False, NOT_COVERED, [], timings)
        best = hits[0]
        answer = f"“{best.sentence}” ({citation(best.source)})"
        return Answer(question, True, answer, hits, timings)

    def _rankings(
        self, question: str, sources: set[str] | None, as_of: date | None,
        lap: Callable[[str], None] = lambda stage: None,
    ) -> tuple[np.ndarray, list[dict[int, float]], list[list[int]]]:
        """The query vector, then the dense and the BM25 rankings of `question` over the rows that may
        answer and over its time window (see `ask`); `lap` marks the end of the embed, dense and lexical
        stages."""
        as_of = as_of or date.today()
        allowed = self._allowed(sources, as_of)
        window = self._window_rows(question, as_of, sources)
        query = self.embedder.encode_query(question)
        lap("embed")
        dense = [self._dense(query, rows) for rows in (allowed, window)]
        lap("dense")
        lexical = self._lexical(question, allowed, window)
        lap("lexical")
        return query, dense, lexical

    def _allowed(self, sources: set[str] | None, as_of: date) -> np.ndarray | None:
        """Rows that may answer: of the named sources, published by `as_of`; None for every row."""
        allowed = self._rows_for(sources)
        if self._latest is None or as_of.isoformat() >= self._latest:
            return allowed
        known = self._published() <= as_of.toordinal()  # an undated article (0) is always known
        return _where(known, allowed)

    def _window_rows(self, question: str, as_of: date, sources: set[str] | None) -> np.ndarray:
        """Rows of the named sources published in the time window `question` names
        (`index.question_time`); the window ends by `as_of`."""
        window = question_window(question, as_of)
        if window is None or self.settings.window_weight <= 0:
            return np.empty(0, np.int64)
        published = self._published()
        inside = (published >= window.start.toordinal()) & (published <= window.end.toordinal())
        return _where(inside, self._rows_for(sources))

    def _published(self) -> np.ndarray:
        """Publication day (proleptic ordinal, 0 when unknown) of every row's article, read once."""
        if self._published_days is None:
            days = {d.id: date.fromisoformat(d.published).toordinal() if d.published else 0
                    for d in self.store.documents.values()}
            published = np.zeros(self.store.count, np.int64)
            for row, doc_id in self.store.db.execute("SELECT row, doc_id FROM passages"):
                published[row] = days[doc_id]
            self._published_days = published
        return self._published_days

    def _rows_for(self, sources: set[str] | None) -> np.ndarray | None:
        if not sources:
            return None
        key = frozenset(s.lower() for s in sources)
        if key not in self._source_rows:
            # A name is a registered source or a publisher: only that publisher's articles, not its source's.
            ids = [d.id for d in self.store.documents.values()
                   if d.source.lower() in key or d.publisher.lower() in key]
            marks = ",".join("?" * len(ids))
            query = f"SELECT row FROM passages WHERE doc_id IN ({marks}) ORDER BY row"
            rows = self.store.db.execute(query, ids)
            self._source_rows[key] = np.fromiter((r[0] for r in rows), dtype=np.int64)
        return self._source_rows[key]

    def related(self, text: str, n: int, sources: set[str] | None = None) -> dict[int, float]:
        """Rows of up to `n` dense and `n` BM25 candidates for `text`, each with its cosine similarity."""
        allowed = self._rows_for(sources)
        query = self.embedder.encode_query(text)
        related = self._dense(query, allowed, n)
        extra = [row for row in self._lexical(text, allowed, n=n)[0] if row not in related]
        if extra:
            vectors = self.store.vectors.reconstruct_batch(np.array(extra, np.int64))
            related.update(zip(extra, (float(v @ query) for v in vectors), strict=True))
        return related

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """Vectors of arbitrary texts (event sentences), each embedded once per index generation."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._text_vectors))
        if missing:
            self._text_vectors.update(zip(missing, self.embedder.encode(missing), strict=True))
        vectors = [self._text_vectors[t] for t in texts]
        return np.array(vectors, dtype=np.float32).reshape(-1, self.embedder.dim)

    def _dense(self, query: np.ndarray, allowed: np.ndarray | None, n: int | None = None) -> dict[int, float]:
        n = min(n or self.settings.candidates, self.store.count)
        if n == 0 or (allowed is not None and len(allowed) == 0):
            return {}
        index = self.store.vectors
        params = None
        if allowed is not None and isinstance(index, faiss.IndexHNSW):
            if len(allowed) <= EXACT_FILTERED_MAX:
                # A graph search restricted to a few rows misses most of them: score those rows exactly.
                scores = self.store.vectors.reconstruct_batch(allowed) @ query
                top = np.argsort(-scores, kind="stable")[:n]
                return {int(allowed[i]): float(scores[i]) for i in top}
            params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(allowed),
                                                efSearch=max(index.hnsw.efSearch, 2 * n))
        elif allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        with one_faiss_thread():
            scores, rows = index.search(query[None, :], n, params=params)
        return {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}

    def _lexical(self, question: str, *row_sets: np.ndarray | None, n: int | None = None) -> list[list[int]]:
        """The BM25 top `n` rows of `question` within each of `row_sets` (None: all rows), scored once."""
        n = min(n or self.settings.candidates, self.store.count)
        tokens = self._bm25_tokens(question)
        if n == 0 or not tokens:
            return [[] for _ in row_sets]
        scores = self.bm25.get_scores(tokens)
        return [[] if rows is not None and len(rows) == 0 else top_rows(scores, n, rows) for rows in row_sets]

    def _bm25_tokens(self, question: str) -> list[str]:
        return [t for t in terms(question) if t in self.bm25.vocab_dict]

    def rank(
        self, question: str, n: int, sources: set[str] | None = None, as_of: date | None = None,
    ) -> list[tuple[int, float]]:
        """The fused ranking of `question` as `ask` makes it: up to `n` (row, fusion score), before
        abstention and grouping."""
        _, dense, lexical = self._rankings(" ".join(question.split()), sources, as_of)
        return self._order(dense, lexical)[:n]

    def _order(self, dense: list[dict[int, float]], lexical: list[list[int]]) -> list[tuple[int, float]]:
        """Reciprocal-rank fusion of the dense and BM25 rankings over all allowed rows, then over the
        question's time window (empty when it names none), best first."""
        rrf: dict[int, float] = {}
        scale = (1.0, self.settings.window_weight)
        weighted = [(list(d), self.settings.dense_weight * s) for d, s in zip(dense, scale, strict=True)]
        weighted += [(rows, s) for rows, s in zip(lexical, scale, strict=True)]
        for ranking, weight in weighted:
            for rank, row in enumerate(ranking):
                rrf[row] = rrf.get(row, 0.0) + weight / (self.settings.rrf_k + rank + 1)
        return sorted(rrf.items(), key=lambda item: item[1], reverse=True)

    def _hits(
        self, question: str, query: np.ndarray, fused: list[tuple[int, float]], k: int, penalty: float,
    ) -> list[Hit]:
        order = [row for row, _ in fused]
        if not order:
            return []
        found = self.store.vectors.reconstruct_batch(np.array(order, np.int64))
        vectors = dict(zip(order, found, strict=True))
        by_row = {row: float(vector @ query) for row, vector in vectors.items()}
        if max(by_row.values()) - penalty < self.settings.min_score:
            return []
        keep = [row for row in order if by_row[row] >= self.settings.min_passage_score]
        if self.settings.diverse_documents:
            keep = self._diverse(keep)
        passages = {p.row: p for p in self.store.passages(keep[: 4 * k + 8])}
        chosen: list[tuple[int, StoredPassage, list[DocumentInfo]]] = []
        for row in keep:
            passage = passages.get(row)
            if passage is None:
                continue
            twin = self._twin(passage, vectors[row], chosen, vectors)
            if twin is not None:
                twin[2].append(self.store.documents[passage.doc_id])
                continue
            if len(chosen) < k:
                chosen.append((row, passage, []))
        return [
            Hit(
                quote=p.text,
                score=by_row[row],
                source=self.store.documents[p.doc_id],
                passage_id=p.id,
                highlight=best_sentence(question, p),
                also_reported_by=also,
            )
            for row, p, also in chosen
        ]

    def _diverse(self, rows: list[int]) -> list[int]:
        """`rows` reordered so that each article's n-th passage comes after every article's (n-1)-th,
        keeping the fused order otherwise: five passages of one article do not crowd out the others."""
        if not rows:
            return rows
        marks = ",".join("?" * len(rows))
        owners = dict(self.store.db.execute(f"SELECT row, doc_id FROM passages WHERE row IN ({marks})", rows))
        seen: dict[str, int] = {}
        nth = []
        for row in rows:
            doc = owners.get(row)
            seen[doc] = seen.get(doc, 0) + 1
            nth.append(seen[doc])
        return [row for _, row in sorted(zip(nth, rows, strict=True), key=lambda item: item[0])]

    def _twin(
        self, passage: StoredPassage, vector: np.ndarray, chosen: list, vectors: dict[int, np.ndarray],
    ) -> tuple | None:
        """A chosen passage that says the same as this one, if any: the same words in any article (a story
        republished, even by the same outlet, is one quote), or nearly the same words from another outlet."""
        publisher = self.store.documents[passage.doc_id].publisher
        for entry in chosen:
            if entry[1].text == passage.text:
                return entry
            other = self.store.documents[entry[1].doc_id]
            if other.publisher == publisher or any(d.publisher == publisher for d in entry[2]):
                continue
            if float(vectors[entry[0]] @ vector) >= self.settings.duplicate_score:
                return entry
        return None


def _where(mask: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """The rows where `mask` (one flag per row) is set, only among `rows` (sorted) when given: in row order,
    without sorting a large array as a set intersection would."""
    return np.flatnonzero(mask) if rows is None else rows[mask[rows]]


def best_sentence(question: str, passage: StoredPassage) -> tuple[int, int]:
    """The passage sentence sharing the most stemmed content words with the question (first on ties)."""
    wanted = set(terms(question))

    def overlap(span: tuple[int, int]) -> int:
        return len(wanted & set(terms(passage.text[span[0]:span[1]])))

    return max(passage.sentences, key=overlap) if passage.sentences else (0, len(passage.text))
