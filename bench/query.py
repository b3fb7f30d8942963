"""Query latency per stage against the floor (query embed + flat search), memory, cold start; in one run.

For each `--sizes` N, a store generation of N passages is committed through the FAISS engine's interface:
real corpus articles cut by the project's cutter (SQLite rows and the BM25 index are real text), and
vectors that are the real vectors of the quality pool (bench/quality.py) tiled and perturbed to N (so the
dense side beyond the pool's size is synthetic; the FAISS type is the one `index_kind(N)` chooses).
Generations are cached in $BRIEFBOT_BENCH_CACHE and reused.

Per question (103 RealTime QA + seed questions, `--repeat` rounds): `Searcher.ask` stage timings (embed,
dense, lexical, fuse) + render (`bot.cli.text.answer_text` and `bot.render.answer_embed`) + bm25s's own
`retrieve` on the same question (`lexical:bm25s_retrieve`: the lexical stage before `top_rows`); the floor
is `encode_query` + a flat `IndexFlatIP.search` over the same N vectors, in a pass of its own. Cold start:
a fresh interpreter imports the CLI and the Discord bot, loads the model and opens the index. Batched
queries: the questions' embedding one by one against all in one call.

Usage: python bench/query.py [--sizes 20000 100000] [--repeat 3] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date

from common import (
    CACHE,
    ROOT,
    Timer,
    corpus_passages,
    current_rss_mb,
    emit,
    percentile,
    questions,
    seed_questions,
)
from faiss_scale import base_vectors, tiled

from index.embed import shared_embedder
from index.lexical import terms
from index.search import Searcher
from index.store import ChangeSet, DocumentUpdate
from index.store.faiss_engine import FaissEngine, FaissSnapshot
from index.store.faiss_vectors import one_faiss_thread, vector_index

MAX_WORDS = 80


def bench_store(n: int, embedder) -> tuple[FaissSnapshot, object]:
    folder = CACHE / f"query-{n}"
    engine = FaissEngine(folder)
    if engine.current() is None:
        texts, owners = corpus_passages(MAX_WORDS)
        if n > len(texts):
            raise SystemExit(f"the corpus has {len(texts)} passages of {MAX_WORDS} words; --sizes up to that")
        from index.clean import clean
        from index.passages import make_passages
        from index.sources import Document

        wanted = set(owners[:n])
        documents: list[tuple[Document, list]] = []
        total = 0
        from common import records
        for r in records():
            if r["doc_id"] not in wanted or total >= n:
                continue
            doc = Document(r["doc_id"], "rtqa", r.get("title") or r["doc_id"], r.get("domain") or "rtqa",
                           None, r.get("url"), clean(r["text"]))
            passages = make_passages(doc.id, doc.text, MAX_WORDS)[: n - total]
            documents.append((doc, passages))
            total += len(passages)
        meta = {"model": embedder.name, "dim": str(embedder.dim), "max_words": str(MAX_WORDS),
                "bench": "vectors tiled from the quality pool"}
        vectors = tiled(base_vectors(), total)
        put, start = [], 0
        for doc, passages in documents:
            put.append(DocumentUpdate(doc, passages, vectors[start:start + len(passages)]))
            start += len(passages)
        with engine.writer():
            engine.commit(None, ChangeSet(meta, put))
    return engine.open(embedder.name, embedder.dim), folder


def bm25s_retrieve_ms(searcher: Searcher, question: str) -> float:
    """The lexical stage as it was before `index.lexical.top_rows`: bm25s's own `retrieve` (top-k by
    `np.argpartition` over every passage's score), timed on the same question for comparison."""
    bm25 = searcher.store.keywords.segments[0].retriever
    tokens = [t for t in terms(question) if t in bm25.vocab_dict]
    with Timer() as t:
        if tokens:
            bm25.retrieve([tokens], k=min(searcher.settings.candidates, searcher.store.count),
                          show_progress=False, n_threads=1)
    return t.seconds * 1000


def renderers():
    from bot.cli.text import answer_text
    from bot.render import answer_embed, page_of

    return {"answer_text": answer_text,
            "answer_embed": lambda answer: answer_embed(answer, page_of(answer, 1, 3))}


COLD = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import bot.cli, bot.client  # noqa: F401,E401  (the front ends' imports: CLI and Discord)
from index.library import Library
t1 = time.perf_counter()
from index.embed import shared_embedder
from index.lexical import terms
shared_embedder()
t2 = time.perf_counter()
library = Library(Path({data!r}))
library.searcher()
t3 = time.perf_counter()
library.ask("When will Putin travel to North Korea?")
t4 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "model_s": t2 - t1, "index_s": t3 - t2, "first_query_s": t4 - t3,
                  "ready_s": t3 - t0}}))
"""


def cold_start(folder) -> dict:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), data=str(folder))],
                         capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if run.returncode:
        return {"error": run.stderr.strip().splitlines()[-1]}
    wall = time.perf_counter() - started
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    return {k: round(v, 2) for k, v in {**figures, "process_wall_s": wall}.items()}


def batched_embedding(embedder, texts: list[str], rounds: int) -> dict[str, float]:
    """Mean embedding time per question, one call per question against all questions in one call (the
    gain a batch of queries could bring), best of `rounds`."""
    one, batch = [], []
    for _ in range(rounds):
        with Timer() as t:
            for text in texts:
                embedder.encode_query(text)
        one.append(t.seconds * 1000 / len(texts))
        with Timer() as t:
            embedder.encode(texts)
        batch.append(t.seconds * 1000 / len(texts))
    return {"one_by_one": round(min(one), 2), "one_batch": round(min(batch), 2), "questions": len(texts)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true")
    args = parser.parse_args()

    embedder = shared_embedder()
    # Quiz questions are asked on their quiz date, as RealTime QA asked them: "this week" then names a week
    # of the corpus, so the time-window rankings run too. Seed questions are asked today.
    qs = [(q["question"], date(*map(int, q["question_date"].split("/")))) for q in questions()]
    qs += [(q["question"], None) for q in seed_questions()]
    render = renderers()
    results, rows = [], []
    for n in args.sizes:
        rss_before = current_rss_mb()
        store, folder = bench_store(n, embedder)
        searcher = Searcher(store, embedder)
        rss_loaded = current_rss_mb()
        index = store.vectors.segments[0].index
        flat = index if store.vectors.kind == "flat" else \
            vector_index(index.reconstruct_n(0, store.count), "flat")
        stages: dict[str, list[float]] = {}
        floor: list[float] = []
        searcher.ask(qs[0][0], as_of=qs[0][1])  # warm-up; reads the publication dates a time window needs
        for _ in range(args.repeat):
            for q, as_of in qs:
                answer = searcher.ask(q, as_of=as_of)
                timings = dict(answer.timings_ms)
                for name, fn in render.items():
                    with Timer() as t:
                        fn(answer)
                    timings[f"render:{name}"] = t.seconds * 1000
                timings["total+render"] = timings["total"] + timings["render:answer_text"]
                timings["lexical:bm25s_retrieve"] = bm25s_retrieve_ms(searcher, q)
                for stage, ms in timings.items():
                    stages.setdefault(stage, []).append(ms)
        # The floor in its own pass, so that its flat search never precedes a measured query. FAISS on one
        # thread, as in the query path: after the encoder, that is 3x faster than on two.
        for _ in range(args.repeat):
            for q, _as_of in qs:
                with Timer() as t, one_faiss_thread():
                    vector = embedder.encode_query(q)
                    flat.search(vector[None, :], searcher.settings.k)
                floor.append(t.seconds * 1000)
        disk = {p.name: sum(f.stat().st_size for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
                for p in store.folder.iterdir()}
        figures = {s: {"p50": round(percentile(v, 50), 2), "p99": round(percentile(v, 99), 2)}
                   for s, v in stages.items()}
        floor_fig = {"p50": round(percentile(floor, 50), 2), "p99": round(percentile(floor, 99), 2)}
        entry = {
            "passages": n, "faiss": store.meta.get("faiss"), "encoder": embedder.backend,
            "questions": len(qs), "rounds": args.repeat,
            "stages_ms": figures, "floor_ms": floor_fig,
            "total_over_floor_p50": round(figures["total"]["p50"] / floor_fig["p50"], 3),
            "total+render_over_floor_p50": round(figures["total+render"]["p50"] / floor_fig["p50"], 3),
            "memory": {"rss_loaded_mb": round(rss_loaded - rss_before, 1),
                       "rss_per_passage_bytes": round((rss_loaded - rss_before) * 2**20 / n),
                       "disk_bytes_per_passage": {k: round(v / n) for k, v in disk.items()}},
        }
        if not args.no_cold:
            entry["cold_start"] = cold_start(folder)
        results.append(entry)
        for stage in ["embed", "dense", "lexical", "lexical:bm25s_retrieve", "fuse", "render:answer_text",
                      "render:answer_embed", "total", "total+render"]:
            if stage in figures:
                rows.append([n, stage, figures[stage]["p50"], figures[stage]["p99"], ""])
        rows.append([n, "floor (embed + flat search)", floor_fig["p50"], floor_fig["p99"],
                     f"total/floor {entry['total_over_floor_p50']}"])
        if "ready_s" in entry.get("cold_start", {}):
            rows.append([n, "cold start (import+model+index)", entry["cold_start"]["ready_s"] * 1000, "", ""])
        store.close()
        del searcher, flat
    batching = batched_embedding(embedder, [q for q, _ in qs], args.repeat)
    rows.append(["-", "embed per question, one by one / in one batch", batching["one_by_one"],
                 batching["one_batch"], "batched queries"])
    emit({"note": "vectors beyond the quality pool are tiled, perturbed copies (synthetic dense side); "
                  "texts, SQLite and BM25 are real corpus passages", "results": results,
          "embed_per_question_ms": batching},
         "Query latency (ms) per stage vs floor", ["passages", "stage", "p50 ms", "p99 ms", "note"], rows)


if __name__ == "__main__":
    main()
