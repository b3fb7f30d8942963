"""`copy_index` (`briefbot migrate`): an index copied to the other engine, and back, holds the same documents,
passages, vectors and dated sentences, and the same source registry; nothing is embedded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.scopes import OPERATOR
from index.store import Engine, Snapshot
from index.store.faiss_engine import FaissEngine
from index.store.migrate import copy_index
from index.store.milvus import MilvusEngine
from tests.index.store.engine_cases import (
    DIM,
    MODEL,
    SERVER_A,
    changes,
    document,
    scoped_corpus,
    update,
)


def contents(snapshot: Snapshot) -> dict:
    """Everything a snapshot holds, by document, without its keys (each engine numbers passages its way)."""
    passages = snapshot.passages(snapshot.keys())
    keys = [p.key for p in passages]
    vectors = dict(zip(keys, snapshot.vectors.get(keys), strict=True))
    pid = {p.key: p.id for p in passages}
    held = {}
    for doc_id, info in snapshot.documents.items():
        mine = sorted((p for p in passages if p.doc_id == doc_id), key=lambda p: p.start)
        held[doc_id] = (
            info, snapshot.document_states()[doc_id],
            [(p.id, p.start, p.end, p.text, p.sentences, np.round(vectors[p.key], 5).tolist()) for p in mine],
            [(e.date, e.granularity, e.start, e.end, e.text, e.timex, pid[e.key])
             for e in snapshot.events() if e.doc_id == doc_id],
        )
    return held


def written(engine: Engine) -> Snapshot:
    with engine.writer():
        engine.commit(None, changes(*scoped_corpus()))  # servers' sources named like the operator's too
    base = engine.open(MODEL, DIM)
    with engine.writer():  # and a change on top, so that keys are not simply 0..n-1
        revised = update(document("budget", "Parliament passed the budget on June 7, 2024."))
        engine.commit(base, changes(revised, removed=("archive",)))
    return engine.open(MODEL, DIM)


def test_an_index_copied_to_milvus_and_back_holds_the_same(tmp_path: Path, milvus: MilvusEngine) -> None:
    faiss = FaissEngine(tmp_path / "faiss")
    original = written(faiss)
    registry = faiss.source_rows()
    registry.insert(OPERATOR, "port", "folder", "/data/port", "cli", "2024-06-01T00:00:00+00:00")
    registry.record_indexed({(OPERATOR, "port"): (2, 3)}, "2024-06-02T00:00:00+00:00")
    registry.insert(SERVER_A, "port", "feed", "https://example.com/feed", "discord:1",
                    "2024-06-03T00:00:00+00:00")

    copied = copy_index(faiss, milvus, MODEL, DIM)
    assert (copied.documents, copied.passages, copied.sources) == (7, original.count, 2)
    assert copied.state == milvus.current()
    in_milvus = milvus.open(MODEL, DIM)
    assert contents(in_milvus) == contents(original)
    assert in_milvus.meta["model"] == MODEL and in_milvus.meta["dim"] == str(DIM)
    assert milvus.source_rows().rows() == registry.rows()

    back = FaissEngine(tmp_path / "back")
    copy_index(milvus, back, MODEL, DIM)
    assert contents(back.open(MODEL, DIM)) == contents(original)
    assert back.source_rows().rows() == registry.rows()
