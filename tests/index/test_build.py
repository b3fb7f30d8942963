import shutil
from pathlib import Path

import pytest

from index.build import build
from index.embed import Embedder
from index.sources import Document, read_source
from index.store import Store, StoreError, build_lock, current_generation
from tests.conftest import SEEDS


def _doc(doc_id: str, text: str, publisher: str = "Wire") -> Document:
    return Document(doc_id, "test", doc_id, publisher, "2024-06-17", None, text)


def test_unchanged_corpus_embeds_nothing_and_writes_nothing(tmp_path: Path, embedder: Embedder) -> None:
    docs = read_source(SEEDS).documents
    first = build(tmp_path, docs, embedder)
    assert first.embedded == first.passages > 0
    generation = current_generation(tmp_path)
    before = embedder.encoded
    again = build(tmp_path, docs, embedder)
    assert embedder.encoded == before
    assert (again.embedded, again.generation) == (0, None)
    assert current_generation(tmp_path) == generation


def test_changed_and_removed_documents(tmp_path: Path, embedder: Embedder) -> None:
    a = _doc("a", "The bridge opened on Monday. Traffic was light.")
    b = _doc("b", "The museum closed for repairs. It will reopen in May.")
    build(tmp_path, [a, b], embedder)
    before = embedder.encoded
    changed = _doc("a", "The bridge opened on Tuesday. Traffic was heavy.")
    report = build(tmp_path, [changed], embedder)
    assert embedder.encoded - before == report.embedded == 1  # only the changed passage
    assert (report.changed, report.removed) == (["a"], ["b"])
    store = Store.open(tmp_path, embedder.name, embedder.dim)
    assert [p.text for p in store.passages(list(range(store.count)))] == [changed.text]


def test_rebuild_re_embeds_everything(tmp_path: Path, embedder: Embedder) -> None:
    docs = [_doc("a", "One passage only.")]
    build(tmp_path, docs, embedder)
    assert build(tmp_path, docs, embedder, rebuild=True).embedded == 1


def test_equal_texts_are_embedded_once(tmp_path: Path, embedder: Embedder) -> None:
    text = "Both outlets printed this wire story word for word."
    report = build(tmp_path, [_doc("a", text, "A"), _doc("b", text, "B")], embedder)
    assert (report.passages, report.embedded) == (2, 1)


def test_model_mismatch_is_explained(tmp_path: Path, embedder: Embedder) -> None:
    build(tmp_path, [_doc("a", "Some text.")], embedder)
    with pytest.raises(StoreError, match=r"built with .*384 dims.*--rebuild"):
        Store.open(tmp_path, embedder.name, 768)


@pytest.mark.parametrize("victim", ["vectors.faiss", "index.sqlite3"])
def test_corrupted_index_file_is_detected(tmp_path: Path, embedder: Embedder, victim: str) -> None:
    build(tmp_path, [_doc("a", "Some text.")], embedder)
    (current_generation(tmp_path) / victim).write_bytes(b"garbage" * 100)
    with pytest.raises(StoreError, match=r"damaged.*briefbot index --rebuild"):
        Store.open(tmp_path, embedder.name, embedder.dim)


def test_interrupted_build_leaves_the_previous_index(tmp_path: Path, embedder: Embedder) -> None:
    build(tmp_path, [_doc("a", "Kept text.")], embedder)
    generation = current_generation(tmp_path)
    # A build killed after writing part of its generation leaves a .tmp folder and CURRENT untouched.
    shutil.copytree(generation, tmp_path / "gen-000002.tmp")
    (tmp_path / "gen-000002.tmp" / "vectors.faiss").write_bytes(b"half")
    store = Store.open(tmp_path, embedder.name, embedder.dim)
    assert store.passages([0])[0].text == "Kept text."
    build(tmp_path, [_doc("a", "Kept text."), _doc("b", "New text.")], embedder)
    assert not list(tmp_path.glob("*.tmp"))


def test_a_second_concurrent_build_is_refused(tmp_path: Path) -> None:
    with build_lock(tmp_path), pytest.raises(StoreError, match="already running"), build_lock(tmp_path):
        pass
