"""The keyword index of the FAISS engine: BM25 (bm25s) over the passages, tokenized by `index.lexical`.

A query is scored once against every passage; each filter then takes its top `n` among the keys it
allows, ranking only the passages that match a query term (see `top_keys`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from index.lexical import terms, tokenize_corpus
from index.store.faiss_vectors import KeysOf
from index.store.interface import Filter

BM25 = "bm25"


class Bm25Keywords:
    """`KeywordIndex` over a bm25s index whose document numbers are the passage keys."""

    def __init__(self, retriever: bm25s.BM25, count: int, keys_of: KeysOf) -> None:
        self.retriever = retriever
        self.count = count
        self._keys_of = keys_of

    @classmethod
    def load(cls, folder: Path, count: int, keys_of: KeysOf) -> Bm25Keywords:
        """The index saved in `folder`; `OSError`, `ValueError` or `json.JSONDecodeError` if it is damaged."""
        return cls(bm25s.BM25.load(str(folder)), count, keys_of)

    def search(self, text: str, n: int, where: Sequence[Filter | None] = (None,)) -> list[list[int]]:
        n = min(n, self.count)
        tokens = self._known(terms(text))
        if n == 0 or not tokens:
            return [[] for _ in where]
        scores = self.retriever.get_scores(tokens)
        rankings = []
        for condition in where:
            allowed = self._keys_of(condition)
            rankings.append([] if allowed is not None and len(allowed) == 0 else top_keys(scores, n, allowed))
        return rankings

    def unknown_share(self, text: str) -> float:
        wanted = terms(text)
        return (len(wanted) - len(self._known(wanted))) / max(1, len(wanted))

    def _known(self, tokens: list[str]) -> list[str]:
        vocabulary = self.retriever.vocab_dict
        return [t for t in tokens if t in vocabulary]


def write(folder: Path, texts: list[str]) -> None:
    """Index `texts` (key i = text i) and save the index into `folder`."""
    retriever = bm25s.BM25()
    retriever.index(tokenize_corpus(texts), show_progress=False)
    retriever.save(str(folder))


LOAD_ERRORS = (OSError, ValueError, json.JSONDecodeError)


def top_keys(scores: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
    """Keys of the `n` best of bm25s's `get_scores` (one score per key), best first, equal scores by key;
    only keys scoring above zero, and only `allowed` ones (distinct keys) when given.

    The scores are bm25s's own; the top-k is not its `retrieve`'s: that partitions every key's score, mostly
    zeros, which numpy's selection handles badly (p99 ~80 ms at 660k passages). Here only matching keys are
    ranked, and ties get one order (bm25s leaves it to the selection algorithm).
    """
    keys = np.flatnonzero(scores > 0) if allowed is None else allowed[scores[allowed] > 0]
    best = scores[keys]
    if len(keys) > n:
        # Keep what beats the n-th best score, then the keys tied with it, lowest first, up to n.
        cut = np.partition(best, len(best) - n)[len(best) - n]
        above = best > cut
        tied = np.sort(keys[best == cut])[: n - int(above.sum())]
        keys = np.concatenate([keys[above], tied])
        best = scores[keys]
    return keys[np.lexsort((keys, -best))].tolist()
