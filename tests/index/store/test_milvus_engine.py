"""What is particular to the Milvus engine: search terms as Milvus tokens, rebuilds beside the current
collections switched by the alias, rows of past generations deleted once no reader needs them, what a
writer killed midway leaves removed by the next one, the writer lock across processes, and texts longer
than a Milvus VARCHAR kept whole."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from index.lexical import terms
from index.sources import Document
from index.store import Filter, StoreError
from index.store.milvus import MilvusEngine, lock
from index.store.milvus.engine import WRITING
from index.store.milvus.schema import (
    ALIVE,
    NEXT_KEY,
    NEXT_ROW,
    TEXT_MAX,
    create_documents,
    create_marker,
    create_passages,
    documents_name,
    passages_name,
)
from index.store.milvus.search import token
from tests.index.store.engine_cases import (
    DIM,
    MODEL,
    changes,
    corpus,
    document,
    update,
)


@pytest.fixture
def engine(milvus: MilvusEngine) -> MilvusEngine:
    return milvus


def commit(engine: MilvusEngine, *updates, removed: tuple[str, ...] = (), rebuild: bool = False) -> str:
    with engine.writer():
        base = None if rebuild or engine.current() is None else engine.open(MODEL, DIM)
        return engine.commit(base, changes(*updates, removed=removed))


def rows(engine: MilvusEngine, collection: str, where: str = "key >= 0") -> list[dict]:
    return engine.client.query(collection, filter=where, output_fields=["doc_id", "born", "died"],
                               limit=16_384)


def families(engine: MilvusEngine) -> list[str]:
    return sorted(n for n in engine.client.list_collections() if n.startswith(engine.index + "_0"))


def test_each_term_is_one_token_and_distinct_terms_stay_distinct() -> None:
    words = ["harbour", "2+2", "2.2", "5-5", "zürich", "x" * 60, "y" * 60, "_x", "e9ab"]
    tokens = [token(t) for t in words]
    assert len(set(tokens)) == len(words)
    assert all(t.replace("_", "").isalnum() and t.isascii() and len(t) <= 42 for t in tokens)
    assert token("harbour") == "harbour"


def test_figures_accents_and_long_words_are_found_by_keyword(engine: MilvusEngine) -> None:
    text = ("The 2+2 dialogue opened in Zürich. A pneumonoultramicroscopicsilicovolcanoconiosis-like "
            "compound word appeared once.")
    commit(engine, update(document("harbour", text)), update(document("storm")))
    snapshot = engine.open(MODEL, DIM)
    for question in ("the 2+2 dialogue", "Zürich", "pneumonoultramicroscopicsilicovolcanoconiosis-like"):
        [found] = snapshot.keywords.search(question, 10)
        assert [snapshot.documents_of(found)[k] for k in found] == ["harbour"], question
        assert set(snapshot.keywords.rarity(terms(question))) == set(terms(question)), question  # all known
    assert snapshot.keywords.search("2.2 dialogue", 10, [Filter(sources={"wire"})]) == [[]]


def test_a_rebuild_is_written_beside_and_the_previous_pair_stays_for_readers(engine: MilvusEngine) -> None:
    commit(engine, *corpus(), rebuild=True)
    reader = engine.open(MODEL, DIM)
    commit(engine, update(document("storm")), rebuild=True)
    assert families(engine) == sorted([passages_name(engine.index, 1), documents_name(passages_name(
        engine.index, 1)), passages_name(engine.index, 2), documents_name(passages_name(engine.index, 2))])
    assert sorted(engine.open(MODEL, DIM).documents) == ["storm"]
    # The reader of the first pair still answers from it, whole.
    query = corpus()[1].vectors[0]
    assert reader.documents_of(list(reader.vectors.search(query, 1))) and len(reader.documents) == 4
    commit(engine, update(document("archive")), rebuild=True)  # the first pair has no reader left
    assert passages_name(engine.index, 1) not in families(engine)
    assert passages_name(engine.index, 2) in families(engine)


def test_rows_no_generation_shows_are_deleted_once_no_reader_needs_them(engine: MilvusEngine) -> None:
    commit(engine, *corpus())
    passages = engine.client.describe_collection(engine.index)["collection_name"]
    commit(engine, removed=("budget",))
    budget = 'doc_id == "budget"'
    assert rows(engine, passages, budget) and all(r["died"] < ALIVE for r in rows(engine, passages, budget))
    commit(engine, update(document("storm", "A second storm flooded the harbour.")))
    assert rows(engine, passages, budget) == []  # the generation that showed them is two commits back
    assert len(rows(engine, passages, 'doc_id == "storm"')) == 2  # the old version: its reader may remain


def test_what_a_writer_killed_midway_left_is_removed_by_the_next(engine: MilvusEngine) -> None:
    commit(engine, *corpus())
    state = engine._state()
    assert state is not None
    client = engine.client
    before = engine.open(MODEL, DIM)
    # A writer killed after taking "budget" out and inserting a new "storm", before its commit point; and a
    # rebuild killed before its alias switch.
    client.alter_collection_properties(state.passages, properties={WRITING: str(state.generation + 1)})
    engine._kill(state.passages, ["budget", "storm"], state.generation, state.generation + 1)
    engine._kill(state.documents, ["budget", "storm"], state.generation, state.generation + 1)
    engine._insert(state, [update(document("storm", "Half written."))], state.generation + 1,
                   state.number(NEXT_KEY), state.number(NEXT_ROW))
    orphan = passages_name(engine.index, 7)
    create_passages(client, orphan, DIM, "FLAT", {})
    create_documents(client, documents_name(orphan))
    assert engine.current() == before.name  # none of it is current
    assert sorted(engine.open(MODEL, DIM).documents) == sorted(before.documents)

    with engine.writer():  # the next writer removes it all
        pass
    assert not client.has_collection(orphan) and not client.has_collection(documents_name(orphan))
    for name in (state.passages, state.documents):
        assert all(r["born"] <= state.generation and r["died"] == ALIVE for r in rows(engine, name))
    after = engine.open(MODEL, DIM)
    assert after.count == before.count and after.document_states() == before.document_states()


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    return int(child.stdout)


@pytest.mark.parametrize(("owner", "beat", "taken"), [
    ("{host} {dead} x", 0, True),  # a process of this machine that is gone
    ("elsewhere.example 1 x", -lock.LEASE - 1, True),  # silent for longer than the lease
    ("elsewhere.example 1 x", 0, False),  # another machine's writer, alive
    ("{host} {me} x", 0, False),  # a writer of this very process
])
def test_a_lock_is_taken_over_only_when_its_holder_is_gone(engine: MilvusEngine, owner: str, beat: float,
                                                           taken: bool) -> None:
    name = f"{engine.index}_writer"
    holder = owner.format(host=socket.gethostname(), dead=dead_pid(), me=os.getpid())
    create_marker(engine.client, name, {lock.OWNER: holder, lock.HEARTBEAT: str(time.time() + beat)})
    if taken:
        with engine.writer():
            pass
        assert not engine.client.has_collection(name)  # released
    else:
        with pytest.raises(StoreError, match=r"already running \(process \S+ on \S+\)"), engine.writer():
            pass
        assert engine.client.has_collection(name)


def test_texts_longer_than_a_milvus_varchar_are_kept_whole(engine: MilvusEngine) -> None:
    blob = "Ω" * 40_000  # one "word" of 80,000 UTF-8 bytes
    text = f"The harbour opened on June 1, 2024. {blob}\n\n" + "The cranes arrived. " * 3_000
    long = Document("long", "port", "T" * 70_000, "Port Daily", "2024-06-03", None, text)
    commit(engine, update(long), update(document("storm")))
    snapshot = engine.open(MODEL, DIM)
    assert sorted(snapshot.source_documents("port"), key=lambda d: d.id) == [long, document("storm")]
    stored = snapshot.passages(snapshot.keys())
    assert any(blob in p.text for p in stored)
    assert all(p.text == (long.text if p.doc_id == "long" else document("storm").text)[p.start:p.end]
               for p in stored)
    assert snapshot.documents["long"].title == long.title
    assert len(json.dumps(long.title)) > TEXT_MAX
