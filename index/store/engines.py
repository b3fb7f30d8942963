"""Which engine keeps the index: the setting (`StoreSettings`) and the engine it names (`open_engine`).

"faiss", the default, keeps everything in files of the data directory, for one process. "milvus" keeps it
in Milvus: a path ending in `.db` runs Milvus Lite inside the process; an http:// URI reaches a Milvus
standalone or cluster, which several processes (the bot's shards, the CLI) share. pymilvus is imported
only when the Milvus engine is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.store.faiss_engine import FaissEngine
from index.store.interface import Engine, StoreError

ENGINES = ("faiss", "milvus")
MILVUS_LITE_FILE = "milvus.db"  # the Milvus Lite store in the data directory when no URI is given


@dataclass(frozen=True)
class StoreSettings:
    engine: str = "faiss"
    uri: str | None = None  # milvus: a path ending in .db (Milvus Lite) or http://host:19530
    collection: str = "briefbot"  # milvus: names the index's collections (one Milvus may hold several)
    vector_index: str = "FLAT"  # milvus: FLAT (exact), HNSW or AUTOINDEX

    def milvus_uri(self, data_dir: Path) -> str:
        return self.uri or str(data_dir / MILVUS_LITE_FILE)


def open_engine(settings: StoreSettings, data_dir: Path) -> Engine:
    """The engine `settings` name, for the data directory `data_dir` (nothing is read or written yet)."""
    if settings.engine == "faiss":
        return FaissEngine(data_dir)
    if settings.engine != "milvus":
        raise StoreError(f"unknown store engine {settings.engine!r} (one of {', '.join(ENGINES)})")
    try:
        from index.store.milvus import MilvusEngine
    except ImportError as exc:
        raise StoreError(f"the Milvus engine needs pymilvus and milvus-lite ({exc}): "
                         "pip install 'briefbot[milvus]'") from exc
    return MilvusEngine(settings.milvus_uri(data_dir), settings.collection, settings.vector_index)
