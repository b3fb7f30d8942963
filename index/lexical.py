"""Word-level text handling shared by the BM25 index and the query side: one tokenizer for both.

Tokens are lower-cased words of two or more characters, plus figures like "2+2" or "5.5" that name
things in news ("the 2+2 dialogue"); English stop words and question words are dropped; the rest are
Snowball-stemmed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
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
