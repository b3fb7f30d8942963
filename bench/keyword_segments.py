"""BM25 ranking quality when the index is in segments: one segment against the same passages committed in
several (each commit a segment), scored with whole-index IDF (the engine's way) and with each segment's own
IDF (bm25s's stored scores as they are), in one run.

Pool: the gold articles of the 103 RealTime QA dev questions, up to `--period` articles published in the quiz
weeks' months (May-September 2022) and `--random` others; real text and dates (common.corpus_documents),
random vectors (the dense side is not measured). Each question is asked on its quiz date (articles published
later are filtered out, as the bot does); figures are R@5 and MRR@10 of the gold article among the articles
of the BM25 ranking, per half of the questions (bench/quality.py's fixed split: nothing here is tuned, both
halves are reported).

Usage: python bench/keyword_segments.py [--segments 8] [--period 2000] [--random 500]
"""

from __future__ import annotations

import argparse
import random
from datetime import date

import numpy as np
from common import CACHE, corpus_documents, emit, questions
from quality import half

from index.store import ChangeSet, DocumentUpdate, Filter, bm25_keywords
from index.store.faiss_engine import FaissEngine

DIM = 8


def ranks(store, quiz: list[dict]) -> list[tuple[str, int | None]]:
    """(half, rank of the first gold article among the ranked articles, from 1; None beyond 10)."""
    out = []
    for q in quiz:
        day = date(*map(int, q["question_date"].split("/")))
        [keys] = store.keywords.search(q["question"], 50, [Filter(published_by=day)])
        owners = store.documents_of(keys)
        articles = list(dict.fromkeys(owners[k] for k in keys))
        gold = set(q["gold_doc_ids"])
        rank = next((i + 1 for i, doc_id in enumerate(articles[:10]) if doc_id in gold), None)
        out.append((half(q["question_id"]), rank))
    return out


def figures(rows: list[tuple[str, int | None]]) -> dict:
    out = {}
    for part in ("dev", "report", "all"):
        mine = [r for h, r in rows if part in ("all", h)]
        out[part] = {"R@5": round(sum(1 for r in mine if r and r <= 5) / len(mine), 3),
                     "MRR@10": round(sum(1 / r for r in mine if r) / len(mine), 3), "questions": len(mine)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--period", type=int, default=2000)
    parser.add_argument("--random", type=int, default=500)
    args = parser.parse_args()

    quiz = questions()
    gold = {g for q in quiz for g in q["gold_doc_ids"]}
    corpus = corpus_documents(80)
    by_id = {doc.id: (doc, passages) for doc, passages in corpus}
    rng = random.Random(5)
    period = [d.id for d, _ in corpus if d.published and "2022-05" <= d.published[:7] <= "2022-09"
              and d.id not in gold]
    others = [d.id for d, _ in corpus if d.id not in gold and d.id not in set(period)]
    chosen = [i for i in gold if i in by_id] + rng.sample(period, min(args.period, len(period))) \
        + rng.sample(others, args.random)
    rng.shuffle(chosen)  # commits in no particular order, as feeds bring them
    vectors = np.random.default_rng(1).normal(size=(1, DIM)).astype(np.float32)
    updates = [DocumentUpdate(by_id[i][0], by_id[i][1], np.repeat(vectors, len(by_id[i][1]), axis=0))
               for i in chosen]
    meta = {"model": "bench", "dim": str(DIM)}
    results, rows = {}, []
    for layout in ("one segment", f"{args.segments} segments"):
        engine = FaissEngine(CACHE / f"keyword-segments-{layout.split()[0]}")
        if engine.current() is None:
            parts = 1 if layout == "one segment" else args.segments
            size = -(-len(updates) // parts)
            with engine.writer():
                engine.commit(None, ChangeSet(meta, updates[:size]))
                for start in range(size, len(updates), size):
                    engine.commit(engine.open("bench", DIM), ChangeSet(meta, updates[start:start + size]))
        store = engine.open("bench", DIM)
        results[f"{layout}, whole-index IDF"] = figures(ranks(store, quiz))
        if len(store.segments) > 1:
            original = bm25_keywords.idf
            bm25_keywords.idf = lambda frequency, count: 1.0  # weights 1: each segment's own IDF
            try:
                results[f"{layout}, each segment's IDF"] = figures(ranks(store, quiz))
            finally:
                bm25_keywords.idf = original
        store.close()
    for name, result in results.items():
        rows.append([name, result["dev"]["R@5"], result["dev"]["MRR@10"], result["report"]["R@5"],
                     result["report"]["MRR@10"]])
    emit({"articles": len(updates), "passages": sum(len(u.passages) for u in updates), "results": results},
         f"BM25 in segments ({len(updates)} articles)", ["layout", "dev R@5", "dev MRR@10", "report R@5",
                                                        "report MRR@10"], rows)


if __name__ == "__main__":
    main()
