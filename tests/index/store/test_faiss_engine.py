"""What is particular to the FAISS engine: the index type chosen by corpus size (flat, HNSW) answering the
same way, filtered HNSW searches, FAISS threads, and its generation folders' pointer and leftovers."""

import sqlite3
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.library import Library
from index.search import NOT_COVERED
from index.store import DamagedIndex, Filter, StoreError, sqlite_passages
from index.store import faiss_vectors as store
from index.store.faiss_engine import FaissEngine
from index.store.generations import CURRENT, Generations
from index.store.sqlite_passages import DB, SegmentRows
from tests.helpers import SEEDS, shared_jsonl
from tests.index.store.engine_cases import (
    DAY,
    DIM,
    MODEL,
    SERVER_A,
    SERVER_B,
    changes,
    corpus,
    document,
    scoped_corpus,
    update,
)


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


@pytest.mark.parametrize("exact_share", [1.1, 0.0])
def test_filtered_hnsw_search_finds_what_flat_search_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact_share: float,
) -> None:
    """Scored exactly over the allowed rows (a small share) or by the graph with a row selector (many)."""
    engines = {}
    for kind, flat_max in (("flat", store.FLAT_MAX), ("hnsw", 0)):
        monkeypatch.setattr(store, "FLAT_MAX", flat_max)
        engines[kind] = FaissEngine(tmp_path / kind)
        with engines[kind].writer():
            engines[kind].commit(None, changes(*corpus()))
    monkeypatch.setattr(store, "EXACT_FILTERED_SHARE", exact_share)
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


# --- Incremental commits, dead documents, merges ---


def _segment_files(folder: Path) -> dict[str, int]:
    """Each segment file of a generation, by name, with its inode."""
    return {str(p.relative_to(folder)): p.stat().st_ino for p in folder.glob("seg-*/**/*") if p.is_file()}


def _content(snapshot) -> dict[str, tuple]:
    """Everything a reader sees of each document: metadata, passages with their vectors, events."""
    passages = snapshot.passages(snapshot.keys())
    keys = [p.key for p in passages]
    vectors = dict(zip(keys, snapshot.vectors.get(keys), strict=True))
    return {doc_id: (info, [(p.id, p.text, p.sentences, tuple(np.round(vectors[p.key], 5)))
                            for p in passages if p.doc_id == doc_id],
                     [(e.date, e.text, e.timex) for e in snapshot.events() if e.doc_id == doc_id])
            for doc_id, info in snapshot.documents.items()}


def test_a_commit_writes_what_it_changes_and_links_the_rest(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    updates = corpus()
    with engine.writer():
        engine.commit(None, changes(*updates[:3]))
    first = engine.open(MODEL, DIM)
    linked = _segment_files(first.folder)
    with engine.writer():
        engine.commit(first, changes(updates[3]))
    second = engine.open(MODEL, DIM)
    files = _segment_files(second.folder)
    assert {name: files[name] for name in linked} == linked  # the same files, not copies
    assert [s.count for s in second.segments] == [first.count, len(updates[3].passages)]
    assert second.segments[0] is first.segments[0]  # loaded once per process
    with engine.writer():  # a removal writes no segment at all
        engine.commit(second, changes(removed=("budget",)))
    third = engine.open(MODEL, DIM)
    assert _segment_files(third.folder) == files and "budget" not in third.documents
    assert third.state.parts[0].dead == ["budget"]


def test_dead_documents_are_never_returned(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    updates = corpus()
    with engine.writer():
        engine.commit(None, changes(*updates))
    before = engine.open(MODEL, DIM)
    text = "The harbour terminal closed after a fire. Cargo ships left."
    revised = update(document("harbour", text), seed=5)
    with engine.writer():
        engine.commit(before, changes(revised, removed=("budget",)))
    after = engine.open(MODEL, DIM)
    assert sorted(after.documents) == ["archive", "harbour", "storm"]
    assert after.count == sum(len(u.passages) for u in (revised, updates[2], updates[3]))
    assert sorted(after.documents_of(after.keys()).values()) == sorted(
        ["harbour"] * len(revised.passages) + ["storm"] * len(updates[2].passages)
        + ["archive"] * len(updates[3].passages))
    owners = before.documents_of(before.keys())
    dead_keys = [k for k, doc_id in owners.items() if doc_id in ("budget", "harbour")]
    assert after.passages(dead_keys) == [] and after.documents_of(dead_keys) == {}
    for where in (None, Filter(sources={"wire"}), Filter(published_by=DAY("2024-06-30"))):
        for old in (updates[0], updates[1]):  # the old versions' own vectors find only live passages
            found = after.vectors.search(old.vectors[0], 100, where)
            assert found and not set(found) & set(dead_keys)
        [ranking] = after.keywords.search("budget vote harbour terminal opened", 100, [where])
        assert ranking and not set(ranking) & set(dead_keys)
    [ranking] = after.keywords.search("parliament budget vote", 10)
    assert ranking == []
    assert after.passage_counts() == {("operator", "port"): len(revised.passages) + len(updates[2].passages),
                                      ("operator", "wire"): len(updates[3].passages)}
    assert {e.doc_id for e in after.events()} <= {"harbour", "storm", "archive"}
    assert after.source_documents("wire") == [updates[3].document]
    assert after.passage_ids(["harbour", "budget"]) == {"harbour": [p.id for p in revised.passages]}
    assert after.keys_of_texts([updates[1].passages[0].text_hash]) == {}


def test_a_merge_keeps_every_answer_and_drops_the_dead(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    updates = corpus()
    with engine.writer():
        engine.commit(None, changes(updates[0]))
        for u in updates[1:]:
            engine.commit(engine.open(MODEL, DIM), changes(u))
        engine.commit(engine.open(MODEL, DIM), changes(removed=("budget",)))
    before = engine.open(MODEL, DIM)
    assert len(before.segments) == 4
    queries = np.random.default_rng(4).normal(size=(6, DIM)).astype(np.float32)
    expected = [before.passages(list(before.vectors.search(q, 5))) for q in queries]
    with engine.writer():
        name = engine.merge(before)
    assert name == engine.current()
    after = engine.open(MODEL, DIM)
    assert len(after.segments) == 1 and after.state.parts[0].dead == []
    assert _content(after) == _content(before)
    assert [[(p.id, p.text) for p in after.passages(list(after.vectors.search(q, 5)))] for q in queries] == \
        [[(p.id, p.text) for p in found] for found in expected]
    with engine.writer():
        assert engine.merge(after) is None  # nothing due
        assert engine.merge(before) is None  # no longer current


@pytest.mark.parametrize(("parts", "expected"), [
    ([], []),
    ([(1000, 1000)], []),
    ([(700, 1000)], [0]),  # 30% dead: rewritten
    ([(100_000, 100_000), (10, 10), (20, 20), (30, 30)], []),  # three small ones: not yet
    ([(100_000, 100_000), (10, 10), (20, 20), (30, 30), (40, 40)], [1, 2, 3, 4]),
    ([(200_000, 200_000), (70_000, 70_000), (10, 10), (20, 20), (9_000, 9_000), (30, 30)], [2, 3, 4, 5]),
    ([(100_000, 100_000), (30_000, 30_000), (10, 10), (20, 20)], []),  # three, each in another tier
    ([(100_000, 100_000), (2_000, 2_000), (10, 10), (20, 20), (3_000, 3_000)], [1, 2, 3, 4]),  # tier <= 1
    ([(100_000, 100_000), (60_000, 60_000)], [0, 1]),  # the tail outgrew half the largest
    ([(70_000, 100_000), (10, 10)], [0, 1]),  # dead rows above a quarter
    ([(100_000, 100_000), (400, 1_000)], [1]),  # a small segment more than half dead
])
def test_merge_plan(parts: list[tuple[int, int]], expected: list[int]) -> None:
    from index.store.faiss_engine import merge_plan

    assert merge_plan(parts) == expected


def test_keyword_scores_use_the_whole_index_statistics(tmp_path: Path) -> None:
    """Passages of equal length (so equal length normalization) score the same split into two segments as
    in one: term frequencies are summed over segments."""
    from index.passages import make_passages
    from index.sources import Document
    from index.store import DocumentUpdate

    words = ["harbour", "cargo", "ships", "budget", "court", "storm", "rescue", "market", "vaccine", "bank"]
    rng = np.random.default_rng(7)
    updates = []
    for i in range(40):
        text = " ".join(rng.choice(words, size=8)) + "."
        doc = Document(f"d{i}", "s", f"T{i}", "P", None, None, text)
        passages = make_passages(doc.id, doc.text, 20)
        updates.append(DocumentUpdate(doc, passages, _unit(len(passages), DIM, i)))
    engines = [FaissEngine(tmp_path / name) for name in ("one", "two")]
    with engines[0].writer():
        engines[0].commit(None, changes(*updates))
    with engines[1].writer():
        engines[1].commit(None, changes(*updates[:35]))
        engines[1].commit(engines[1].open(MODEL, DIM), changes(*updates[35:]))
    one, two = (engine.open(MODEL, DIM) for engine in engines)
    assert len(two.segments) == 2
    for question in ["harbour cargo", "vaccine bank court", "storm"]:
        [a], [b] = one.keywords.search(question, 40), two.keywords.search(question, 40)
        assert [one.documents_of([k])[k] for k in a] == [two.documents_of([k])[k] for k in b]


def test_a_reader_keeps_answering_after_its_generation_is_gone(tmp_path: Path) -> None:
    engine = FaissEngine(tmp_path)
    updates = corpus()
    with engine.writer():
        engine.commit(None, changes(*updates))
    reader = engine.open(MODEL, DIM)
    key = next(iter(reader.vectors.search(updates[1].vectors[0], 1)))
    with engine.writer():
        engine.commit(engine.open(MODEL, DIM), changes(removed=("budget",)))
        engine.commit(engine.open(MODEL, DIM), changes(update(document("budget"), seed=3)))
        engine.merge(engine.open(MODEL, DIM))
    assert not reader.folder.exists()
    assert reader.passages([key])[0].doc_id == "budget"
    assert list(reader.vectors.search(updates[1].vectors[0], 1)) == [key]
    [ranking] = reader.keywords.search("parliament vote", 5)
    assert reader.documents_of(ranking[:1]) == {ranking[0]: "budget"}


def test_scopes_survive_a_merge_and_old_segments_are_the_operators(tmp_path: Path) -> None:
    """A merge copies each document's scope; a segment written before scopes existed (no scope column)
    reads as the operator's, so an index built by an earlier version keeps answering without a rebuild."""
    engine = FaissEngine(tmp_path)
    updates = scoped_corpus()
    with engine.writer():
        engine.commit(None, changes(*updates[:4]))
        engine.commit(engine.open(MODEL, DIM), changes(*updates[4:]))
        engine.commit(engine.open(MODEL, DIM), changes(removed=("budget",)))
        engine.merge(engine.open(MODEL, DIM))
    merged = engine.open(MODEL, DIM)
    assert len(merged.segments) == 1
    assert {doc_id: info.scope for doc_id, info in merged.documents.items()} == {
        "harbour": "operator", "storm": "operator", "archive": "operator", "111:harbour": SERVER_A,
        "111:budget": SERVER_A, "222:storm": SERVER_B, "222:archive": SERVER_B}
    found = merged.vectors.search(updates[4].vectors[0], 100, Filter(scopes={SERVER_A}))
    assert set(merged.documents_of(list(found)).values()) == {"111:harbour", "111:budget"}

    # A segment database as versions before scopes wrote it: no scope column.
    folder = tmp_path / "old"
    folder.mkdir()
    sqlite_passages.write(folder / DB, corpus())
    db = sqlite3.connect(folder / DB)
    db.execute("ALTER TABLE documents DROP COLUMN scope")
    db.commit()
    db.close()
    rows = SegmentRows(folder)
    assert {info.scope for info in rows.infos} == {"operator"}
    assert [doc.scope for doc in rows.documents(range(len(rows.infos)))] == ["operator"] * 4
    rows.close()


def test_readers_answer_throughout_commits_and_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reader threads open the current state and search it, again and again, while a writer adds, removes
    and merges: every state they open is whole (its searches find only its own live passages)."""
    from index.store import faiss_engine

    monkeypatch.setattr(faiss_engine, "MERGE_AT", 2)  # merges come often
    engine = FaissEngine(tmp_path)
    updates = corpus()
    with engine.writer():
        engine.commit(None, changes(*updates))
    errors: list[BaseException] = []
    opened: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        rng = np.random.default_rng(threading.get_ident() % 1000)
        while not stop.is_set():
            try:
                snapshot = engine.open(MODEL, DIM)
                opened.add(snapshot.name)
                query = rng.normal(size=DIM).astype(np.float32)
                keys = list(snapshot.vectors.search(query, 5))
                keys += snapshot.keywords.search("harbour vote", 5)[0]
                owners = snapshot.documents_of(keys)
                assert set(owners) == set(keys) and set(owners.values()) <= set(snapshot.documents)
                assert [p.key for p in snapshot.passages(keys)] == keys
                snapshot.close()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(6):
            with engine.writer():
                base = engine.open(MODEL, DIM)
                engine.commit(base, changes(update(document("budget"), seed=round_),
                                            removed=("storm",) if round_ % 2 else ()))
                base.close()
                current = engine.open(MODEL, DIM)
                engine.merge(current)
                current.close()
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors, errors[0]
    assert len(opened) > 1  # the readers saw several states


def test_a_segment_of_allowed_scopes_only_is_searched_unfiltered(tmp_path: Path) -> None:
    """The operator's segment answers a server's question without a mask (the unfiltered search), while the
    segment holding servers' documents is masked to the asking server's."""
    engine = FaissEngine(tmp_path)
    updates = scoped_corpus()
    with engine.writer():
        engine.commit(None, changes(*updates[:4]))  # the operator's
        engine.commit(engine.open(MODEL, DIM), changes(*updates[4:]))  # servers A and B
    snapshot = engine.open(MODEL, DIM)
    operators, servers = snapshot.vectors._allowed(Filter(scopes={"operator", SERVER_A}))
    assert operators is None and servers is not None
    assert servers.count == sum(len(u.passages) for u in updates[4:] if u.document.scope == SERVER_A)
    operators, servers = snapshot.vectors._allowed(Filter(scopes={SERVER_B}))
    assert operators is not None and operators.count == 0
