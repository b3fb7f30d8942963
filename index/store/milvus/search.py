"""Searches of the Milvus engine: dense (`MilvusVectors`) and BM25 (`MilvusKeywords`), with a `Filter` and
the snapshot's generation as one Milvus boolean expression, so filters run inside the search.

Keyword search uses Milvus's own BM25 function. Its input is not the raw passage but the project's search
terms (`index.lexical.terms`: stemmed, stop words dropped, figures like "2+2" kept), each written as one
token that Milvus's standard tokenizer keeps whole, so both engines score the same terms and a question
term is known to Milvus exactly when the FAISS engine's vocabulary has it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence

import numpy as np
from pymilvus import MilvusClient

from index.lexical import terms
from index.store.interface import Filter, StoreError, idf
from index.store.milvus.client import PAGE, batches, one_of
from index.store.milvus.schema import HNSW_EF

_PLAIN = re.compile(r"[a-z0-9]{1,40}")
RARITY_DEPTH = 1000  # passages counted per term for its rarity
RARITY_CACHE = 100_000  # terms whose rarity a snapshot keeps (a generation's questions rarely reach it)


def token(term: str) -> str:
    """One search term as one token of Milvus's standard tokenizer, distinct terms distinct tokens: plain
    ASCII terms as they are; others as `_x` + the hex of their UTF-8, or `_h` + a hash when that is long."""
    if _PLAIN.fullmatch(term):
        return term
    raw = term.encode("utf-8", "surrogatepass")
    return f"_x{raw.hex()}" if len(raw) <= 20 else f"_h{hashlib.sha1(raw).hexdigest()[:24]}"


def tokens(text: str) -> list[str]:
    return [token(t) for t in terms(text)]


def visible(generation: int) -> str:
    """Rows that belong to the index at `generation`."""
    return f"born <= {generation} and died > {generation}"


def expression(generation: int, where: Filter | None) -> str:
    """The rows of `generation` that `where` allows, as a Milvus expression (see `Filter`)."""
    parts = [visible(generation)]
    if where is not None:
        if where.published_by is not None:  # undated articles have day 0: always kept
            parts.append(f"day <= {where.published_by.toordinal()}")
        if where.published_between is not None:
            start, end = where.published_between
            parts.append(f"day >= {start.toordinal()} and day <= {end.toordinal()}")
        if where.sources:
            names = sorted(where.sources)
            parts.append(f"({one_of('source', names)} or {one_of('publisher', names)})")
        if where.scopes is not None:  # its own condition: no name above reaches another scope
            parts.append(one_of("scope", sorted(where.scopes)) if where.scopes else "key < 0")
    return " and ".join(parts)


class MilvusVectors:
    """`VectorIndex` over the `vec` field of a passages collection, at one generation."""

    def __init__(self, client: MilvusClient, collection: str, generation: int, dim: int, count: int,
                 vector_index: str) -> None:
        self._client, self._collection, self._generation = client, collection, generation
        self.dim = dim
        self._count = count
        self._params = {"metric_type": "IP", "params": {"ef": HNSW_EF} if vector_index == "HNSW" else {}}

    def search(self, query: np.ndarray, n: int, where: Filter | None = None) -> dict[int, float]:
        n = min(n, self._count, PAGE)
        if n <= 0:
            return {}
        [hits] = self._client.search(
            self._collection, data=[np.asarray(query, dtype=np.float32).tolist()], anns_field="vec", limit=n,
            filter=expression(self._generation, where), output_fields=["key"], search_params=self._params)
        return {int(hit["key"]): float(hit["distance"]) for hit in hits}

    def get(self, keys: Sequence[int]) -> np.ndarray:
        if not len(keys):
            return np.empty((0, self.dim), np.float32)
        found: dict[int, list[float]] = {}
        for batch in batches([int(k) for k in keys], PAGE):
            rows = self._client.get(self._collection, ids=list(batch), output_fields=["vec"])
            found.update((int(row["key"]), row["vec"]) for row in rows)
        missing = [k for k in keys if int(k) not in found]
        if missing:
            raise StoreError(f"passages {missing[:5]} are missing from {self._collection}; reload the index")
        return np.array([found[int(k)] for k in keys], dtype=np.float32)


class MilvusKeywords:
    """`KeywordIndex`: Milvus's BM25 over the `terms` field, at one generation."""

    def __init__(self, client: MilvusClient, collection: str, generation: int, count: int) -> None:
        self._client, self._collection, self._generation = client, collection, generation
        self._count = count
        # Each term's rarity at this generation (None: no passage holds it), counted once: counting is a
        # search returning up to RARITY_DEPTH rows per term, most of an answer's time in Milvus Lite.
        self._rarity: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def search(self, text: str, n: int, where: Sequence[Filter | None] = (None,)) -> list[list[int]]:
        query = " ".join(tokens(text))
        n = min(n, self._count, PAGE)
        if n <= 0 or not query:
            return [[] for _ in where]
        rankings = []
        for condition in where:
            [hits] = self._client.search(
                self._collection, data=[query], anns_field="sparse", limit=n,
                filter=expression(self._generation, condition), output_fields=["key"],
                search_params={"metric_type": "BM25"})
            rankings.append([int(hit["key"]) for hit in hits])
        return rankings

    def rarity(self, terms: Sequence[str]) -> dict[str, float]:
        distinct = sorted(set(terms))
        if not distinct or not self._count:
            return {}
        with self._lock:
            known = {term: self._rarity[term] for term in distinct if term in self._rarity}
        missing = [term for term in distinct if term not in known]
        if missing:
            # The passages holding each term, counted by one search of each term in one call. Counts are
            # capped at RARITY_DEPTH: a term that common is common either way, its rarity near the floor.
            found = self._client.search(
                self._collection, data=[token(t) for t in missing], anns_field="sparse",
                limit=min(self._count, RARITY_DEPTH), filter=visible(self._generation), output_fields=[],
                search_params={"metric_type": "BM25"})
            counted = {term: float(idf(len(hits), self._count)) if hits else None
                       for term, hits in zip(missing, found, strict=True)}
            known.update(counted)
            with self._lock:
                if len(self._rarity) > RARITY_CACHE:
                    self._rarity.clear()
                self._rarity.update(counted)
        return {term: value for term, value in known.items() if value is not None}
