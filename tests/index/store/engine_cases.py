"""The engines the store test suite runs against (`ENGINES`), and the corpus it writes.

Each engine is an `EngineCase`: how to make one in a fresh folder, how to damage its current state the way
a failing disk (or a bad hand on the database) would, and how to remove what it keeps outside the folder.
Every test of `test_engine_suite.py` runs against each case of `ENGINES`: the FAISS engine in the folder,
and the Milvus engine in one Milvus Lite database shared by the whole session (each test its own index
name, dropped after the test: starting Milvus Lite costs about a second).

The corpus is small and real in everything but the vectors: passages are cut by the project's cutter,
events found by its date tagger; the vectors are random unit vectors (the suite tests storage and
filtering, not embedding), so a passage's own vector finds it first.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

from index.events import extract_events
from index.passages import make_passages
from index.scopes import OPERATOR
from index.sources import Document
from index.store import ChangeSet, DocumentUpdate, Engine
from index.store.faiss_engine import FaissEngine
from index.store.generations import Generations
from index.store.milvus import MilvusEngine
from index.store.milvus.schema import GENERATION
from index.store.sqlite_passages import DB

MODEL = "test-model"
DIM = 16


@dataclass(frozen=True)
class EngineCase:
    name: str
    make: Callable[[Path], Engine]  # a fresh, empty engine for this folder
    damage: Callable[[Engine], None]  # damages the engine's current state
    again: Callable[[Engine], Engine]  # another handle on the same store, as another process opens it
    drop: Callable[[Engine], None] = lambda engine: None  # removes what it keeps outside the folder


def flip_bytes_mid_file(path: Path) -> None:
    """Flip a run of bytes in the middle of a file, its size unchanged."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


def _damage_faiss(engine: Engine) -> None:
    assert isinstance(engine, FaissEngine)
    current = Generations(engine.data_dir).current()
    assert current is not None
    flip_bytes_mid_file(next(current.glob(f"seg-*/{DB}")))


@cache
def milvus_lite() -> str:
    """The URI of this test process's Milvus Lite database (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="briefbot-milvus-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return str(folder / "lite.db")


def milvus_engine(uri: str | None = None) -> MilvusEngine:
    """A Milvus engine under a fresh index name, in `uri` (default: the process's Milvus Lite)."""
    return MilvusEngine(uri or milvus_lite(), f"t{uuid.uuid4().hex[:16]}")


def drop_milvus(engine: Engine) -> None:
    """Drop every collection and the alias of the engine's index."""
    assert isinstance(engine, MilvusEngine)
    client = engine.client
    if engine.index in client.list_aliases().get("aliases", []):
        client.drop_alias(engine.index)
    for name in client.list_collections():
        if name.startswith(f"{engine.index}_"):
            client.drop_collection(name)


def _damage_milvus(engine: Engine) -> None:
    """Garbage over the generation the index's state names (a hand editing the collection's properties)."""
    assert isinstance(engine, MilvusEngine)
    engine.client.alter_collection_properties(engine.index, properties={GENERATION: "\x00garbage"})


ENGINES = [
    EngineCase("faiss", FaissEngine, _damage_faiss, lambda engine: FaissEngine(engine.data_dir)),
    EngineCase("milvus", lambda folder: milvus_engine(), _damage_milvus,
               lambda engine: MilvusEngine(engine.uri, engine.index), drop_milvus),
]


TEXTS = {
    "harbour": ("Port Daily", "2024-06-03",
                "The harbour terminal opened on June 1, 2024. Cargo ships from Asia docked there first.\n\n"
                "The minister praised the new cranes."),
    "budget": ("Capital Times", "2024-06-10",
               "Parliament passed the budget on Friday. The vote was close.\n\n"
               "Opposition leaders promised to challenge it in court in July 2024."),
    "storm": ("Port Daily", "2024-06-20",
              "A storm flooded the harbour district overnight. Rescue teams worked until dawn."),
    "archive": ("Archive Press", None,
                "The old harbour was built in 1850. Its walls still stand."),
}


def document(doc_id: str, text: str | None = None, source: str | None = None, scope: str = OPERATOR,
             ) -> Document:
    """One of `TEXTS` as a source of `scope` reads it (a server's: its id prefixed with the scope)."""
    publisher, published, original = TEXTS[doc_id]
    return Document(doc_id if scope == OPERATOR else f"{scope}:{doc_id}",
                    source or ("port" if publisher == "Port Daily" else "wire"), doc_id.title(), publisher,
                    published, None, text or original, scope)


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def update(doc: Document, seed: int = 0) -> DocumentUpdate:
    """The document as a build puts it: passages, a vector per passage, events in their passages."""
    passages = make_passages(doc.id, doc.text, 20)
    events = []
    for event in extract_events(doc):
        holder = next(i for i, p in enumerate(passages) if p.start <= event.start < p.end)
        events.append((event, holder))
    return DocumentUpdate(doc, passages, unit_vectors(len(passages), seed + sum(map(ord, doc.id))), events)


def changes(*updates: DocumentUpdate, removed: tuple[str, ...] = ()) -> ChangeSet:
    return ChangeSet({"model": MODEL, "dim": str(DIM)}, list(updates), frozenset(removed))


def corpus() -> list[DocumentUpdate]:
    return [update(document(doc_id)) for doc_id in TEXTS]


SERVER_A, SERVER_B = "111", "222"


def scoped_corpus() -> list[DocumentUpdate]:
    """The corpus as the operator's, plus two servers' sources named like the operator's ("port", "wire")
    holding the same articles by the same publishers: server A harbour and budget, server B storm and
    archive."""
    servers = [(SERVER_A, "harbour"), (SERVER_A, "budget"), (SERVER_B, "storm"), (SERVER_B, "archive")]
    return corpus() + [update(document(doc_id, scope=scope)) for scope, doc_id in servers]


DAY = date.fromisoformat
