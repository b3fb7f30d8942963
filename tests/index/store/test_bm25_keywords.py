"""`top_keys` against bm25s's own `retrieve` (plain numpy backend) on a small corpus full of ties."""

import random

import bm25s
import numpy as np
import pytest

from index.lexical import terms, tokenize_corpus
from index.store.bm25_keywords import top_keys

WORDS = ["harbour", "terminal", "cargo", "ships", "Asia", "minister", "budget", "election", "vote", "court",
         "ruling", "storm", "flood", "rescue", "vaccine", "trial", "market", "shares", "bank", "rates"]


@pytest.fixture(scope="module")
def index() -> bm25s.BM25:
    rng = random.Random(5)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(3, 12))) for _ in range(300)]
    texts += texts[:60]  # copies of the same text: equal scores
    retriever = bm25s.BM25()
    retriever.index(tokenize_corpus(texts), show_progress=False)
    return retriever


def plain(
    index: bm25s.BM25, tokens: list[str], n: int, allowed: np.ndarray | None,
) -> list[tuple[int, float]]:
    """(row, score) as `Searcher` took them from bm25s before `top_keys`."""
    mask = None
    if allowed is not None:
        mask = np.zeros(index.scores["num_docs"], dtype=np.float32)
        mask[allowed] = 1
    rows, scores = index.retrieve([tokens], k=n, show_progress=False, n_threads=1, weight_mask=mask)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]


QUERIES = ["harbour", "cargo ships from Asia", "the court ruling on the vote", "storm flood rescue bank",
           "vaccine vaccine trial", "market"]


@pytest.mark.parametrize("question", QUERIES)
@pytest.mark.parametrize("n", [1, 5, 50, 300])
@pytest.mark.parametrize("subset", [False, True])
def test_the_same_top_k_as_bm25s(index: bm25s.BM25, question: str, n: int, subset: bool) -> None:
    allowed = np.arange(0, index.scores["num_docs"], 3) if subset else None
    tokens = [t for t in terms(question) if t in index.vocab_dict]
    expected = plain(index, tokens, n, allowed)
    mask = None
    if allowed is not None:
        mask = np.zeros(index.scores["num_docs"], bool)
        mask[allowed] = True
    rows = top_keys(index.get_scores(tokens), n, mask)
    scores = index.get_scores(tokens)
    got = [(row, float(scores[row])) for row in rows]
    # The same scores in the same order; the same rows, but where bm25s orders equal scores arbitrarily
    # (and picks arbitrary ones among those tied with the last), ours go by row.
    assert [s for _, s in got] == [s for _, s in expected]
    last = expected[-1][1] if len(expected) == n else 0.0
    assert {r for r, s in got if s > last} == {r for r, s in expected if s > last}
    assert got == sorted(got, key=lambda item: (-item[1], item[0]))
    tied = sorted(r for r, s in enumerate(scores) if s == last and (allowed is None or r in set(allowed)))
    assert [r for r, s in got if s == last] == tied[: sum(s == last for _, s in got)]
