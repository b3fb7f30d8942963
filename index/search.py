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

import numpy as np

from index.embed import Embedder
from index.errors import InvalidInput
from index.lexical import terms
from index.question_time import question_window
from index.store import DocumentInfo, Filter, Snapshot, StoredPassage

NOT_COVERED = "The briefings do not cover this question."


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


@dataclass
class _Chosen:
    """A passage chosen for the answer, with its vector and the articles found to report the same."""

    passage: StoredPassage
    vector: np.ndarray
    also_reported_by: list[DocumentInfo] = field(default_factory=list)


class Searcher:
    """Retrieval over one store snapshot. Thread-safe for concurrent reads."""

    def __init__(self, store: Snapshot, embedder: Embedder, settings: SearchSettings | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings or SearchSettings()
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
        unknown = self.store.keywords.unknown_share(question)
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
        """The query vector, then the dense and the BM25 rankings of `question` over the passages that may
        answer and over its time window (see `ask`; empty rankings when it names none); `lap` marks the end
        of the embed, dense and lexical stages."""
        as_of = as_of or date.today()
        allowed = Filter(published_by=as_of, sources=sources or None)
        window = self._window(question, as_of, sources)
        query = self.embedder.encode_query(question)
        lap("embed")
        n = self.settings.candidates
        dense = [self.store.vectors.search(query, n, allowed),
                 self.store.vectors.search(query, n, window) if window else {}]
        lap("dense")
        lexical = self.store.keywords.search(question, n, [allowed, window] if window else [allowed])
        lap("lexical")
        return query, dense, lexical + [[]] * (2 - len(lexical))

    def _window(self, question: str, as_of: date, sources: set[str] | None) -> Filter | None:
        """Passages of the named sources published in the time window `question` names
        (`index.question_time`; it ends by `as_of`); None when it names none."""
        window = question_window(question, as_of)
        if window is None or self.settings.window_weight <= 0:
            return None
        return Filter(published_between=(window.start, window.end), sources=sources or None)

    def related(self, text: str, n: int, sources: set[str] | None = None) -> dict[int, float]:
        """Keys of up to `n` dense and `n` BM25 candidates for `text`, each with its cosine similarity."""
        allowed = Filter(sources=sources) if sources else None
        query = self.embedder.encode_query(text)
        related = self.store.vectors.search(query, n, allowed)
        extra = [key for key in self.store.keywords.search(text, n, [allowed])[0] if key not in related]
        if extra:
            vectors = self.store.vectors.get(extra)
            related.update(zip(extra, (float(v @ query) for v in vectors), strict=True))
        return related

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """Vectors of arbitrary texts (event sentences), each embedded once per index generation."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._text_vectors))
        if missing:
            self._text_vectors.update(zip(missing, self.embedder.encode(missing), strict=True))
        vectors = [self._text_vectors[t] for t in texts]
        return np.array(vectors, dtype=np.float32).reshape(-1, self.embedder.dim)

    def rank(
        self, question: str, n: int, sources: set[str] | None = None, as_of: date | None = None,
    ) -> list[tuple[int, float]]:
        """The fused ranking of `question` as `ask` makes it: up to `n` (passage key, fusion score), before
        abstention and grouping."""
        _, dense, lexical = self._rankings(" ".join(question.split()), sources, as_of)
        return self._order(dense, lexical)[:n]

    def _order(self, dense: list[dict[int, float]], lexical: list[list[int]]) -> list[tuple[int, float]]:
        """Reciprocal-rank fusion of the dense and BM25 rankings over all allowed passages, then over the
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
        found = self.store.vectors.get(order)
        vectors = dict(zip(order, found, strict=True))
        by_key = {key: float(vector @ query) for key, vector in vectors.items()}
        if max(by_key.values()) - penalty < self.settings.min_score:
            return []
        keep = [key for key in order if by_key[key] >= self.settings.min_passage_score]
        if self.settings.diverse_documents:
            keep = self._diverse(keep)
        passages = {p.key: p for p in self.store.passages(keep[: 4 * k + 8])}
        chosen: list[_Chosen] = []
        for row in keep:
            passage = passages.get(row)
            if passage is None:
                continue
            twin = self._twin(passage, vectors[row], chosen)
            if twin is not None:
                twin.also_reported_by.append(self.store.documents[passage.doc_id])
                continue
            if len(chosen) < k:
                chosen.append(_Chosen(passage, vectors[row]))
        return [
            Hit(
                quote=c.passage.text,
                score=by_key[c.passage.key],
                source=self.store.documents[c.passage.doc_id],
                passage_id=c.passage.id,
                highlight=best_sentence(question, c.passage),
                also_reported_by=c.also_reported_by,
            )
            for c in chosen
        ]

    def _diverse(self, rows: list[int]) -> list[int]:
        """`rows` reordered so that each article's n-th passage comes after every article's (n-1)-th,
        keeping the fused order otherwise: five passages of one article do not crowd out the others."""
        if not rows:
            return rows
        owners = self.store.documents_of(rows)
        seen: dict[str, int] = {}
        nth = []
        for row in rows:
            doc = owners.get(row)
            seen[doc] = seen.get(doc, 0) + 1
            nth.append(seen[doc])
        return [row for _, row in sorted(zip(nth, rows, strict=True), key=lambda item: item[0])]

    def _twin(self, passage: StoredPassage, vector: np.ndarray, chosen: list[_Chosen]) -> _Chosen | None:
        """A chosen passage that says the same as this one, if any: the same words in any article (a story
        republished, even by the same outlet, is one quote), or nearly the same words from another outlet."""
        publisher = self.store.documents[passage.doc_id].publisher
        for entry in chosen:
            if entry.passage.text == passage.text:
                return entry
            other = self.store.documents[entry.passage.doc_id]
            if other.publisher == publisher or any(d.publisher == publisher for d in entry.also_reported_by):
                continue
            if float(entry.vector @ vector) >= self.settings.duplicate_score:
                return entry
        return None


def best_sentence(question: str, passage: StoredPassage) -> tuple[int, int]:
    """The passage sentence sharing the most stemmed content words with the question (first on ties)."""
    wanted = set(terms(question))

    def overlap(span: tuple[int, int]) -> int:
        return len(wanted & set(terms(passage.text[span[0]:span[1]])))

    return max(passage.sentences, key=overlap) if passage.sentences else (0, len(passage.text))
