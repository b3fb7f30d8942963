"""Query latency of every query path against the floor (query embed + flat search), interleaved, in one run.

For each `--sizes` N, a store of N passages (`common.bench_engine`): real corpus articles with their real
publication dates and publishers, cut by the project's cutter (SQLite rows and BM25 are real text), and the
quality pool's real vectors tiled and perturbed to N (the dense side beyond 24k passages is synthetic;
beyond the corpus's ~660k passages, articles repeat under new ids). The FAISS type is the engine's choice.

Query paths (`Searcher.ask`, every stage: embed, dense, BM25, fusion, quoting):
  today      every question asked today: no filter
  as-of      the 103 RealTime QA questions asked on their quiz date, the cut-off only (window weight 0)
  window     the same with the question's time window ("this week") ranked too, as the bot asks (66 of 103
             name one; `window*` counts only those)
  source:X   every question asked today of one publisher only (`pick_sources`: the largest, the one nearest
             3% of the articles, and the smallest)
  scope:X    (`--scopes`) every question asked today in a Discord server, as the bot asks it: the operator's
             sources and the server's (`index.scopes.visible`), on a store where two outlets' articles are
             two servers' sources (`common.bench_engine(scoped=True)`: server big ~3% of the articles, server
             tiny the smallest outlet), all in one segment as after a merge, so the scope filter masks it;
             `scope:tiny-alone` asks with the tiny server's scope only (a bot whose operator has no sources)
The floor, per question: `encode_query` + an exact `IndexFlatIP` search over the same N vectors (FAISS on one
thread, as in the query path). Every round asks each question on the floor and on every path, in an order
rotated per question, so load changes hit all alike. Recall: the dense candidates each filtered path
returns against exact search over the rows its filter allows (numpy over the stored vectors).

With `--scopes`, `mask_cold_ms` is what a scope filter costs when it is not cached (its masks built and its
FAISS selector made, as for the first question of a server on a new index state, or after 64 other
filters): p50/p99 over 20 builds per server.

Usage: python bench/query.py [--sizes 100000 1000000] [--repeat 3] [--no-cold] [--scopes]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import numpy as np
from common import (
    ROOT,
    Timer,
    bench_engine,
    current_rss_mb,
    emit,
    load_average,
    percentile,
    questions,
    seed_questions,
)

from index.embed import shared_embedder
from index.language import english
from index.question_time import question_window
from index.scopes import visible
from index.search import Searcher, SearchSettings
from index.store import Filter
from index.store.faiss_vectors import one_faiss_thread


def pick_sources(store) -> dict[str, str]:
    """Publishers of the store to filter by: the largest, the one nearest 3% of the articles, the smallest."""
    counts = Counter(info.publisher for info in store.documents.values())
    ordered = counts.most_common()
    small = min(ordered[1:-1] or ordered, key=lambda item: abs(item[1] - 0.03 * len(store.documents)))
    return {"big": ordered[0][0], "small": small[0], "tiny": ordered[-1][0]}


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


def stored_vectors(store):
    """The flat index of the stored vectors (HNSW keeps them too), by key: the bench stores are one
    segment."""
    [segment] = store.vectors.segments
    return segment._flat


def dense_recall(store, flat, query: np.ndarray, where: Filter | None, n: int = 10) -> float:
    """Share of the exact top `n` (a flat scan of the stored vectors, only over the rows `where` allows)
    that the store's dense search finds."""
    import faiss

    [allowed] = store.vectors._allowed(where)
    if allowed is not None and allowed.count == 0:
        return 1.0
    params = None if allowed is None else faiss.SearchParameters(sel=allowed.selector)
    with one_faiss_thread():
        _, rows = flat.search(query[None, :], n, params=params)
    exact = {int(r) for r in rows[0] if r >= 0}
    found = set(list(store.vectors.search(query, n, where))[:n])
    return len(exact & found) / len(exact)


def scope_filters(store) -> dict[str, frozenset[str]]:
    """The scopes a question of each server of the scoped store may quote (`common.server_publishers`)."""
    big, tiny = json.loads(store.meta["servers"])
    return {"big": visible(big), "tiny": visible(tiny), "tiny-alone": frozenset({tiny})}


def mask_cold(store, servers: dict[str, frozenset[str]], times: int = 20) -> dict[str, dict[str, float]]:
    """Building a scope filter's masks and FAISS selector with nothing cached (p50, p99 of `times` builds;
    each as the first question of a server asked today)."""
    masks = store.vectors._allowed
    out = {}
    for server, scopes in servers.items():
        spent = []
        for _ in range(times):
            masks._cache.clear()
            with Timer() as t:
                for allowed in masks(Filter(published_by=date.today(), scopes=scopes)):
                    if allowed is not None:
                        allowed.selector  # noqa: B018  (made on first use: part of the first search)
            spent.append(t.seconds * 1000)
        out[server] = {"p50": round(percentile(spent, 50), 2), "p99": round(percentile(spent, 99), 2)}
    masks._cache.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true")
    parser.add_argument("--scopes", action="store_true",
                        help="the scoped store, with the scope paths of the bot's servers")
    args = parser.parse_args()

    embedder = shared_embedder()
    quiz = [(q["question"], date(*map(int, q["question_date"].split("/")))) for q in questions()]
    everyone = [q for q, _ in quiz] + [q["question"] for q in seed_questions()]
    named = {q for q, day in quiz if question_window(q, day) is not None}
    render = renderers()
    results, rows = [], []
    for n in args.sizes:
        rss_before = current_rss_mb()
        engine = bench_engine(n, embedder, scoped=args.scopes)
        store = engine.open(embedder.name, embedder.dim)
        rss_loaded = current_rss_mb()
        searchers = {"default": Searcher(store, embedder),
                     "cut-off": Searcher(store, embedder, SearchSettings(window_weight=0))}
        flat = stored_vectors(store)
        sources = pick_sources(store)
        # (path, question, as_of, sources, scopes, searcher) for every measured ask.
        asks = [("today", q, None, None, None, "default") for q in everyone]
        asks += [("as-of", q, day, None, None, "cut-off") for q, day in quiz]
        asks += [("window", q, day, None, None, "default") for q, day in quiz]
        asks += [(f"source:{size}", q, None, {name}, None, "default")
                 for size, name in sources.items() for q in everyone]
        servers = scope_filters(store) if args.scopes else {}
        asks += [(f"scope:{server}", q, None, None, scopes, "default")
                 for server, scopes in servers.items() for q in everyone]
        by_question: dict[str, list] = {}
        for entry in asks:
            by_question.setdefault(entry[1], []).append(entry)
        english()  # loaded at start, as the bot's setup_hook does, not by the first who-question measured
        for q, day in quiz[:3]:  # warm-up
            searchers["default"].ask(q, as_of=day)
        gc.freeze()  # what is loaded stays out of the collector's full passes, as in the bot's setup_hook
        stages: dict[str, list[float]] = {}
        floor: list[float] = []
        started = time.perf_counter()
        loads = [load_average()]
        for round_ in range(args.repeat):
            for number, (question, entries) in enumerate(by_question.items()):
                work = [("floor", question, None, None, None, None), *entries]
                shift = (number + round_) % len(work)
                for path, q, as_of, names, scopes, which in work[shift:] + work[:shift]:
                    if path == "floor":
                        with Timer() as t, one_faiss_thread():
                            flat.search(embedder.encode_query(q)[None, :], searchers["default"].settings.k)
                        floor.append(t.seconds * 1000)
                        continue
                    answer = searchers[which].ask(q, as_of=as_of, sources=names, scopes=scopes)
                    stages.setdefault(path, []).append(answer.timings_ms["total"])
                    if path == "window" and q in named:
                        stages.setdefault("window*", []).append(answer.timings_ms["total"])
                    if path == "today":
                        for stage, ms in answer.timings_ms.items():
                            stages.setdefault(f"today:{stage}", []).append(ms)
                        for name, fn in render.items():
                            with Timer() as t:
                                fn(answer)
                            stages.setdefault(f"render:{name}", []).append(t.seconds * 1000)
            loads.append(load_average())
        seconds = time.perf_counter() - started
        # Exactness of the dense candidates under each filter (against numpy over the allowed rows).
        recall: dict[str, list[float]] = {}
        for q, day in quiz:
            vector = embedder.encode_query(q)
            checks = {"today": Filter(published_by=date.today()), "as-of": Filter(published_by=day)}
            window = question_window(q, day)
            if window is not None:
                checks["window"] = Filter(published_between=(window.start, window.end))
            checks.update({f"source:{size}": Filter(sources={name}) for size, name in sources.items()})
            checks.update({f"scope:{server}": Filter(published_by=date.today(), scopes=scopes)
                           for server, scopes in servers.items()})
            for path, where in checks.items():
                recall.setdefault(path, []).append(dense_recall(store, flat, vector, where))
        floor_fig = {"p50": round(percentile(floor, 50), 2), "p99": round(percentile(floor, 99), 2)}
        figures = {s: {"p50": round(percentile(v, 50), 2), "p99": round(percentile(v, 99), 2), "asks": len(v)}
                   for s, v in stages.items()}
        paths = ["today", "as-of", "window", "window*", *(f"source:{s}" for s in sources),
                 *(f"scope:{server}" for server in servers)]
        ratios = {p: {"p50": round(figures[p]["p50"] / floor_fig["p50"], 3),
                      "p99": round(figures[p]["p99"] / floor_fig["p99"], 3)} for p in paths}
        allowed = {f"source:{s}": store.vectors._allowed(Filter(sources={name}))[0].count
                   for s, name in sources.items()}
        allowed.update({f"scope:{server}": store.vectors._allowed(Filter(scopes=scopes))[0].count
                        for server, scopes in servers.items()})
        entry = {
            "passages": store.count, "faiss": store.meta.get("faiss"), "encoder": embedder.backend,
            "rounds": args.repeat, "seconds": round(seconds, 1), "load_avg_1m": loads,
            "paths_ms": {p: figures[p] for p in paths}, "floor_ms": floor_fig, "over_floor": ratios,
            "targets_met": {p: r["p50"] <= 1.3 and r["p99"] <= 1.5 for p, r in ratios.items()},
            "stages_today_ms": {s: v for s, v in figures.items() if ":" in s and not s.startswith("source")},
            "dense_recall_at_10": {p: round(float(np.mean(v)), 4) for p, v in recall.items()},
            "sources": sources, "allowed_passages": allowed,
            "memory": {"rss_loaded_mb": round(rss_loaded - rss_before, 1)},
        }
        if servers:
            entry["servers"] = json.loads(store.meta["servers"])
            entry["mask_cold_ms"] = mask_cold(store, servers)
        if not args.no_cold:
            entry["cold_start"] = cold_start(engine.data_dir)
        results.append(entry)
        for p in paths:
            rows.append([n, p, figures[p]["p50"], figures[p]["p99"], ratios[p]["p50"], ratios[p]["p99"],
                         entry["dense_recall_at_10"].get(p.rstrip("*"), "")])
        rows.append([n, "floor (embed + flat search)", floor_fig["p50"], floor_fig["p99"], 1.0, 1.0, ""])
        store.close()
    emit({"note": "vectors beyond the quality pool are tiled, perturbed copies (synthetic dense side); "
                  "texts, dates, publishers, SQLite and BM25 are real corpus articles (repeated beyond ~660k "
                  "passages)",
          "results": results},
         "Query paths vs floor (ms; ratios p50 and p99 to the floor's)",
         ["passages", "path", "p50 ms", "p99 ms", "p50/floor", "p99/floor", "dense recall@10"], rows)


if __name__ == "__main__":
    main()
