"""Word-level text handling shared by the BM25 index and the query side: one tokenizer for both.

Tokens are lower-cased words of two or more characters, plus figures like "2+2" or "5.5" that name
things in news ("the 2+2 dialogue"); English stop words and question words are dropped; the rest are
Snowball-stemmed.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import Stemmer

if TYPE_CHECKING:
    import bm25s


def _bm25s_stopwords() -> tuple[str, ...]:
    """bm25s's English stop words, read from its `stopwords` module file without importing the `bm25s`
    package, whose `__init__` imports scipy and tqdm: only building an index needs those, not a question."""
    package = importlib.util.find_spec("bm25s")
    assert package is not None and package.submodule_search_locations, "bm25s is not installed"
    spec = importlib.util.spec_from_file_location(
        "_bm25s_stopwords", f"{package.submodule_search_locations[0]}/stopwords.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.STOPWORDS_EN)


TOKEN_PATTERN = r"(?u)\b\d+(?:[+./:-]\d+)+\b|\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)
QUESTION_WORDS = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does", "do"}
STOPWORDS = sorted(set(_bm25s_stopwords()) | QUESTION_WORDS)
_STOPSET = set(STOPWORDS)


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize_corpus(texts: list[str]) -> bm25s.tokenization.Tokenized:
    """Token ids and vocabulary of many texts, for building a BM25 index."""
    import bm25s

    return bm25s.tokenize(
        texts, token_pattern=TOKEN_PATTERN, stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False,
    )


def terms(text: str) -> list[str]:
    """The stemmed content terms of one text, in order."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPSET]
    return stemmer().stemWords(words)
