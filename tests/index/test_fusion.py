"""Fusion tuning: article diversity in the answer, and encoding order that does not change vectors."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from index.embed import Embedder
from index.library import Library
from index.search import SearchSettings


def test_encode_returns_vectors_in_input_order(embedder: Embedder) -> None:
    texts = ["short", "a much longer text about the harbour and its new terminal " * 5, "medium length text"]
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_one_article_does_not_crowd_out_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    long_story = "\n\n".join(
        f"The river dam project reached stage {i}. Engineers said the dam on the river is nearly done."
        for i in range(8))
    (folder / "a.txt").write_text(long_story)
    (folder / "b.txt").write_text("Engineers said the new dam on the river will open next spring.")
    (folder / "manifest.toml").write_text('["a.txt"]\npublisher = "One"\n["b.txt"]\npublisher = "Two"\n')
    library = Library(tmp_path / "data", default_sources=[folder], max_words=20)
    searcher = library.searcher()
    answer = searcher.ask("When will the dam on the river open?", k=2)
    assert {h.source.publisher for h in answer.passages} == {"One", "Two"}
    searcher.settings = dataclasses.replace(SearchSettings(), diverse_documents=False)
    rows = [row for row, _ in searcher.rank("When will the dam on the river open?", 9)]
    assert len(rows) == 9


def test_onnx_backend_gives_the_same_vectors(embedder: Embedder) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    texts = ["When will Putin travel to North Korea?", "The dam opened. " * 30, "x"]
    assert np.allclose(Embedder(backend="onnx").encode(texts), embedder.encode(texts), atol=1e-5)


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoder backend"):
        Embedder(backend="tpu")
