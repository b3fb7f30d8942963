"""Retrieval quality on RealTime QA (dev, 103 questions) and the seed questions, in one run.

The index is a pool of the corpus, built with the project's own reader, passage cutter, embedder and store:

  * the gold articles of the questions,
  * hard distractors: for each question the top `--hard` articles of a BM25 search over the *whole* corpus
    (so every article plain BM25 would rank highly is in the pool),
  * `--period` random articles published in the questions' weeks (June-August 2022, same news cycle),
  * `--random` random articles from the whole corpus.

Embedding the whole corpus (~650k passages of 80 words) takes hours on 2 cores, so the dense side only sees
the pool. Articles that only the *dense* search would rank highly over the whole corpus are missing from
it: pool figures are an upper bound of whole-corpus figures for the dense and fused rankings. The lexical
baseline is also measured over the whole corpus (`--full-bm25`), as the reference point.

Every question is asked as the bot would have been asked it: on its quiz date (`as_of`), so articles
published later are unknown and "this week" means the quiz's week (RealTime QA's setting). `--asked-today`
asks them all today instead: no cut-off, and their time words name no week of the corpus.

Figures (gold article among the sources of the returned passages, "also reported by" included):
  answers: `Searcher.ask(q, k=10, as_of=quiz date)` as the bot answers it (an abstention counts as a miss);
  ranking: the fused order before abstention and score filters.

Usage: python bench/quality.py [--hard 8] [--period 400] [--random 400] [--max-words 80]
                               [--set name=value ...] [--sweep] [--full-bm25] [--asked-today]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import time
from datetime import date

from common import (
    CACHE,
    SEEDS,
    Timer,
    corpus_bm25,
    corpus_id,
    emit,
    questions,
    records,
    sample,
    seed_questions,
    write_subset,
)

from index.build import build
from index.embed import shared_embedder
from index.lexical import terms
from index.library import Library
from index.search import NOT_COVERED, Searcher, SearchSettings
from index.sources import read_source
from index.store.faiss_engine import FaissEngine

PERIOD = ("2022/05/15", "2022/09/15")


def pool_ids(qs: list[dict], hard: int, period: int, random_n: int, max_words: int) -> list[str]:
    gold = {g for q in qs for g in q["gold_doc_ids"]}
    chosen = set(gold)
    if hard:
        retriever, owners = corpus_bm25(max_words)
        for q in qs:
            tokens = [t for t in terms(q["question"]) if t in retriever.vocab_dict]
            if not tokens:
                continue
            rows, _ = retriever.retrieve([tokens], k=200, show_progress=False, n_threads=1)
            seen: list[str] = []
            for row in rows[0]:
                doc = owners[int(row)]
                if doc not in seen:
                    seen.append(doc)
                if len(seen) >= hard:
                    break
            chosen.update(seen)
    everything = [(r["doc_id"], r.get("publish_date") or "") for r in records()]
    in_period = [d for d, date in everything if PERIOD[0] <= date <= PERIOD[1] and d not in chosen]
    chosen.update(sample(sorted(in_period), period, seed=1))
    rest = [d for d, _ in everything if d not in chosen]
    chosen.update(sample(sorted(rest), random_n, seed=2))
    return sorted(chosen)


def pool_searcher(ids: list[str], max_words: int) -> tuple[Searcher, dict]:
    wanted = set(ids)
    folder = CACHE / "quality"
    subset = write_subset([r for r in records() if r["doc_id"] in wanted], folder / "pool" / "rtqa.jsonl")
    docs = read_source(subset, "rtqa").documents
    embedder = shared_embedder()
    with Timer() as t:
        # One data folder for every pool: vectors of passages embedded before are reused by text hash.
        report = build(FaissEngine(folder / "index"), docs, embedder, max_words=max_words)
    store = FaissEngine(folder / "index").open(embedder.name, embedder.dim)
    info = {"documents": len(docs), "passages": store.count, "embedded_now": report.embedded,
            "build_s": round(t.seconds, 1), "faiss": store.meta.get("faiss", "flat")}
    return Searcher(store, embedder), info


def _gold_rank(docs_in_order: list[list[str]], gold: set[str], depth: int) -> int | None:
    for rank, group in enumerate(docs_in_order[:depth], 1):
        if gold & set(group):
            return rank
    return None


def asked_on(q: dict) -> date:
    """The day the quiz asked the question: the bot's `as_of` for it."""
    return date(*map(int, q["question_date"].split("/")))


def score(searcher: Searcher, qs: list[dict], settings: SearchSettings, quiz_date: bool) -> dict:
    searcher.settings = settings
    answered = 0
    ranks_answer: list[int | None] = []
    ranks_order: list[int | None] = []
    for q in qs:
        gold = set(q["gold_doc_ids"])
        as_of = asked_on(q) if quiz_date else None
        answer = searcher.ask(q["question"], k=10, as_of=as_of)
        answered += answer.answered
        groups = [[corpus_id(h.source.id), *(corpus_id(d.id) for d in h.also_reported_by)]
                  for h in answer.passages]
        ranks_answer.append(_gold_rank(groups, gold, 10))
        order = searcher.rank(q["question"], 10, as_of=as_of)
        ranks_order.append(_gold_rank([[corpus_id(searcher.store.passages([r])[0].doc_id)] for r, _ in order],
                                      gold, 10))
    n = len(qs)

    def figures(ranks: list[int | None]) -> dict:
        return {"recall@1": sum(r is not None and r <= 1 for r in ranks) / n,
                "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
                "recall@10": sum(r is not None for r in ranks) / n,
                "mrr@10": sum(1 / r for r in ranks if r) / n}

    return {"answers": figures(ranks_answer), "ranking": figures(ranks_order), "answered": answered / n}


def seed_check(settings: SearchSettings, max_words: int) -> dict:
    library = Library(CACHE / f"seeds-{max_words}", default_sources=[SEEDS], settings=settings,
                      max_words=max_words)
    library.reindex()
    failures = []
    for case in seed_questions():
        answer = library.ask(case["question"])
        if case["answerable"]:
            ok = answer.answered and any(case["answer_contains"] in h.quote for h in answer.passages[:3])
        else:
            ok = (answer.answered, answer.answer, answer.passages) == (False, NOT_COVERED, [])
        if not ok:
            failures.append(case["question"])
    return {"passed": len(seed_questions()) - len(failures), "total": len(seed_questions()),
            "failures": failures}


def lexical_full(qs: list[dict], max_words: int) -> dict:
    """Plain BM25 (the project's tokenizer) over the passages of the whole corpus, asked today and asked on
    the quiz date (passages of articles published later masked out, no time window)."""
    import numpy as np

    retriever, owners = corpus_bm25(max_words)
    published = {r["doc_id"]: (r.get("publish_date") or "").replace("/", "-") for r in records()}
    days = np.array([published.get(owner, "") for owner in owners])
    figures = {"passages": len(owners)}
    for label, dated in (("asked_today", False), ("asked_on_quiz_date", True)):
        ranks = []
        for q in qs:
            tokens = [t for t in terms(q["question"]) if t in retriever.vocab_dict]
            mask = (days <= asked_on(q).isoformat()).astype(np.float32) if dated else None
            rows, _ = retriever.retrieve([tokens], k=10, show_progress=False, n_threads=1, weight_mask=mask)
            ranks.append(_gold_rank([[owners[int(r)]] for r in rows[0]], set(q["gold_doc_ids"]), 10))
        n = len(qs)
        figures[label] = {"recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
                          "mrr@10": sum(1 / r for r in ranks if r) / n}
    return figures


def parse_value(field: dataclasses.Field, text: str):
    kind = field.type if isinstance(field.type, type) else eval(field.type)
    if kind is bool:
        return text.lower() in {"1", "true", "yes"}
    return kind(text)


def with_overrides(base: SearchSettings, pairs: list[str]) -> SearchSettings:
    fields = {f.name: f for f in dataclasses.fields(SearchSettings)}
    changes = {}
    for pair in pairs:
        name, value = pair.split("=", 1)
        changes[name] = parse_value(fields[name], value)
    return dataclasses.replace(base, **changes)


SWEEP = {
    "dense_weight": ["0.5", "1.0", "1.5", "2.0"],
    "rrf_k": ["10", "30", "60"],
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hard", type=int, default=8, help="BM25 top articles per question (whole corpus)")
    parser.add_argument("--period", type=int, default=400, help="random articles from June-August 2022")
    parser.add_argument("--random", type=int, default=400, help="random articles from the whole corpus")
    parser.add_argument("--max-words", type=int, default=80)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--set", nargs="*", default=[], help="SearchSettings overrides, name=value")
    parser.add_argument("--sweep", action="store_true", help="grid over SWEEP on top of --set")
    parser.add_argument("--full-bm25", action="store_true", help="also plain BM25 over the whole corpus")
    parser.add_argument("--asked-today", action="store_true",
                        help="ask every question today, not on its quiz date (no time window, no cut-off)")
    args = parser.parse_args()

    started = time.time()
    qs = questions()[: args.limit]
    ids = pool_ids(qs, args.hard, args.period, args.random, args.max_words)
    searcher, pool = pool_searcher(ids, args.max_words)
    # Each question is embedded once for all configurations.
    encode = searcher.embedder.encode_query
    memo: dict[str, object] = {}
    searcher.embedder.encode_query = lambda text: memo[text] if text in memo else memo.setdefault(
        text, encode(text))

    base = with_overrides(SearchSettings(), args.set)
    configs = [base]
    if args.sweep:
        names = list(SWEEP)
        configs = [with_overrides(base, [f"{n}={v}" for n, v in zip(names, values, strict=True)])
                   for values in itertools.product(*SWEEP.values())]
    results = []
    for settings in configs:
        changed = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
                   if getattr(settings, f.name) != getattr(SearchSettings(), f.name)}
        results.append({"settings": changed, **score(searcher, qs, settings, not args.asked_today)})
    seeds = seed_check(base, args.max_words)
    out = {"questions": len(qs), "pool": {**pool, "hard": args.hard, "period": args.period,
                                          "random": args.random, "max_words": args.max_words},
           "results": results, "seed_check (base settings)": seeds}
    if args.full_bm25:
        out["plain_bm25_whole_corpus"] = lexical_full(qs, args.max_words)
    out["seconds"] = round(time.time() - started, 1)
    rows = [[json_short(r["settings"]), r["answers"]["recall@5"], r["answers"]["mrr@10"],
             r["ranking"]["recall@5"], r["ranking"]["mrr@10"], r["answered"]] for r in results]
    emit(out, f"RealTime QA dev, pool of {pool['documents']} articles / {pool['passages']} passages; "
              f"seeds {seeds['passed']}/{seeds['total']}",
         ["settings", "R@5 answers", "MRR@10 answers", "R@5 ranking", "MRR@10 ranking", "answered"], rows)


def json_short(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items()) or "defaults"


if __name__ == "__main__":
    main()
