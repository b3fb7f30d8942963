"""The vector index of the FAISS engine: exact (flat) or HNSW inner-product search by corpus size.

A filter becomes a FAISS `IDSelector` over the keys it allows, so it is applied inside the search; a
filter leaving few keys over an HNSW graph is scored exactly instead (a graph search restricted to a few
nodes misses most of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from index.store.interface import Filter

VECTORS = "vectors.faiss"
# Exact search while it is fast: a flat scan costs about 1 ms per 10k passages here (10 ms at 100k, 84 ms at
# 660k). Beyond, HNSW: about 0.3 ms at any size, recall@10 against exact 0.996 at 660k passages with
# efSearch 256 (bench/faiss_scale.py), ~1.8 kB per passage instead of 1.5 kB.
FLAT_MAX = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 256
EXACT_FILTERED_MAX = 50_000  # a filter leaving at most this many keys of an HNSW index is searched exactly

# The keys a filter allows, sorted (None: every key).
KeysOf = Callable[[Filter | None], np.ndarray | None]


class FaissVectors:
    """`VectorIndex` over a FAISS index whose ids are the passage keys."""

    def __init__(self, index: faiss.Index, keys_of: KeysOf) -> None:
        self.index = index
        self.dim: int = index.d
        self.count: int = index.ntotal
        self._keys_of = keys_of

    @classmethod
    def load(cls, path: Path, keys_of: KeysOf) -> FaissVectors:
        return cls(faiss.read_index(str(path)), keys_of)

    def search(self, query: np.ndarray, n: int, where: Filter | None = None) -> dict[int, float]:
        allowed = self._keys_of(where)
        n = min(n, self.count)
        if n == 0 or (allowed is not None and len(allowed) == 0):
            return {}
        params = None
        if allowed is not None and isinstance(self.index, faiss.IndexHNSW):
            if len(allowed) <= EXACT_FILTERED_MAX:
                scores = self.index.reconstruct_batch(allowed) @ query
                top = np.argsort(-scores, kind="stable")[:n]
                return {int(allowed[i]): float(scores[i]) for i in top}
            params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(allowed),
                                                efSearch=max(self.index.hnsw.efSearch, 2 * n))
        elif allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        with one_faiss_thread():
            scores, keys = self.index.search(query[None, :], n, params=params)
        return {int(k): float(s) for k, s in zip(keys[0], scores[0], strict=True) if k >= 0}

    def get(self, keys: Sequence[int]) -> np.ndarray:
        return self.index.reconstruct_batch(np.asarray(keys, dtype=np.int64))

    @property
    def kind(self) -> str:
        return vector_kind(self.index)


def write(path: Path, vectors: np.ndarray, kind: str) -> None:
    """Write an index of `kind` over `vectors` (key i = row i) to `path`."""
    faiss.write_index(vector_index(vectors, kind), str(path))


def index_kind(count: int) -> str:
    """The FAISS index type for `count` passages: "flat" (exact) or "hnsw" (approximate)."""
    return "flat" if count <= FLAT_MAX else "hnsw"


def vector_index(vectors: np.ndarray, kind: str | None = None) -> faiss.Index:
    """An inner-product index over normalized vectors, exact or HNSW by their number (see `index_kind`).

    Both kinds keep the vectors themselves, so `reconstruct_batch(keys)` works on either.
    """
    kind = kind or index_kind(len(vectors))
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH  # written with the index
    else:
        raise ValueError(f"unknown vector index kind {kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def vector_kind(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


@contextmanager
def one_faiss_thread() -> Iterator[None]:
    """FAISS on one OpenMP thread in the calling thread, for a single query's search.

    Right after the encoder has run, its threads still hold the cores for a while; FAISS's other threads
    then wait on them, and a flat search over 100k vectors takes 3x longer than on one thread
    (bench/README.md). OpenMP keeps the setting per calling thread, so a build in another thread keeps
    every core; the previous setting is restored.
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
