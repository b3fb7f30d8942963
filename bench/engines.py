"""Milvus Lite against FAISS at N passages, side by side in one run: build throughput and query latency.

The store of bench/query.py (`common.tiled_documents`: real corpus articles with their real dates and
publishers, cut by the project's cutter; the quality pool's real vectors tiled to N), handed as the same
change set to each engine:

  build   one rebuild commit of the N passages with their vectors into a fresh engine (SQLite rows + FAISS
          + BM25 files and a generation swap; Milvus: rows inserted into new collections with their BM25
          function, flushed, the alias switched), engines alternating for `--rounds`. Embedding is left out:
          it is the same for both (~90 passages/s here, 18 min per 100k passages) and dwarfs either.
  query   `Searcher.ask` as the bot asks, over the last build of each engine: every question asked today
          (`today`), the RealTime QA questions on their quiz date (`as-of`), and asked today of one
          publisher (`source`: the one nearest 3% of the articles); each question on the floor (embed + a
          flat FAISS search) and on each engine's paths in an order rotated per question, so load changes
          hit all alike. Per engine, the stages of `today` (embed, dense, lexical, fuse, select).
`--questions` keeps the first N questions of each set (Milvus Lite answers a question in a few hundred ms
at 100k: the whole set on every path would take most of an hour on this shared machine).

Usage: python bench/engines.py [--passages 100000] [--rounds 1] [--questions 40] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import date

from common import CACHE, Timer, emit, load_average, percentile, questions, seed_questions, tiled_documents
from faiss_scale import base_vectors, tiled
from query import pick_sources

from index.embed import shared_embedder
from index.search import Searcher, SearchSettings
from index.store import ChangeSet, DocumentUpdate
from index.store.faiss_engine import FaissEngine
from index.store.faiss_vectors import one_faiss_thread
from index.store.milvus import MilvusEngine

ENGINES = ("faiss", "milvus")


def change_set(n: int, embedder, max_words: int = 80) -> ChangeSet:
    """The N passages of bench/query.py's store with their tiled vectors, as one rebuild."""
    vectors = tiled(base_vectors(), n)
    put, start = [], 0
    for doc, passages in tiled_documents(n, max_words):
        put.append(DocumentUpdate(doc, passages, vectors[start:start + len(passages)]))
        start += len(passages)
    meta = {"model": embedder.name, "dim": str(embedder.dim), "max_words": str(max_words),
            "bench": "vectors tiled from the quality pool"}
    return ChangeSet(meta, put)


def fresh(name: str, n: int):
    folder = CACHE / f"engines-{n}" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if name == "faiss":
        return FaissEngine(folder / "data")
    return MilvusEngine(str(folder / "milvus.db"), "bench")


def build(engine, changes: ChangeSet) -> float:
    with Timer() as t, engine.writer():
        engine.commit(None, changes)
    return t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1, help="builds per engine, alternating")
    parser.add_argument("--questions", type=int, default=40, help="first N of each question set")
    parser.add_argument("--repeat", type=int, default=2, help="query rounds")
    args = parser.parse_args()

    embedder = shared_embedder()
    n = args.passages
    changes = change_set(n, embedder)
    builds: dict[str, list[float]] = {name: [] for name in ENGINES}
    engines = {}
    for _ in range(args.rounds):
        for name in ENGINES:
            engines[name] = fresh(name, n)
            builds[name].append(build(engines[name], changes))
    del changes

    stores = {name: engine.open(embedder.name, embedder.dim) for name, engine in engines.items()}
    assert stores["faiss"].count == stores["milvus"].count == n
    searchers = {name: (Searcher(store, embedder), Searcher(store, embedder, SearchSettings(window_weight=0)))
                 for name, store in stores.items()}
    publisher = pick_sources(stores["faiss"])["small"]
    quiz = [(q["question"], date(*map(int, q["question_date"].split("/"))))
            for q in questions()[: args.questions]]
    everyone = [q for q, _ in quiz] + [q["question"] for q in seed_questions()[: args.questions]]
    # (path, question, as_of, sources, cut-off searcher?) per engine.
    asks = [("today", q, None, None, False) for q in everyone]
    asks += [("as-of", q, day, None, True) for q, day in quiz]
    asks += [("source", q, None, {publisher}, False) for q in everyone]
    by_question: dict[str, list] = {}
    for path, q, *rest in asks:
        for name in ENGINES:
            by_question.setdefault(q, []).append((name, path, q, *rest))
    flat = stores["faiss"].vectors.segments[0]._flat
    for q, day in quiz[:3]:  # warm-up
        for default, _ in searchers.values():
            default.ask(q, as_of=day)

    times: dict[str, list[float]] = {}
    loads = [load_average()]
    started = time.perf_counter()
    for round_ in range(args.repeat):
        for number, (question, entries) in enumerate(by_question.items()):
            work = [("floor", "floor", question, None, None, False), *entries]
            shift = (number + round_) % len(work)
            for name, path, q, as_of, names, cut_off in work[shift:] + work[:shift]:
                if name == "floor":
                    with Timer() as t, one_faiss_thread():
                        flat.search(embedder.encode_query(q)[None, :], SearchSettings().k)
                    times.setdefault("floor", []).append(t.seconds * 1000)
                    continue
                answer = searchers[name][cut_off].ask(q, as_of=as_of, sources=names)
                times.setdefault(f"{name}:{path}", []).append(answer.timings_ms["total"])
                if path == "today":
                    for stage, ms in answer.timings_ms.items():
                        times.setdefault(f"{name}:today:{stage}", []).append(ms)
        loads.append(load_average())
    seconds = time.perf_counter() - started

    def fig(values: list[float]) -> dict:
        return {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2),
                "asks": len(values)}

    figures = {key: fig(values) for key, values in times.items()}
    build_fig = {name: {"seconds": [round(s, 1) for s in spent],
                        "passages_per_s": round(n / min(spent), 1)} for name, spent in builds.items()}
    rows = [["build (passages/s, best of rounds)", build_fig["faiss"]["passages_per_s"],
             build_fig["milvus"]["passages_per_s"],
             round(build_fig["milvus"]["passages_per_s"] / build_fig["faiss"]["passages_per_s"], 3)]]
    for path in ("today", "as-of", "source", *(f"today:{stage}" for stage in
                                               ("embed", "dense", "lexical", "fuse", "select"))):
        for q in ("p50", "p99"):
            f, m = figures[f"faiss:{path}"][q], figures[f"milvus:{path}"][q]
            rows.append([f"{path} {q} ms", f, m, round(m / f, 2) if f else ""])
    rows.append(["floor p50 / p99 ms", figures["floor"]["p50"], figures["floor"]["p99"], ""])
    for store in stores.values():
        store.close()
    emit({"passages": n, "source_filter": publisher, "questions_per_set": args.questions,
          "rounds": args.repeat, "query_seconds": round(seconds, 1), "load_avg_1m": loads,
          "build": build_fig, "ask_ms": figures,
          "milvus_vector_index": engines["milvus"].vector_index,
          "faiss_index": stores["faiss"].meta.get("faiss")},
         f"Milvus Lite vs FAISS at {n:,} passages (side by side)",
         ["", "FAISS", "Milvus Lite", "Milvus/FAISS"], rows)


if __name__ == "__main__":
    main()
