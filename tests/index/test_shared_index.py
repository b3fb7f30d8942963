"""Several processes on one index (the bot's shards, the CLI beside the bot): a change made through one is
answered from by the others at their next question, without a restart, and a reindex by one keeps what
another added. Each "process" is a `Library` of its own; with FAISS they share the data directory, with
Milvus only the store (each its own data directory, as on separate machines)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.embed import Embedder
from index.library import Library
from index.store.engines import StoreSettings
from index.store.milvus import MilvusEngine
from tests.helpers import SEEDS
from tests.index.store.engine_cases import drop_milvus, milvus_lite

QUESTION = "When will Putin travel to North Korea?"
SEED_SENTENCE = "Putin will travel to North Korea on Tuesday"
FESTIVAL = ("The zeppelin festival opened on the harbour front on Saturday, with twelve airships moored "
            "above the old docks. Organisers said forty thousand visitors came on the first day.")

Open = Callable[[str], Library]  # a process's library, by the process's name


@pytest.fixture(params=["faiss", "milvus"])
def processes(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[Open]:
    """Opens the library of one process on the shared index."""
    store = StoreSettings()
    if request.param == "milvus":
        store = StoreSettings("milvus", uri=milvus_lite(), collection=f"t{uuid.uuid4().hex[:16]}")

    def open_library(name: str) -> Library:
        data_dir = tmp_path / ("data" if request.param == "faiss" else name)
        return Library(data_dir, default_sources=[SEEDS], embedder_factory=lambda: embedder, store=store)

    yield open_library
    if request.param == "milvus":
        drop_milvus(MilvusEngine(store.uri or "", store.collection))


def festival(folder: Path) -> Path:
    folder.mkdir()
    (folder / "festival.txt").write_text(FESTIVAL, encoding="utf-8")
    return folder


def test_a_source_added_through_one_is_answered_by_the_other(processes: Open, tmp_path: Path) -> None:
    first, second = processes("first"), processes("second")
    assert SEED_SENTENCE in second.ask(QUESTION).passages[0].quote
    assert not second.ask("How many airships came to the zeppelin festival?").answered

    first.add_source(str(festival(tmp_path / "festival")), name="festival")
    first.reindex()

    answer = second.ask("How many airships came to the zeppelin festival?")  # no restart, no reload call
    assert answer.answered and "twelve airships" in answer.passages[0].quote
    assert [s.name for s in second.sources()] == sorted(["festival", SEEDS.name])


def test_a_reindex_by_one_keeps_the_source_another_added(processes: Open, tmp_path: Path) -> None:
    first, second = processes("first"), processes("second")
    second.searcher()
    first.add_source(str(festival(tmp_path / "festival")), name="festival")
    first.reindex()
    # The source's files are not readable where the second process runs (another machine): its reindex
    # keeps the documents indexed, with a warning, instead of dropping the other's source.
    shutil.rmtree(tmp_path / "festival")
    result = second.reindex()
    assert any("source festival" in w and "keeping its indexed documents" in w for w in result.warnings)
    assert result.report.removed == []
    answer = first.ask("How many airships came to the zeppelin festival?")
    assert "twelve airships" in answer.passages[0].quote
