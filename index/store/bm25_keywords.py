"""The keyword index of the FAISS engine: BM25 (bm25s) per segment, tokenized by `index.lexical`, scored
with statistics of the whole index.

bm25s stores, per segment, each (term, passage) score as idf(term) x tf-part, with the term's idf over that
segment alone. A term rare in a small new segment but common overall would then outweigh the same term in
the large one, so each term's scores are scaled by (its idf over all segments / its idf in the segment), as
Lucene sums document frequencies over segments: one segment scores exactly as bm25s does. Passages of dead
documents still count in the frequencies until a merge drops them (as in Lucene); they are never returned.
The tf-part keeps its segment's average passage length.

A query is scored once per segment against every passage; each filter then takes its top `n` among the rows
it allows, ranking only the passages that match a query term (see `top_keys`).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.lexical import terms, tokenize_corpus
from index.store.filter_masks import Allowed
from index.store.interface import Filter, idf

BM25 = "bm25"
LOAD_ERRORS = (OSError, ValueError, KeyError, json.JSONDecodeError)


class SegmentKeywords:
    """The bm25s index of one segment: document i is the segment's passage i.

    Read from the files bm25s saves (its score matrix in CSC arrays, its vocabulary and parameters), without
    importing bm25s: it imports scipy and tqdm, which only indexing needs (0.2-0.4 s of an `ask`'s start).
    """

    def __init__(self, folder: Path) -> None:
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") != "lucene" or params.get("idf_method") not in (None, "lucene"):
            raise ValueError(f"unexpected BM25 variant {params.get('method')!r}")
        vocabulary = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        vocabulary.pop("", None)  # bm25s's placeholder for texts without terms: no column, never a query term
        self.vocabulary: dict[str, int] = vocabulary
        self.count: int = int(params["num_docs"])
        arrays = (np.load(folder / f"{name}.csc.index.npy", allow_pickle=False, mmap_mode="r")
                  for name in ("data", "indices", "indptr"))
        self._data, self._indices, self._indptr = arrays
        self.frequency = np.diff(self._indptr)  # passages per term id
        if max(vocabulary.values(), default=-1) >= len(self.frequency) \
                or len(self._data) != len(self._indices):
            raise ValueError("the BM25 arrays do not match its vocabulary")

    @classmethod
    def load(cls, folder: Path) -> SegmentKeywords:
        """The index saved in `folder`; one of `LOAD_ERRORS` if it is damaged."""
        return cls(folder)

    def scores(self, weights: dict[int, float], ids: Sequence[int]) -> np.ndarray:
        """The BM25 score of every passage for the query term ids `ids` (repeated terms count again), each
        term's stored scores multiplied by its weight."""
        if not ids:
            return np.zeros(self.count, np.float32)
        spans = [(self._indptr[i], self._indptr[i + 1], weights[i]) for i in ids]
        rows = np.concatenate([self._indices[start:end] for start, end, _ in spans])
        values = np.concatenate([self._data[start:end] * np.float32(w) for start, end, w in spans])
        return np.bincount(rows, weights=values, minlength=self.count).astype(np.float32)


class Bm25Keywords:
    """`KeywordIndex` over the segments of a snapshot: segment i's row r is key `bases[i] + r`."""

    def __init__(self, segments: Sequence[SegmentKeywords], bases: Sequence[int],
                 allowed: Callable[[Filter | None], list[Allowed | None]]) -> None:
        self.segments = list(segments)
        self.bases = list(bases)
        self.count = sum(s.count for s in self.segments)
        self._allowed = allowed

    def search(self, text: str, n: int, where: Sequence[Filter | None] = (None,)) -> list[list[int]]:
        n = min(n, self.count)
        tokens = self._known(terms(text))
        if n == 0 or not tokens:
            return [[] for _ in where]
        overall = {t: idf(self._frequency(t), self.count) for t in set(tokens)}
        found: list[list[tuple[float, int]]] = [[] for _ in where]
        masks = [self._allowed(condition) for condition in where]
        for i, segment in enumerate(self.segments):
            ids = [segment.vocabulary[t] for t in tokens if t in segment.vocabulary]
            if not ids:
                continue
            weights = {segment.vocabulary[t]: overall[t] / idf(int(segment.frequency[segment.vocabulary[t]]),
                                                               segment.count)
                       for t in set(tokens) if t in segment.vocabulary}
            scores = segment.scores(weights, ids)
            for ranking, allowed in zip(found, masks, strict=True):
                mask = allowed[i].mask if allowed[i] is not None else None
                if mask is not None and not mask.any():
                    continue
                rows = top_keys(scores, n, mask)
                ranking += zip(scores[rows].tolist(), (np.asarray(rows, np.int64) + self.bases[i]).tolist(),
                               strict=True)
        return [[key for _, key in heapq.nsmallest(n, ranking, key=lambda item: (-item[0], item[1]))]
                for ranking in found]

    def rarity(self, terms: Sequence[str]) -> dict[str, float]:
        frequencies = {term: self._frequency(term) for term in terms}
        return {term: float(idf(frequency, self.count))
                for term, frequency in frequencies.items() if frequency}

    def _frequency(self, term: str) -> int:
        """Passages of every segment holding `term` (BM25's document frequency over the whole index)."""
        return sum(int(s.frequency[s.vocabulary[term]]) for s in self.segments if term in s.vocabulary)

    def _known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if any(t in s.vocabulary for s in self.segments)]


def write(folder: Path, texts: list[str]) -> None:
    """Index `texts` (row i = text i) with bm25s (its default "lucene" variant) and save it into `folder`."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(tokenize_corpus(texts), show_progress=False)
    retriever.save(str(folder))


def top_keys(scores: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
    """Rows of the `n` best of `scores` (one score per row), best first, equal scores by row; only rows
    scoring above zero, and only those set in the mask `allowed` when given.

    The top-k is not bm25s's `retrieve`'s: that partitions every row's score, mostly zeros, which numpy's
    selection handles badly (p99 ~80 ms at 660k passages). Here only matching rows are ranked, and ties get
    one order (bm25s leaves it to the selection algorithm).
    """
    keys = np.flatnonzero(scores > 0)
    if allowed is not None:
        keys = keys[allowed[keys]]
    best = scores[keys]
    if len(keys) > n:
        # Keep what beats the n-th best score, then the keys tied with it, lowest first, up to n.
        cut = np.partition(best, len(best) - n)[len(best) - n]
        above = best > cut
        tied = np.sort(keys[best == cut])[: n - int(above.sum())]
        keys = np.concatenate([keys[above], tied])
        best = scores[keys]
    return keys[np.lexsort((keys, -best))].tolist()
