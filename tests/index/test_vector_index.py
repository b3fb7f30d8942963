"""The FAISS index type is chosen by corpus size, recorded in the generation, and answers the same way."""

import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from index import store
from index.library import Library
from index.search import NOT_COVERED
from tests.conftest import SEEDS, shared_jsonl


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_kind_follows_the_corpus_size() -> None:
    assert store.index_kind(0) == "flat"
    assert store.index_kind(store.FLAT_MAX) == "flat"
    assert store.index_kind(store.FLAT_MAX + 1) == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_both_kinds_reconstruct_and_find_exact_neighbours(kind: str, tmp_path: Path) -> None:
    vectors = _unit(2000)
    index = store.vector_index(vectors, kind)
    faiss.write_index(index, str(tmp_path / "v.faiss"))
    index = faiss.read_index(str(tmp_path / "v.faiss"))
    assert store.vector_kind(index) == kind
    rows = np.array([5, 1999, 0], np.int64)
    assert np.array_equal(index.reconstruct_batch(rows), vectors[rows])
    _, found = index.search(vectors[:50], 1)
    assert (found[:, 0] == np.arange(50)).mean() >= 0.98
    if kind == "hnsw":
        assert index.hnsw.efSearch == store.HNSW_EF_SEARCH  # persisted with the index


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        store.vector_index(_unit(3), "ivf")


def test_hnsw_generation_answers_the_seed_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "FLAT_MAX", 0)
    library = Library(tmp_path / "data", default_sources=[SEEDS])
    searcher = library.searcher()
    assert searcher.store.meta["faiss"] == "hnsw"
    assert store.vector_kind(searcher.store.vectors) == "hnsw"
    for case in shared_jsonl("eval/seed_questions.jsonl"):
        answer = library.ask(case["question"])
        if not case["answerable"]:
            assert (answer.answered, answer.answer) == (False, NOT_COVERED)
            continue
        assert any(case["answer_contains"] in h.quote for h in answer.passages[:3]), case["question"]
    # A source filter over an HNSW index is searched exactly over that source's passages.
    filtered = library.ask("What are the talks about?", sources={"Benzinga"})
    assert filtered.passages and {h.source.publisher for h in filtered.passages} == {"Benzinga"}


def test_one_faiss_thread_holds_only_in_the_calling_thread_and_is_restored() -> None:
    before = faiss.omp_get_max_threads()
    seen: dict[str, int] = {}

    def other() -> None:
        seen["other"] = faiss.omp_get_max_threads()

    with store.one_faiss_thread():
        seen["inside"] = faiss.omp_get_max_threads()
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert seen == {"inside": 1, "other": before}
    assert faiss.omp_get_max_threads() == before
