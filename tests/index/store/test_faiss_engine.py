"""What is particular to the FAISS engine: the index type chosen by corpus size (flat, HNSW) answering the
same way, filtered HNSW searches, FAISS threads, and its generation folders' pointer and leftovers."""

import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.library import Library
from index.search import NOT_COVERED
from index.store import DamagedIndex, Filter, StoreError
from index.store import faiss_vectors as store
from index.store.faiss_engine import FaissEngine
from index.store.generations import CURRENT, Generations
from tests.conftest import SEEDS, shared_jsonl
from tests.index.store.engine_cases import DAY, DIM, MODEL, changes, corpus


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
    assert searcher.store.vectors.kind == "hnsw"
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


@pytest.mark.parametrize("exact_max", [store.EXACT_FILTERED_MAX, 0])
def test_filtered_hnsw_search_finds_what_flat_search_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact_max: int,
) -> None:
    """Scored exactly over the allowed keys (few of them) or by the graph with a key selector (many)."""
    engines = {}
    for kind, flat_max in (("flat", store.FLAT_MAX), ("hnsw", 0)):
        monkeypatch.setattr(store, "FLAT_MAX", flat_max)
        engines[kind] = FaissEngine(tmp_path / kind)
        with engines[kind].writer():
            engines[kind].commit(None, changes(*corpus()))
    monkeypatch.setattr(store, "EXACT_FILTERED_MAX", exact_max)
    flat, hnsw = (engines[kind].open(MODEL, DIM) for kind in ("flat", "hnsw"))
    assert (flat.vectors.kind, hnsw.vectors.kind) == ("flat", "hnsw")
    where = Filter(published_by=DAY("2024-06-12"), sources={"port", "wire"})
    for query in np.random.default_rng(3).normal(size=(5, DIM)).astype(np.float32):
        expected = flat.vectors.search(query, 3, where)
        found = hnsw.vectors.search(query, 3, where)
        assert list(found) == list(expected)
        assert np.allclose(list(found.values()), list(expected.values()), atol=1e-5)


def test_a_damaged_or_missing_pointer_is_one_clear_line(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    with engine.writer():
        engine.commit(None, changes(*corpus()))
    pointer = tmp_path / CURRENT
    for garbage in (b"\x00\xff\xfe binary \x89PNG\r\n", b"gen-000001/../../etc", b""):
        pointer.write_bytes(garbage)
        with pytest.raises(DamagedIndex, match=r"index pointer .*CURRENT is damaged; run `briefbot index "
                                               r"--rebuild`") as caught:
            engine.open(MODEL, DIM)
        assert "\n" not in str(caught.value)
    pointer.write_text("gen-000042")
    with pytest.raises(StoreError, match="is missing; run `briefbot index --rebuild`"):
        engine.open(MODEL, DIM)
    pointer.write_bytes(b"\x00\xff")
    with engine.writer():  # a rebuild replaces the pointer and every generation it cannot vouch for
        name = engine.commit(None, changes(*corpus()))
    assert engine.current() == name and sorted(p.name for p in tmp_path.glob("gen-*")) == [name]
    assert engine.open(MODEL, DIM).count > 0


def test_an_interrupted_write_leaves_the_previous_generation(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    with engine.writer():
        engine.commit(None, changes(*corpus()))
    generation = Generations(tmp_path).current()
    # A writer killed while writing leaves a .tmp folder; one killed before the swap, a whole orphan.
    (tmp_path / "gen-000002.tmp").mkdir()
    (tmp_path / "gen-000002.tmp" / "vectors.faiss").write_bytes(b"half")
    orphan = tmp_path / "gen-000003"
    orphan.mkdir()
    assert engine.open(MODEL, DIM).name == generation.name
    with engine.writer():
        pass
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-")) == [generation.name]
