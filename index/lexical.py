"""Word-level text handling shared by the BM25 index and the query side: one tokenizer for both.

Tokens are lower-cased words of two or more characters, plus figures like "2+2" or "5.5" that name
things in news ("the 2+2 dialogue"); English stop words and question words are dropped; the rest are
Snowball-stemmed. `top_rows` is the BM25 top-k of a query.
"""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

TOKEN_PATTERN = r"(?u)\b\d+(?:[+./:-]\d+)+\b|\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)
QUESTION_WORDS = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does", "do"}
STOPWORDS = sorted(set(bm25s.stopwords.STOPWORDS_EN) | QUESTION_WORDS)
_STOPSET = set(STOPWORDS)


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize_corpus(texts: list[str]) -> bm25s.tokenization.Tokenized:
    """Token ids and vocabulary of many texts, for building a BM25 index."""
    return bm25s.tokenize(
        texts, token_pattern=TOKEN_PATTERN, stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False,
    )


def terms(text: str) -> list[str]:
    """The stemmed content terms of one text, in order."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPSET]
    return stemmer().stemWords(words)


def top_rows(scores: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
    """Rows of the `n` best of bm25s's `get_scores` (one score per row), best first, equal scores by row;
    only rows scoring above zero, and only `allowed` ones (distinct rows) when given.

    The scores are bm25s's own; the top-k is not its `retrieve`'s: that partitions every row's score, mostly
    zeros, which numpy's selection handles badly (p99 ~80 ms at 660k passages). Here only matching rows are
    ranked, and ties get one order (bm25s leaves it to the selection algorithm).
    """
    rows = np.flatnonzero(scores > 0) if allowed is None else allowed[scores[allowed] > 0]
    best = scores[rows]
    if len(rows) > n:
        # Keep what beats the n-th best score, then the rows tied with it, lowest first, up to n.
        cut = np.partition(best, len(best) - n)[len(best) - n]
        above = best > cut
        tied = np.sort(rows[best == cut])[: n - int(above.sum())]
        rows = np.concatenate([rows[above], tied])
        best = scores[rows]
    return rows[np.lexsort((rows, -best))].tolist()
