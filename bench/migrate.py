"""The same answers from Milvus: RealTime QA dev (103 questions) answered from bench/quality.py's pool index
(FAISS engine) and from its copy in Milvus Lite made by `briefbot migrate` (`copy_index`), side by side; and
from its copy into a fresh FAISS index, for reference: a copy is one rebuild (one FAISS segment, one Milvus
collection) while the pool index keeps the segments its incremental builds left.

Each question is asked as the bot would on its quiz date (`Searcher.ask(k=10, as_of=...)`), once per engine,
interleaved. Figures per half of the questions (the fixed split by a hash of the question id that
bench/quality.py uses: "dev" and "report"): recall@5 of the answers (gold article among the sources of the
first five passages, "also reported by" included) and of the fused ranking, and how many questions get the
very same passages in the same order from two engines (and the same fused, dense and keyword top 10).
Nothing was tuned on either half here: the Milvus engine has no parameter of its own that changes rankings.

Usage: python bench/migrate.py [--hard 8] [--period 400] [--random 400] [--limit N]
"""

from __future__ import annotations

import argparse
import time

from common import CACHE, Timer, corpus_id, emit, percentile, questions
from quality import asked_on, half, pool_ids, pool_searcher

from index.search import Searcher
from index.store import Filter
from index.store.faiss_engine import FaissEngine
from index.store.migrate import copy_index
from index.store.milvus import MilvusEngine

HALVES = ("dev", "report")


def gold_rank(groups: list[list[str]], gold: set[str], depth: int = 10) -> int | None:
    return next((rank for rank, group in enumerate(groups[:depth], 1) if gold & set(group)), None)


def answer_row(searcher: Searcher, q: dict) -> dict:
    as_of = asked_on(q)
    start = time.perf_counter()
    answer = searcher.ask(q["question"], k=10, as_of=as_of)
    took = (time.perf_counter() - start) * 1000
    groups = [[corpus_id(h.source.id), *(corpus_id(d.id) for d in h.also_reported_by)]
              for h in answer.passages]
    order = searcher.rank(q["question"], 10, as_of=as_of)
    owners = searcher.store.documents_of([key for key, _ in order])
    gold = set(q["gold_doc_ids"])
    ids = {p.key: p.id for p in searcher.store.passages([key for key, _ in order])}
    # Each side of the fusion alone (passage ids: the two engines number passages alike, but compare ids).
    store, where = searcher.store, Filter(published_by=as_of)
    dense = list(store.vectors.search(searcher.embedder.encode_query(q["question"]), 10, where))
    [keyword] = store.keywords.search(q["question"], 10, [where])
    named = {p.key: p.id for p in store.passages(dense + keyword)}
    return {"passages": [h.passage_id for h in answer.passages], "answer_rank": gold_rank(groups, gold),
            "ranking_rank": gold_rank([[corpus_id(owners[key])] for key, _ in order], gold), "ms": took,
            "ranking": [ids[key] for key, _ in order], "dense": [named[k] for k in dense],
            "keyword": [named[k] for k in keyword]}


def recall(rows: list[dict], field: str) -> float:
    return round(sum(r[field] is not None and r[field] <= 5 for r in rows) / max(1, len(rows)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hard", type=int, default=8)
    parser.add_argument("--period", type=int, default=400)
    parser.add_argument("--random", type=int, default=400)
    parser.add_argument("--max-words", type=int, default=80)
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    args = parser.parse_args()

    every = questions()
    qs = every[: args.limit]  # the pool is that of every question (bench/quality.py's)
    faiss, pool = pool_searcher(pool_ids(every, args.hard, args.period, args.random, args.max_words),
                                args.max_words)
    embedder = faiss.embedder
    source = FaissEngine(CACHE / "quality" / "index")
    segments = len(faiss.store.vectors.segments)
    copies = {"milvus": MilvusEngine(str(CACHE / "quality" / "milvus.db"), "quality"),
              "faiss-copy": FaissEngine(CACHE / "quality" / "index-copy")}
    copied, seconds = {}, {}
    for name, target in copies.items():
        with Timer() as copying:
            copied[name] = copy_index(source, target, embedder.name, embedder.dim)
        seconds[name] = round(copying.seconds, 1)
    searchers = {"faiss": faiss, **{name: Searcher(target.open(embedder.name, embedder.dim), embedder)
                                    for name, target in copies.items()}}
    # Each question is embedded once for every engine.
    encode, memo = embedder.encode_query, {}
    embedder.encode_query = lambda text: memo[text] if text in memo else memo.setdefault(text, encode(text))

    rows: dict[str, list[dict]] = {name: [] for name in searchers}
    for q in qs:
        for name, searcher in searchers.items():
            rows[name].append({"half": half(q["question_id"]), **answer_row(searcher, q)})

    figures: dict[str, dict] = {}
    table = []
    for part in (*HALVES, "all"):
        chosen = {name: [r for r in found if part == "all" or r["half"] == part]
                  for name, found in rows.items()}
        figures[part] = {"questions": len(chosen["faiss"]),
                         **{f"R@5 {what}": {name: recall(found, f"{what}_rank")
                                            for name, found in chosen.items()}
                            for what in ("answer", "ranking")}}
        for one, other in (("faiss", "milvus"), ("faiss-copy", "milvus"), ("faiss", "faiss-copy")):
            same = agreement(chosen[one], chosen[other])
            figures[part][f"{one} = {other}"] = same
            table.append([part, f"{one} / {other}", figures[part]["questions"],
                          figures[part]["R@5 answer"][one], figures[part]["R@5 answer"][other],
                          figures[part]["R@5 ranking"][one], figures[part]["R@5 ranking"][other],
                          *same.values()])
    latency = {name: {f"p{q}_ms": round(percentile([r["ms"] for r in found], q), 1) for q in (50, 99)}
               for name, found in rows.items()}
    out = {"pool": {**pool, "segments": segments},
           "copies": {name: {"documents": c.documents, "passages": c.passages, "seconds": seconds[name]}
                      for name, c in copied.items()},
           "halves": figures, "ask_latency": latency}
    emit(out, "RealTime QA dev from the pool index (FAISS, "
              f"{segments} segments), its copy into Milvus Lite and into a fresh FAISS index (one segment); "
              f"{pool['documents']} articles, {pool['passages']} passages",
         ["half", "engines", "questions", "R@5 answers", "R@5 answers", "R@5 ranking", "R@5 ranking",
          "same passages+order", "same top-5", "same fused top-10", "same dense top-10",
          "same keyword top-10"], table)


def agreement(one: list[dict], other: list[dict]) -> dict[str, int]:
    """How many questions two engines answer alike, by what they return."""
    pairs = list(zip(one, other, strict=True))
    return {"same passages, same order": sum(a["passages"] == b["passages"] for a, b in pairs),
            "same top-5 passages, same order": sum(a["passages"][:5] == b["passages"][:5] for a, b in pairs),
            "same fused top-10": sum(a["ranking"] == b["ranking"] for a, b in pairs),
            "same dense top-10": sum(a["dense"] == b["dense"] for a, b in pairs),
            "same keyword top-10": sum(a["keyword"] == b["keyword"] for a, b in pairs)}

if __name__ == "__main__":
    main()
