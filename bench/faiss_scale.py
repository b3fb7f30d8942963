"""FAISS at scale: flat (exact) against HNSW, recall@10 of HNSW against flat, latency, memory per passage.

Vectors: the real passage vectors of the quality pool index (bench/quality.py builds it), tiled to each
target size; every copy after the first is perturbed (Gaussian noise, then re-normalized; cosine to its
original about 0.9), so the large sizes are *synthetic* near-duplicates of real passages. Queries: the real
embeddings of the 103 RealTime QA questions and the seed questions. Single-query searches, as the bot does.

Usage: python bench/faiss_scale.py [--sizes 20000 100000 360000 660000] [--ef 32 64 128 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np
from common import CACHE, Timer, emit, percentile, questions, seed_questions

from index.embed import shared_embedder
from index.store import faiss_vectors as store_module
from index.store.faiss_engine import FaissEngine


def base_vectors() -> np.ndarray:
    engine = FaissEngine(CACHE / "quality" / "index")
    if engine.current() is None:
        raise SystemExit("run bench/quality.py first: its pool index provides the real vectors")
    generation = engine.data_dir / engine.current()
    # Every segment's vectors (an index written before segments has one file in the generation itself).
    paths = sorted(generation.glob(f"seg-*/{store_module.VECTORS}")) or [generation / store_module.VECTORS]
    indexes = [faiss.read_index(str(path)) for path in paths]
    return np.concatenate([index.reconstruct_n(0, index.ntotal) for index in indexes])


def tiled(base: np.ndarray, n: int, noise: float = 0.025, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for start in range(0, n, len(base)):
        part = base[: min(len(base), n - start)]
        if start:
            part = part + rng.normal(scale=noise, size=part.shape).astype(np.float32)
            part /= np.linalg.norm(part, axis=1, keepdims=True)
        out[start:start + len(part)] = part
    return out


def timed_searches(index: faiss.Index, queries: np.ndarray, k: int = 10, repeat: int = 2):
    times, found = [], []
    for _ in range(repeat):
        found = []
        for q in queries:
            t = time.perf_counter()
            _, rows = index.search(q[None, :], k)
            times.append((time.perf_counter() - t) * 1000)
            found.append(rows[0])
    return times, np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--ef", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--threads", type=int, default=2, help="OpenMP threads for FAISS")
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)

    base = base_vectors()
    embedder = shared_embedder()
    texts = [q["question"] for q in questions()] + [q["question"] for q in seed_questions()]
    queries = embedder.encode(texts)
    results, rows = [], []
    for n in args.sizes:
        vectors = tiled(base, n)
        with Timer() as t_flat:
            flat = store_module.vector_index(vectors, "flat")
        flat_ms, truth = timed_searches(flat, queries)
        flat_bytes = len(faiss.serialize_index(flat))
        entry = {"passages": n, "real_vectors": min(n, len(base)), "flat": {
            "build_s": round(t_flat.seconds, 2), "p50_ms": round(percentile(flat_ms, 50), 3),
            "p99_ms": round(percentile(flat_ms, 99), 3),
            "bytes_per_passage": round(flat_bytes / n, 1)}}
        rows.append([n, "flat", "-", round(t_flat.seconds, 1), percentile(flat_ms, 50),
                     percentile(flat_ms, 99),
                     1.0, round(flat_bytes / n)])
        del flat
        with Timer() as t_hnsw:
            hnsw = store_module.vector_index(vectors, "hnsw")
        hnsw_bytes = len(faiss.serialize_index(hnsw))
        entry["hnsw"] = {"M": store_module.HNSW_M, "efConstruction": store_module.HNSW_EF_CONSTRUCTION,
                         "build_s": round(t_hnsw.seconds, 1), "bytes_per_passage": round(hnsw_bytes / n, 1),
                         "by_efSearch": []}
        for ef in args.ef:
            hnsw.hnsw.efSearch = ef
            ms, found = timed_searches(hnsw, queries)
            recall = np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
            entry["hnsw"]["by_efSearch"].append({"efSearch": ef, "recall@10_vs_flat": round(float(recall), 4),
                                                 "p50_ms": round(percentile(ms, 50), 3),
                                                 "p99_ms": round(percentile(ms, 99), 3)})
            rows.append([n, "hnsw", ef, round(t_hnsw.seconds, 1), percentile(ms, 50), percentile(ms, 99),
                         float(recall), round(hnsw_bytes / n)])
        del hnsw
        results.append(entry)
    emit({"queries": len(queries), "threads": args.threads, "chosen": {
            "flat_max": store_module.FLAT_MAX, "hnsw_M": store_module.HNSW_M,
            "hnsw_efSearch": store_module.HNSW_EF_SEARCH},
          "note": "sizes beyond the real vectors are tiled, perturbed copies of them (synthetic)",
          "results": results},
         "FAISS flat vs HNSW (single-query search)",
         ["passages", "index", "efSearch", "build s", "p50 ms", "p99 ms", "recall@10 vs flat",
          "bytes/passage"],
         rows)


if __name__ == "__main__":
    main()
