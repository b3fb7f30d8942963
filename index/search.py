"""Answer a question with quoted passages: dense + BM25 retrieval, fused, grouped, or an abstention.

Dense search finds paraphrases, BM25 finds names and rare words; reciprocal-rank fusion combines the two
rankings. Passages from different outlets that say the same thing are shown once, "also reported by" the
others. Answer selection (`index.answer`) then picks the sentence that answers among the sentences of the
top passages, puts its passage first, and decides from the evidence whether the briefings cover the
question at all: when they do not, the answer is an abstention, never an unrelated quote dressed as one.
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from index import answer as selection
from index.embed import Embedder
from index.errors import InvalidInput
from index.lexical import terms
from index.question_time import Window, question_window
from index.sources import is_untitled
from index.store import DocumentInfo, Filter, Snapshot, StoredPassage

NOT_COVERED = "The briefings do not cover this question."


@dataclass(frozen=True)
class SearchSettings:
    k: int = 3
    min_score: float = selection.Confidence.threshold  # confidence below which the bot abstains
    unknown_penalty: float = selection.Confidence.unknown  # lost with the share of unseen question terms
    min_passage_score: float = 0.30  # further passages must reach this cosine
    duplicate_score: float = 0.90  # cosine above which passages of two outlets count as one report
    candidates: int = 50  # taken from each of dense and BM25 before fusion
    rrf_k: int = 60
    dense_weight: float = 1.5  # weight of the dense ranking in the fusion (BM25's is 1)
    window_weight: float = 1.0  # weight of the rankings within the question's time window, see `ask`
    diverse_documents: bool = True  # one passage per article before a second one of the same article
    answer_passages: int = 5  # the answering sentence is looked for in this many top passages
    # ... and in this many further passages of each of the first `further_articles` articles, the next ones
    # of the fused order: the passage about the story often lacks the name asked for, which the article
    # gives in another passage.
    further_passages: int = 2
    further_articles: int = 2
    passage_margin: float = 0.3  # passages this far below the best cosine are not shown
    weights: selection.Weights = field(default_factory=selection.Weights)
    confidence: selection.Confidence = field(default_factory=selection.Confidence)

    def confidence_weights(self) -> selection.Confidence:
        """`confidence` with its threshold and unknown-term weight as configured (`min_score`, ...)."""
        return dataclasses.replace(self.confidence, threshold=self.min_score, unknown=self.unknown_penalty)


@dataclass(frozen=True)
class Hit:
    """One quoted passage. `highlight` is the span of the sentence in `quote` that best answers; `sentences`
    are the spans of all its sentences."""

    quote: str
    score: float
    source: DocumentInfo
    passage_id: str
    highlight: tuple[int, int]
    also_reported_by: list[DocumentInfo] = field(default_factory=list)
    sentences: tuple[tuple[int, int], ...] = ()

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
    evidence: selection.Evidence | None = None  # what the decision to answer weighed (None: nothing found)

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
    """A citation as JSON: what the article is, not which registered source (or scope) holds it."""
    data = asdict(doc)
    data.pop("source")
    data.pop("scope")
    return data


def citation(doc: DocumentInfo) -> str:
    """Publisher, title and date as one line, for plain-text answers; the stand-in title of an untitled
    article (its file name, marked) is not quoted as a headline."""
    title = doc.title if is_untitled(doc.title) else f"“{doc.title}”"
    return ", ".join(part for part in (doc.publisher, title, doc.published) if part)


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
        self._days: dict[frozenset[str] | None, list[date]] = {}

    def source_names(self) -> list[str]:
        return sorted({d.source for d in self.store.documents.values()})

    def ask(
        self, question: str, k: int | None = None, sources: set[str] | None = None, as_of: date | None = None,
        scopes: Collection[str] | None = None,
    ) -> Answer:
        """The top `k` passages answering `question` asked on `as_of` (default today), optionally only from
        the named sources, and only ever from the sources of `scopes` (None: every scope; see
        `index.scopes`).

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

        query, dense, lexical, window = self._rankings(question, sources, as_of, scopes, lap)
        fused = self._order(dense, lexical)
        chosen, by_key = self._chosen(query, fused, k)
        lap("fuse")
        hits, evidence = self._select(question, query, chosen, by_key, fused, dense, lexical, as_of, window,
                                      self._latest(as_of, scopes))
        lap("select")
        timings["total"] = sum(timings.values())
        if not hits or evidence is None or not self.settings.confidence_weights().answers(evidence):
            return Answer(question, False, NOT_COVERED, [], timings, evidence)
        best = hits[0]
        answer = f"“{best.sentence}” ({citation(best.source)})"
        return Answer(question, True, answer, hits, timings, evidence)

    def _rankings(
        self, question: str, sources: set[str] | None, as_of: date | None, scopes: Collection[str] | None,
        lap: Callable[[str], None] = lambda stage: None,
    ) -> tuple[np.ndarray, list[dict[int, float]], list[list[int]], Window | None]:
        """The query vector, then the dense and the BM25 rankings of `question` over the passages that may
        answer and over its time window (see `ask`; empty rankings when it names none), and that window;
        `lap` marks the end of the embed, dense and lexical stages."""
        as_of = as_of or date.today()
        allowed = Filter(published_by=as_of, sources=sources or None, scopes=scopes)
        named = question_window(question, as_of) if self.settings.window_weight > 0 else None
        window = None if named is None else Filter(published_between=(named.start, named.end),
                                                   sources=sources or None, scopes=scopes)
        query = self.embedder.encode_query(question)
        lap("embed")
        n = self.settings.candidates
        dense = [self.store.vectors.search(query, n, allowed),
                 self.store.vectors.search(query, n, window) if window else {}]
        lap("dense")
        lexical = self.store.keywords.search(question, n, [allowed, window] if window else [allowed])
        lap("lexical")
        return query, dense, lexical + [[]] * (2 - len(lexical)), named

    def related(self, text: str, n: int, sources: set[str] | None = None,
                scopes: Collection[str] | None = None) -> dict[int, float]:
        """Keys of up to `n` dense and `n` BM25 candidates for `text` among the passages of `sources` and
        `scopes` (None: all), each with its cosine similarity."""
        allowed = Filter(sources=sources, scopes=scopes) if sources or scopes is not None else None
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
        scopes: Collection[str] | None = None,
    ) -> list[tuple[int, float]]:
        """The fused ranking of `question` as `ask` makes it: up to `n` (passage key, fusion score), before
        abstention and grouping."""
        _, dense, lexical, _ = self._rankings(" ".join(question.split()), sources, as_of, scopes)
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

    def _chosen(self, query: np.ndarray, fused: list[tuple[int, float]], k: int,
                ) -> tuple[list[_Chosen], dict[int, float]]:
        """The top `k` passages of the fused order, the passages that say the same folded into them, with
        every candidate's cosine to the question."""
        order = [key for key, _ in fused]
        if not order:
            return [], {}
        vectors = dict(zip(order, self.store.vectors.get(order), strict=True))
        by_key = {key: float(vector @ query) for key, vector in vectors.items()}
        # The best passage stays a candidate however low its cosine: the evidence decides (`ask`).
        keep = order[:1] + [key for key in order[1:] if by_key[key] >= self.settings.min_passage_score]
        if self.settings.diverse_documents:
            keep = self._diverse(keep)
        passages = {p.key: p for p in self.store.passages(keep[: 4 * k + 8])}
        chosen: list[_Chosen] = []
        for key in keep:
            passage = passages.get(key)
            if passage is None:
                continue
            twin = self._twin(passage, vectors[key], chosen)
            if twin is not None:
                twin.also_reported_by.append(self.store.documents[passage.doc_id])
                continue
            if len(chosen) < k:
                chosen.append(_Chosen(passage, vectors[key]))
        return chosen, by_key

    def _select(
        self, question: str, query: np.ndarray, chosen: list[_Chosen], by_key: dict[int, float],
        fused: list[tuple[int, float]], dense: list[dict[int, float]], lexical: list[list[int]],
        as_of: date | None, window: Window | None, latest: date | None = None,
    ) -> tuple[list[Hit], selection.Evidence | None]:
        """Hits with their answering sentences, the passage of the best one first (a further passage of a
        chosen article in place of its article's, when it holds the best) and passages far below the best
        dropped, and the evidence for the answer (`index.answer`; `latest`: see `_latest`)."""
        if not chosen:
            return [], None
        weights = self.settings.weights
        rarity = self.store.keywords.rarity(selection.content_terms(question))
        owners = self.store.documents_of([key for key, _ in fused])  # read by further passages and evidence
        passages, found, top = self._answer_candidates(question, chosen, by_key, fused, owners, as_of, window,
                                                       rarity)
        short = selection.shortlist(top, weights)
        if short and weights.dense:
            vectors = self.encode_cached([c.text for c in short])
            dense_of = {(c.passage, c.span): float(v @ query) for c, v in zip(short, vectors, strict=True)}
            found, top = selection.with_dense(found, dense_of), selection.with_dense(top, dense_of)
        short_time = window is not None and selection.short_window(window.start, window.end)
        top = selection.read_entities(top, question, weights, timely_first=short_time)
        best = selection.best(top, weights, timely_first=short_time)
        hits = []
        for number, c in enumerate(chosen):
            pick = best if best is not None and best.passage == number else \
                selection.best_in_passage(found, number, weights)
            hits.append(Hit(c.passage.text, by_key[c.passage.key], self.store.documents[c.passage.doc_id],
                            c.passage.id, pick.span if pick is not None else (0, 0), c.also_reported_by,
                            c.passage.sentences))
        if best is None:
            return hits, None
        if best.passage < len(chosen):
            hits.insert(0, hits.pop(best.passage))
        else:  # in place of its article's chosen passage: the articles quoted stay the same
            further = passages[best.passage]
            mine = next(i for i, c in enumerate(chosen) if c.passage.doc_id == further.doc_id)
            hits.pop(mine)
            hits.insert(0, Hit(further.text, by_key[further.key], self.store.documents[further.doc_id],
                               further.id, best.span, chosen[mine].also_reported_by, further.sentences))
        # Passages far below the best are not shown, unless published in the time the question names.
        floor = max(h.score for h in hits) - self.settings.passage_margin
        hits = hits[:1] + [h for h in hits[1:] if h.score >= floor
                           or (window is not None and _within(h.source.published, window))]
        key = passages[best.passage].key
        evidence = selection.Evidence(
            coverage=selection.question_coverage(question, set(terms(hits[0].quote)), rarity),
            unknown=selection.unknown_share(question, rarity),
            sentence=best.score(weights), passage=by_key[key],
            agreement=selection.agreement(_rank(dense, key), _rank(lexical, key)),
            form=best.form, dense=best.dense if best.dense is not None else by_key[key],
            timely=float(_within(hits[0].source.published, window)), short=float(short_time),
            age=selection.staleness(hits[0].source.published, latest),
            no_person=float(selection.question_form(question) is selection.Form.PERSON
                            and not selection.names_person(best.text, question)),
            **self._article_evidence(question, passages[best.passage], owners))
        return hits, evidence

    def _article_evidence(self, question: str, answering: StoredPassage, owners: dict[int, str],
                          ) -> dict[str, float]:
        """`index.answer.missing_figures` and `missing_names` over the answering article as retrieval found
        it: the answering passage and the other passages of its article among the candidates (`owners`: the
        article of each). A figure or a name may be written in another paragraph of the same report than the
        one that answers."""
        if not selection.figures(question) and not selection.names(question):
            return {}
        same = [key for key, doc in owners.items() if doc == answering.doc_id and key != answering.key]
        article = "\n".join([answering.text, *(p.text for p in self.store.passages(same))])
        return {"missing_figures": selection.missing_figures(question, article),
                "missing_names": selection.missing_names(question, article)}

    def _latest(self, as_of: date | None, scopes: Collection[str] | None) -> date | None:
        """The publication day of the newest article of `scopes` (None: all) published by `as_of` (default
        today): the briefings' latest news on the day a question is asked (`index.answer.staleness`). The
        days are sorted once per scope set and snapshot."""
        key = None if scopes is None else frozenset(scopes)
        days = self._days.get(key)
        if days is None:
            dated = (selection.publication_day(d.published) for d in self.store.documents.values()
                     if key is None or d.scope in key)
            days = self._days[key] = sorted({day for day in dated if day is not None})
        before = bisect.bisect_right(days, as_of or date.today())
        return days[before - 1] if before else None

    def _answer_candidates(
        self, question: str, chosen: list[_Chosen], by_key: dict[int, float], fused: list[tuple[int, float]],
        owners: dict[int, str], as_of: date | None, window: Window | None, rarity: dict[str, float],
    ) -> tuple[list[StoredPassage], list[selection.Candidate], list[selection.Candidate]]:
        """The passages answer selection reads (the chosen ones, then the further passages of the first
        chosen articles, see `SearchSettings.further_passages`), the candidate sentences of them all with
        their cheap signals, and the candidates the answer is chosen from (those of the first
        `answer_passages` chosen passages and of the further ones)."""
        passages = [c.passage for c in chosen] + self._further(chosen, fused, owners)
        texts = []
        for number, p in enumerate(passages):
            doc = self.store.documents[p.doc_id]
            rank = None
            if number >= len(chosen):  # ranked behind its article's chosen passage
                rank = next(i for i, c in enumerate(chosen) if c.passage.doc_id == p.doc_id) + \
                    self.settings.weights.further
            texts.append(selection.PassageText(p.text, p.sentences, by_key[p.key], doc.title,
                                               _within(doc.published, window), rank))
        found = selection.candidates(question, texts, rarity, as_of)
        top = [c for c in found if c.passage < self.settings.answer_passages or c.passage >= len(chosen)]
        return passages, found, top

    def _further(self, chosen: list[_Chosen], fused: list[tuple[int, float]], owners: dict[int, str],
                 ) -> list[StoredPassage]:
        """Up to `further_passages` passages of each of the first `further_articles` chosen articles that
        were not chosen, in the fused order (`owners`: the article of each fused passage)."""
        articles = {c.passage.doc_id for c in chosen[: self.settings.further_articles]}
        if not articles or not self.settings.further_passages:
            return []
        taken = {c.passage.key for c in chosen}
        rest = [key for key, _ in fused if key not in taken]
        count: dict[str, int] = {}
        keys = []
        for key in rest:
            doc = owners.get(key)
            if doc in articles and count.get(doc, 0) < self.settings.further_passages:
                count[doc] = count.get(doc, 0) + 1
                keys.append(key)
        return self.store.passages(keys)

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


def _within(published: str | None, window: Window | None) -> bool:
    """Whether an article published on `published` (undated: yes) is in the question's time window (none:
    yes)."""
    return window is None or not published or \
        window.start.isoformat() <= published[:10] <= window.end.isoformat()


def _rank(rankings: list, key: int) -> int | None:
    """The best place of `key` in any of `rankings` (dicts of scores in order, or lists of keys)."""
    places = [list(r).index(key) for r in rankings if key in r]
    return min(places) if places else None
