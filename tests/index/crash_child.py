"""A child process for the fault tests: the `briefbot` CLI, killed with SIGKILL at a chosen point.

    python -m tests.index.crash_child VECTORS POINT FSIZE_LIMIT CLI_ARG...

It runs the CLI's `main(CLI_ARGS)` (e.g. `index --rebuild --config FILE`) and kills itself with SIGKILL
(no cleanup, no `finally`, no atexit: exactly `kill -9`) at POINT:

- `passages`: after the first document was cut into passages
- `embedding`: when the passages are embedded
- `sqlite`: the new database written, before the vector index
- `bm25`: before the keyword index is saved
- `fsync`: the new generation complete on disk, before its rename
- `renamed`: after the rename to `gen-N`, before CURRENT is replaced
- `pointer`: `CURRENT.tmp` written, before it replaces CURRENT
- `swapped`: after CURRENT was replaced, before old generations are removed
- `link`: after the first file kept from the previous generation was linked into the new one
- `merge-POINT`: with a merge of every segment forced after the commit, at POINT (one of the above but
  `link`: a merge of everything links nothing) of the merge's own generation

With the Milvus engine ([store] engine = "milvus" in the config):

- `milvus-kill`: after the rows of the first replaced or removed documents were taken out (`died` set)
- `milvus-insert`: after the new rows were inserted (an add's, or a rebuild's into its new collections)
- `milvus-commit`: before the property update that makes an incremental commit's generation current
- `milvus-committed`: right after it, before the rows no generation shows are deleted
- `milvus-alias`: a rebuild's collections complete, before the alias moves to them
- `milvus-aliased`: after the alias moved, before older collections are dropped
- `none`: no kill.

FSIZE_LIMIT > 0 runs the CLI with `RLIMIT_FSIZE` at that many bytes and SIGXFSZ ignored, so a write past it
fails with EFBIG as it would on a full disk.

To start in a second instead of loading the model, the embedder is a stand-in that returns the real
vectors the parent saved for each text (VECTORS: an .npz of `texts` and `vectors`: the passages and the
questions asked), so a generation it completes is as good as one the real model would write.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class ReplayEmbedder:
    """Returns saved vectors by text; the same `name` and `dim` as the real embedder."""

    name = MODEL_NAME

    def __init__(self, path: Path, *, die_on_encode: bool = False) -> None:
        saved = np.load(path, allow_pickle=False)
        self.die_on_encode = die_on_encode
        self.vectors = {str(t): v for t, v in zip(saved["texts"], saved["vectors"], strict=True)}
        self.dim = int(saved["vectors"].shape[1])
        self.encoded = 0

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if self.die_on_encode:
            die()
        out = np.stack([self.vectors[t] for t in texts]) if texts else np.empty((0, self.dim), np.float32)
        self.encoded += len(texts)
        if progress:
            progress(len(texts))
        return out.astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def prepare(self, progress: object = None) -> None:
        """The saved vectors need no model file."""


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_around(owner: Any, attribute: str, *, before: bool) -> None:
    """Replace `owner.attribute` (a function) by one that dies before or after calling it."""
    original = getattr(owner, attribute)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            die()
        result = original(*args, **kwargs)
        die()
        return result

    setattr(owner, attribute, wrapped)


def kill_in_milvus(point: str) -> None:
    """Die at `point` of a commit of the Milvus engine (see the module's docstring)."""
    from index.store.milvus.engine import MilvusClient, MilvusEngine
    from index.store.milvus.schema import GENERATION

    if point in ("kill", "insert"):
        kill_around(MilvusEngine, f"_{point}", before=False)
    elif point in ("alias", "aliased"):
        for name in ("create_alias", "alter_alias"):
            kill_around(MilvusClient, name, before=point == "alias")
    else:
        alter = MilvusClient.alter_collection_properties

        def commit_then_die(self: Any, collection: str, properties: dict, **kwargs: Any) -> Any:
            if GENERATION in properties and point == "commit":
                die()
            result = alter(self, collection, properties, **kwargs)
            if GENERATION in properties:
                die()
            return result

        MilvusClient.alter_collection_properties = commit_then_die  # type: ignore[method-assign]


def main(vectors: Path, point: str, fsize: int, argv: list[str]) -> int:
    import bm25s

    from bot import cli
    from bot.cli import commands
    from bot.settings import Settings
    from index import build
    from index.library import Library
    from index.store import faiss_engine, faiss_vectors, generations

    def open_library(settings: Settings) -> Library:
        return Library(settings.data_dir, default_sources=settings.sources.paths,
                       max_words=settings.passage_words, store=settings.store.to_settings(),
                       embedder_factory=lambda: ReplayEmbedder(vectors, die_on_encode=point == "embedding"))

    commands.open_library = open_library  # type: ignore[assignment]
    # Where to die: (module or class, function, before or after the call).
    kill_points = {
        "passages": (build, "make_passages", False),
        "sqlite": (faiss_vectors.faiss, "write_index", True),
        "bm25": (bm25s.BM25, "save", True),
        "fsync": (generations, "_fsync_tree", False),
        "renamed": (generations.os, "rename", False),
        "pointer": (generations.os, "replace", True),
        "swapped": (generations.os, "replace", False),
        "link": (generations.os, "link", False),
    }
    if point.startswith("merge-"):
        faiss_engine.TAIL_SHARE = 0.0  # any segment beside the largest makes a merge of all due
        owner, name, before = kill_points[point.removeprefix("merge-")]
        merge = faiss_engine.FaissEngine.merge

        def merge_then_die(self: Any, base: Any) -> Any:
            kill_around(owner, name, before=before)
            return merge(self, base)

        faiss_engine.FaissEngine.merge = merge_then_die  # type: ignore[method-assign]
    elif point in kill_points:
        owner, name, before = kill_points[point]
        kill_around(owner, name, before=before)
    elif point.startswith("milvus-"):
        kill_in_milvus(point.removeprefix("milvus-"))

    if fsize > 0:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
