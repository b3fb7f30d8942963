"""`kill -9` of a writer at any point of a Milvus commit (an add, a removal, a rebuild), the Milvus server
living on as a cluster does: the index keeps answering from the previous state or the new one, never a
mix, and the next writer takes over the dead writer's lock and removes what it left.

The writers are the real `briefbot` CLI in child processes (`tests/index/crash_child.py`, replaying the
seed vectors instead of loading the model), on one `milvus-lite server`; each kill point has its own index
there, copied from the seed index with `copy_index` (no embedding), and the children run side by side.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.library import Library
from index.store.engines import StoreSettings
from index.store.migrate import copy_index
from index.store.milvus import MilvusEngine
from index.store.milvus.engine import WRITING
from index.store.milvus.schema import family_number
from tests.helpers import QUESTION, ROOT, SEED_SENTENCE, SEEDS
from tests.index.store.engine_cases import drop_milvus

CHILD_TIMEOUT = 90
EXTRA = "extra/copy.txt"

# (what the child runs, kill point, whether the change is current after the kill): an incremental commit
# killed with its rows written (rows taken out, rows inserted) but before its commit point, or just after
# it; a rebuild killed with its collections half or wholly written, or just after the alias moved.
CASES = [
    ("add", "milvus-commit", False), ("add", "milvus-committed", True), ("remove", "milvus-kill", False),
    ("remove", "milvus-commit", False), ("rebuild", "milvus-insert", False),
    ("rebuild", "milvus-alias", False), ("rebuild", "milvus-aliased", True),
]


@pytest.fixture
def indexes(milvus_server: str) -> Iterator[list[MilvusEngine]]:
    made: list[MilvusEngine] = []
    yield made
    for engine in made:
        drop_milvus(engine)


def library(data_dir: Path, engine: MilvusEngine) -> Library:
    return Library(data_dir, default_sources=[SEEDS], store=StoreSettings("milvus", engine.uri, engine.index))


def test_kill_9_at_any_point_of_a_milvus_commit_keeps_an_answering_index(
    seed_library: Library, vectors: Path, tmp_path: Path, milvus_server: str, indexes: list[MilvusEngine],
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    # The same text as a seed article: its passages' vectors are reused, the child embeds nothing.
    shutil.copyfile(sorted(SEEDS.glob("*.txt"))[0], extra / "copy.txt")
    embedder = seed_library.embedder
    children = []
    for number, (change, point, _) in enumerate(CASES):
        engine = MilvusEngine(milvus_server, f"t{uuid.uuid4().hex[:16]}")
        indexes.append(engine)
        copy_index(seed_library.engine, engine, embedder.name, embedder.dim)
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        if change == "remove":  # the index holds the extra source: the child's removal takes rows out
            with_extra = library(folder / "data", engine)
            with_extra.add_source(str(extra), name="extra")
            with_extra.reindex()
        config = folder / "briefbot.toml"
        config.write_text(f'data_dir = "{folder / "data"}"\n[sources]\npaths = ["{SEEDS}"]\n[store]\n'
                          f'engine = "milvus"\nuri = "{engine.uri}"\ncollection = "{engine.index}"\n',
                          encoding="utf-8")
        cli = {"add": ["index", "--source", str(extra)], "remove": ["source", "remove", "extra"],
               "rebuild": ["index", "--rebuild"]}[change]
        before = engine.current()
        command = [sys.executable, "-m", "tests.index.crash_child", str(vectors), point, "0", *cli,
                   "--config", str(config)]
        children.append((engine, folder, before, subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))

    for (change, point, changed), (engine, folder, before, process) in zip(CASES, children, strict=True):
        code = process.wait(CHILD_TIMEOUT)
        assert code == -signal.SIGKILL, f"{change} {point}: {process.communicate()[1]}"
        assert (engine.current() != before) == changed, (change, point)
        fresh = library(folder / "fresh", engine)  # another process's view
        answer = fresh.ask(QUESTION)
        assert answer.answered and SEED_SENTENCE in answer.passages[0].quote
        expected = {"add": changed, "remove": not changed, "rebuild": False}[change]
        assert (EXTRA in fresh.searcher().store.documents) == expected, (change, point)

        # The next writer takes the dead one's lock over, removes what it left, and commits (the killed
        # command had changed the registry first: the extra source is now registered, or not).
        fresh.reindex()
        assert_no_leftovers(engine)
        assert (EXTRA in fresh.searcher().store.documents) == (change == "add")
        assert SEED_SENTENCE in fresh.ask(QUESTION).passages[0].quote


def assert_no_leftovers(engine: MilvusEngine) -> None:
    """The lock released, no row of an uncommitted generation, at most the current and the previous pair
    of collections."""
    client = engine.client
    assert not client.has_collection(f"{engine.index}_writer")
    state = engine._state()
    assert state is not None and int(state.properties.get(WRITING, state.generation)) <= state.generation
    for name in (state.passages, state.documents):
        assert client.query(name, filter=f"born > {state.generation}", output_fields=["key"], limit=10) == []
    families = {family_number(engine.index, n) for n in client.list_collections()} - {None}
    current = family_number(engine.index, state.passages)
    assert current in families and all(n in (current, current - 1) for n in families if n is not None)
    assert max(families) == current  # type: ignore[type-var]
