"""The vector indexes of the FAISS engine: one FAISS index per segment (exact or HNSW by its size), searched
together as one `VectorIndex`.

A filter reaches FAISS as a bitmap of the rows it allows (`index.store.filter_masks.Allowed`, built once per
snapshot and filter): inside the search, nothing is copied or rebuilt per question. A bitmap allowing a
small share of an HNSW graph is searched exactly instead, over the graph's own stored vectors: a graph
search restricted to few nodes misses most of them, while a flat scan that skips the rows not allowed costs
about 1 ms per 100k rows plus the allowed rows' inner products.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from index.store.filter_masks import Allowed
from index.store.interface import Filter

VECTORS = "vectors.faiss"
# Exact search while it is fast: a flat scan costs about 1 ms per 10k passages here (10 ms at 100k, 84 ms at
# 660k). Beyond, HNSW: about 0.3 ms at any size, recall@10 against exact 0.996 at 660k passages with
# efSearch 256 (bench/faiss_scale.py), ~1.8 kB per passage instead of 1.5 kB.
FLAT_MAX = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 256
# A filter allowing less than this share of an HNSW segment's rows is searched exactly (see the docstring).
EXACT_FILTERED_SHARE = 0.2


class SegmentVectors:
    """The FAISS index of one segment: row i is the segment's passage i."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self.dim: int = index.d
        self.count: int = index.ntotal
        # The stored vectors of either kind, searched flat for selective filters.
        self._flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index

    @classmethod
    def load(cls, path: Path) -> SegmentVectors:
        """The index in `path`, its stored vectors memory-mapped, not read: a segment's file never changes
        once written, and opening a 1M-passage HNSW index takes 1.9 s instead of 5.9 s (the graph is still
        read; bench/README.md). `RuntimeError` if the file is not a FAISS index."""
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY))

    def search(self, query: np.ndarray, n: int, allowed: Allowed | None) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, rows) of the up to `n` rows nearest to `query` among those `allowed` (None: all)."""
        n = min(n, self.count if allowed is None else allowed.count)
        if n <= 0:
            return np.empty(0, np.float32), np.empty(0, np.int64)
        index, params = self.index, None
        if allowed is not None:
            if isinstance(self.index, faiss.IndexHNSW) and allowed.count >= EXACT_FILTERED_SHARE * self.count:
                params = faiss.SearchParametersHNSW(sel=allowed.selector,
                                                    efSearch=max(self.index.hnsw.efSearch, 2 * n))
            else:
                index, params = self._flat, faiss.SearchParameters(sel=allowed.selector)
        with one_faiss_thread():
            scores, rows = index.search(query[None, :], n, params=params)
        found = rows[0] >= 0
        return scores[0][found], rows[0][found]

    def get(self, rows: np.ndarray) -> np.ndarray:
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    @property
    def kind(self) -> str:
        return vector_kind(self.index)


class FaissVectors:
    """`VectorIndex` over the segments of a snapshot: segment i's row r is key `bases[i] + r`."""

    def __init__(self, segments: Sequence[SegmentVectors], bases: Sequence[int],
                 allowed: Callable[[Filter | None], list[Allowed | None]], dim: int) -> None:
        self.segments = list(segments)
        self.bases = np.asarray(bases, dtype=np.int64)
        self.dim = dim
        self.count = sum(s.count for s in self.segments)
        self._allowed = allowed

    def search(self, query: np.ndarray, n: int, where: Filter | None = None) -> dict[int, float]:
        found: list[tuple[float, int]] = []
        for segment, base, allowed in zip(self.segments, self.bases, self._allowed(where), strict=True):
            scores, rows = segment.search(query, n, allowed)
            found += zip(scores.tolist(), (rows + base).tolist(), strict=True)
        return {key: score for score, key in heapq.nlargest(n, found, key=lambda item: (item[0], -item[1]))}

    def get(self, keys: Sequence[int]) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.int64)
        out = np.empty((len(keys), self.dim), np.float32)
        for i, picked in by_segment(self.bases, keys):
            out[picked] = self.segments[i].get(keys[picked] - self.bases[i])
        return out

    @property
    def kind(self) -> str:
        """The kind of the largest segment's index."""
        return max(self.segments, key=lambda s: s.count).kind if self.segments else "flat"


def by_segment(bases: np.ndarray, keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(segment, which of `keys` it holds) for each segment some of `keys` fall in, in order: a key is in
    the last segment whose base (first key) is not above it."""
    owner = np.searchsorted(bases, keys, side="right") - 1
    # Not np.unique: it imports numpy.ma, 6 ms of a cold `ask`.
    return [(i, owner == i) for i in sorted(set(owner[owner >= 0].tolist()))]


def write(path: Path, vectors: np.ndarray, kind: str) -> None:
    """Write an index of `kind` over `vectors` (row i = vector i) to `path`."""
    faiss.write_index(vector_index(vectors, kind), str(path))


def index_kind(count: int) -> str:
    """The FAISS index type for `count` passages: "flat" (exact) or "hnsw" (approximate)."""
    return "flat" if count <= FLAT_MAX else "hnsw"


def vector_index(vectors: np.ndarray, kind: str | None = None) -> faiss.Index:
    """An inner-product index over normalized vectors, exact or HNSW by their number (see `index_kind`).

    Both kinds keep the vectors themselves, so `reconstruct_batch(rows)` works on either.
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
