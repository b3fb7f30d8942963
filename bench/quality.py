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

Figures, per half of the questions (a fixed split by a hash of the question id: "dev" is tuned on, "report"
is reported; the seed dev set of tests/data is split the same way by its question text):
  answers: the gold article among the sources of `Searcher.ask(q, k=10, as_of=quiz date)`'s passages
    ("also reported by" included) as the bot answers it (an abstention counts as a miss);
  ranking: the same in the fused order before abstention and score filters;
  answer in bold / in top-3: the quiz answer (whole words) in the bolded sentence / in one of the first
    three quotes, over the questions whose gold text holds it;
  absent stories: a pool without the articles of half the quiz weeks (their gold articles and every
    article published in the week before their quiz date): the share of those weeks' questions that abstain
    or quote the quiz answer, and R@5 of the other questions with and without the abstention;
  the seed dev set: answerable questions that bold their answering sentence, unanswerable ones (on and off
    topic) that abstain.
`--sweep-answer` grids the answer-selection weights and `--sweep-confidence` the abstention's, on the dev
halves (see bench/README.md).

Usage: python bench/quality.py [--hard 8] [--period 400] [--random 400] [--max-words 80]
                               [--set name=value ...] [--sweep] [--full-bm25] [--asked-today]
                               [--no-absent] [--sweep-answer] [--sweep-confidence] [--records FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import itertools
import json
import math
import re
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

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
    seed_dev_questions,
    seed_questions,
    write_subset,
)

from index import answer as selection
from index.build import build
from index.embed import shared_embedder
from index.lexical import terms
from index.library import Library
from index.readers.files import read_source
from index.search import NOT_COVERED, Searcher, SearchSettings
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


def pool_searcher(ids: list[str], max_words: int, name: str = "index") -> tuple[Searcher, dict]:
    """A searcher over the pool `ids`, built in the data folder `name` of the cache.

    One data folder serves every pool of the main experiment: vectors of passages embedded before are
    reused by text hash. Another folder (the absent-stories pool) starts as a copy of it, for the same
    reason.
    """
    wanted = set(ids)
    folder = CACHE / "quality"
    subset = write_subset([r for r in records() if r["doc_id"] in wanted],
                          folder / f"pool-{name}" / "rtqa.jsonl")
    docs = read_source(subset, "rtqa").documents
    embedder = shared_embedder()
    if name != "index" and not (folder / name / "CURRENT").exists() \
            and (folder / "index" / "CURRENT").exists():
        shutil.copytree(folder / "index", folder / name, dirs_exist_ok=True)
    with Timer() as t:
        report = build(FaissEngine(folder / name), docs, embedder, max_words=max_words)
    store = FaissEngine(folder / name).open(embedder.name, embedder.dim)
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


def half(key: str) -> str:
    """"dev" (tuned on) or "report" (reported): a fixed split of questions by a hash of their id."""
    return "dev" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "report"


def normalized(text: str) -> str:
    """Lower case, straight quotes, no quotation marks, single spaces: for finding a quiz answer in text."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return " ".join(re.sub(r"[“”\"]", " ", text).split())


def quiz_answer(q: dict) -> str:
    answer = normalized(q["answer_text"]).strip(" .")
    return re.sub(r"^(?:the|a|an) ", "", answer)


def holds(text: str, answer: str) -> bool:
    """Whether `text` holds the quiz `answer` as whole words."""
    return re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", normalized(text)) is not None


def gold_texts(qs: list[dict]) -> dict[str, str]:
    """The clean text of every gold article, as the project stores it."""
    from index.clean import clean

    wanted = {g for q in qs for g in q["gold_doc_ids"]}
    return {r["doc_id"]: clean(r["text"]) for r in records() if r["doc_id"] in wanted}


def ask_all(searcher: Searcher, qs: list[dict], settings: SearchSettings, quiz_date: bool,
            golds: dict[str, str]) -> list[dict]:
    """One record per question: the gold article's rank among the answer's passages and in the fused
    ranking, whether the quiz answer is in the bolded sentence and in a top-3 quote, and the evidence the
    abstention weighed."""
    searcher.settings = settings
    out = []
    for q in qs:
        gold = set(q["gold_doc_ids"])
        as_of = asked_on(q) if quiz_date else None
        answer = searcher.ask(q["question"], k=10, as_of=as_of)
        groups = [[corpus_id(h.source.id), *(corpus_id(d.id) for d in h.also_reported_by)]
                  for h in answer.passages]
        order = searcher.rank(q["question"], 10, as_of=as_of)
        owners = [[corpus_id(p.doc_id)] for p in searcher.store.passages([r for r, _ in order])]
        expected = quiz_answer(q)
        out.append({
            "id": q["question_id"], "half": half(q["question_id"]), "answered": answer.answered,
            "rank_answer": _gold_rank(groups, gold, 10), "rank_order": _gold_rank(owners, gold, 10),
            # The quiz answer can be found at all: the gold article's text holds it.
            "in_gold": bool(q.get("answer_in_gold_text")) and any(holds(golds.get(g, ""), expected)
                                                                   for g in gold),
            "bold": answer.answered and holds(answer.passages[0].sentence, expected),
            "top3": answer.answered and any(holds(h.quote, expected) for h in answer.passages[:3]),
            "sentence": answer.passages[0].sentence if answer.answered else "",
            "evidence": answer.evidence.as_dict() if getattr(answer, "evidence", None) else None,
        })
    return out


def figures(rows: list[dict]) -> dict:
    """Recall and MRR of the gold article (answers and fused ranking), the answer rate, and the quiz answer
    in the bolded sentence and in a top-3 quote over the questions whose gold text holds it."""
    n = len(rows) or 1
    holding = [r for r in rows if r["in_gold"]]

    def ranks(key: str) -> dict:
        values = [r[key] for r in rows]
        return {"recall@1": sum(v is not None and v <= 1 for v in values) / n,
                "recall@5": sum(v is not None and v <= 5 for v in values) / n,
                "recall@10": sum(v is not None for v in values) / n,
                "mrr@10": sum(1 / v for v in values if v) / n}

    return {"questions": len(rows), "answers": ranks("rank_answer"), "ranking": ranks("rank_order"),
            "answered": sum(r["answered"] for r in rows) / n,
            "answer_in_gold": len(holding),
            "bold_holds_answer": sum(r["bold"] for r in holding) / (len(holding) or 1),
            "top3_holds_answer": sum(r["top3"] for r in holding) / (len(holding) or 1)}


def by_half(rows: list[dict]) -> dict:
    return {name: figures([r for r in rows if r["half"] == name]) for name in ("dev", "report")} | {
        "all": figures(rows)}


def absent_dates(qs: list[dict]) -> list[str]:
    """The quiz dates whose stories the absent-stories pool leaves out: half of them, chosen by hash."""
    dates = sorted({q["question_date"] for q in qs}, key=lambda d: hashlib.sha1(d.encode()).hexdigest())
    return sorted(dates[: len(dates) // 2])


ABSENT_WEEK = timedelta(days=7)  # articles published this long before a quiz date are "of its week"


def absent_pool(ids: list[str], qs: list[dict]) -> tuple[list[str], set[str]]:
    """The pool `ids` without the gold articles of the questions of the absent weeks, nor any other article
    published in those weeks (the same story told by another outlet); the gold articles of the other
    questions stay. Returns the pool and the ids of the questions whose story is absent."""
    dates = absent_dates(qs)
    absent = {q["question_id"] for q in qs if q["question_date"] in dates}
    keep = {g for q in qs if q["question_id"] not in absent for g in q["gold_doc_ids"]}
    drop = {g for q in qs if q["question_id"] in absent for g in q["gold_doc_ids"]} - keep
    weeks = [(asked_on({"question_date": d}) - ABSENT_WEEK, asked_on({"question_date": d})) for d in dates]
    published = {r["doc_id"]: (r.get("publish_date") or "").replace("/", "-")[:10] for r in records()}
    for doc in ids:
        day = published.get(doc, "")
        if doc not in keep and any(a.isoformat() <= day <= b.isoformat() for a, b in weeks):
            drop.add(doc)
    return [d for d in ids if d not in drop], absent


def absent_figures(rows: list[dict], absent: set[str], without_abstention: list[dict]) -> dict:
    """Per half: the share of absent-story questions that abstain or quote the quiz answer in a top-3 quote,
    and R@5 of the other questions with the abstention and without it (the same pool)."""
    out = {}
    for name in ("dev", "report", "all"):
        mine = [r for r in rows if name == "all" or r["half"] == name]
        gone = [r for r in mine if r["id"] in absent]
        here = [r for r in mine if r["id"] not in absent]
        ref = [r for r in without_abstention
               if (name == "all" or r["half"] == name) and r["id"] not in absent]
        out[name] = {
            "absent_questions": len(gone),
            "absent_abstain_or_quote": sum(not r["answered"] or r["top3"] for r in gone) / (len(gone) or 1),
            "absent_abstained": sum(not r["answered"] for r in gone) / (len(gone) or 1),
            "present_questions": len(here),
            "present_recall@5": figures(here)["answers"]["recall@5"],
            "present_recall@5_without_abstention": figures(ref)["answers"]["recall@5"],
            "present_answered": figures(here)["answered"],
        }
    return out


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


def seed_dev_check(settings: SearchSettings, max_words: int) -> tuple[dict, list[dict]]:
    """The seed dev set (tests/data/seed_dev.jsonl) per half: answerable questions whose bolded sentence is
    their answering sentence, unanswerable ones (on and off topic) that abstain; and one record per
    question with the evidence the abstention weighed."""
    library = Library(CACHE / f"seeds-{max_words}", default_sources=[SEEDS], settings=settings,
                      max_words=max_words)
    out: dict[str, dict] = {}
    rows = []
    for case in seed_dev_questions():
        answer = library.ask(case["question"], k=9)
        rows.append({"question": case["question"], "half": half(case["question"]),
                     "answerable": case["answerable"], "topic": case.get("topic", "on"),
                     "evidence": answer.evidence.as_dict() if getattr(answer, "evidence", None) else None})
        figures_ = out.setdefault(half(case["question"]), {"answerable": 0, "bolded": 0, "on_topic": 0,
                                                            "on_topic_abstained": 0, "off_topic": 0,
                                                            "off_topic_abstained": 0, "failures": []})
        if case["answerable"]:
            ok = answer.answered and bolds(answer.passages[0].sentence, case["sentences"])
            figures_["answerable"] += 1
            figures_["bolded"] += ok
        else:
            ok = not answer.answered
            figures_[f"{case['topic']}_topic"] += 1
            figures_[f"{case['topic']}_topic_abstained"] += ok
        if not ok:
            figures_["failures"].append(case["question"])
    return out, rows


def bolds(sentence: str, answers: list[str]) -> bool:
    """Whether the bolded `sentence` is one of the answering sentences (or one without its label)."""
    sentence = sentence.strip()
    return bool(sentence) and any(sentence in s or s in sentence for s in answers)


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


def candidate_sets(searcher: Searcher, cases: list[dict], k: int = 10) -> list[dict]:
    """For each case ({"question", "as_of", "answers": callable(sentence) -> bool, "half"}), every candidate
    sentence of its top passages with every signal, the sentence cosine included (all of them embedded, so
    that any weighting can be scored without asking again). Uses the searcher's steps as `ask` runs them (the
    entities are read by `pick`, as each weighting needs them)."""
    out = []
    for case in cases:
        question = case["question"]
        query, dense, lexical, window = searcher._rankings(question, None, case["as_of"], None)
        fused = searcher._order(dense, lexical)
        chosen, by_key = searcher._chosen(query, fused, k)
        rarity = searcher.store.keywords.rarity(selection.content_terms(question))
        owners = searcher.store.documents_of([key for key, _ in fused])
        _, _, found = searcher._answer_candidates(question, chosen, by_key, fused, owners, case["as_of"],
                                                  window, rarity)
        vectors = searcher.encode_cached([c.text for c in found]) if found else []
        found = selection.with_dense(found, {(c.passage, c.span): float(v @ query)
                                             for c, v in zip(found, vectors, strict=True)})
        short = window is not None and selection.short_window(window.start, window.end)
        out.append({**case, "candidates": found, "right": [case["answers"](c.text) for c in found],
                    "timely_first": short})
    return out


def pick(found: list, weights: selection.Weights, question: str, timely_first: bool = False,
         ) -> int | None:
    """Index of the candidate `ask` would bold: the best of the shortlist (dense known only there), the
    forms that decide it read from entities."""
    if not found:
        return None
    blind = [dataclasses.replace(c, dense=None) for c in found]
    short = {(c.passage, c.span) for c in selection.shortlist(blind, weights)} if weights.embedded else set()
    pool = [c if (c.passage, c.span) in short else b for c, b in zip(found, blind, strict=True)]
    pool = selection.read_entities(pool, question, weights, timely_first)
    chosen = selection.best(pool, weights, timely_first)
    return next(i for i, c in enumerate(pool) if c is chosen)


ANSWER_GRID = {
    "overlap": [0.25, 0.5, 1.0],
    "form": [0.6, 1.0, 1.5],
    "dense": [1.0, 2.0, 3.0],
    "passage": [0.0, 1.0, 2.0],
    "rank": [0.05, 0.15],
    "timely": [0.0, 0.5, 1.0],
    "context": [0.0, 0.5],
}


def answer_sets(searcher: Searcher, qs: list[dict], golds: dict[str, str], settings: SearchSettings,
                max_words: int) -> dict[str, list[dict]]:
    """The candidate sets of the sweep: RealTime QA questions whose gold text holds the quiz answer (right:
    the sentence holds it), asked on their quiz date on the pool; the seed dev set's answerable questions
    (right: the sentence is an answering one) on the seeds."""
    searcher.settings = settings
    quiz = [{"question": q["question"], "as_of": asked_on(q), "half": half(q["question_id"]),
             "answers": functools.partial(lambda text, a: holds(text, a), a=quiz_answer(q))}
            for q in qs if q.get("answer_in_gold_text")
            and any(holds(golds.get(g, ""), quiz_answer(q)) for g in q["gold_doc_ids"])]
    library = Library(CACHE / f"seeds-{max_words}", default_sources=[SEEDS], settings=settings,
                      max_words=max_words)
    seeds = [{"question": c["question"], "as_of": None, "half": half(c["question"]),
              "answers": functools.partial(lambda text, s: bolds(text, s), s=c["sentences"])}
             for c in seed_dev_questions() if c["answerable"]]
    return {"rtqa": candidate_sets(searcher, quiz), "seeds": candidate_sets(library.searcher(), seeds)}


def sweep_answer(sets: dict[str, list[dict]], embedded: int) -> dict:
    """Every weighting of ANSWER_GRID with `embedded` sentences embedded per question (as `ask` does),
    scored on the dev halves: the share of questions whose picked sentence answers, averaged over the sets;
    the best is then scored on the report halves, and with other numbers of sentences embedded."""

    def rate(cases: list[dict], weights: selection.Weights) -> float:
        scored = [c for c in cases if c["candidates"]]
        hits = 0
        for case in scored:
            chosen = pick(case["candidates"], weights, case["question"], case["timely_first"])
            hits += chosen is not None and case["right"][chosen]
        return hits / (len(cases) or 1)

    grid = []
    for values in itertools.product(*ANSWER_GRID.values()):
        weights = selection.Weights(**dict(zip(ANSWER_GRID, values, strict=True)), embedded=embedded)
        dev = {name: rate([c for c in cases if c["half"] == "dev"], weights) for name, cases in sets.items()}
        grid.append((sum(dev.values()) / len(dev), dev, weights))
    grid.sort(key=lambda g: -g[0])
    best = grid[0][2]
    table = []
    for embedded in (0, 2, 4, 8, 10**6):
        weights = dataclasses.replace(best, embedded=embedded)
        table.append({"embedded": embedded if embedded < 10**6 else "all", **{
            f"{name} {part}": rate([c for c in cases if c["half"] == part], weights)
            for name, cases in sets.items() for part in ("dev", "report")}})
    return {"top": [{"dev_mean": round(score, 4), **{k: round(v, 4) for k, v in dev.items()},
                     **{f: getattr(w, f) for f in ANSWER_GRID}} for score, dev, w in grid[:15]],
            "defaults": {name: {part: rate([c for c in cases if c["half"] == part], selection.Weights())
                                for part in ("dev", "report")} for name, cases in sets.items()},
            "best": {f: getattr(best, f) for f in ANSWER_GRID}, "embedded": table}


CONFIDENCE_GRID = {
    "coverage": [0.0, 0.5, 1.0],
    "unknown": [0.0, 0.3, 0.6],
    "passage": [0.0, 1.0, 2.0],
    "dense": [0.0, 1.0, 2.0],
    "agreement": [0.0, 0.2],
    "form": [0.0, 0.2],
    "timely": [0.0, 0.2, 0.5],
    "age": [0.0, 0.05, 0.1],
    "no_person": [0.0, 0.2],
    "missing_figures": [0.0, 1.0],
    "missing_names": [0.0, 1.0],
}


def sweep_confidence(quiz: list[dict], seeds: list[dict]) -> dict:
    """Every weighting of CONFIDENCE_GRID with its threshold set as high as the dev halves allow: every
    question that must be answered is (the RealTime QA questions of the present stories whose gold article
    is among the top 5, the answerable seed questions). Scored on the dev halves by the questions that should
    not be answered and are not (absent stories: abstain or quote the quiz answer; unanswerable seed
    questions: abstain), among those where no off-topic dev question is answered; the best is reported on
    both halves, with the trade-off of its threshold."""
    rows = [{**r, "kind": "present" if not r["absent"] else "absent", "must": not r["absent"]
             and r["rank_answer"] is not None and r["rank_answer"] <= 5} for r in quiz if r["evidence"]]
    rows += [{**r, "kind": "seed answerable" if r["answerable"] else f"seed {r['topic']}-topic",
              "must": r["answerable"]} for r in seeds if r["evidence"]]
    evidence = [selection.Evidence(**r["evidence"]) for r in rows]

    def succeeds(row: dict, answered: bool) -> bool:
        if row["must"] or row["kind"] == "present":
            return answered
        return not answered or (row["kind"] == "absent" and row["top3"])

    def figures(weights: selection.Confidence, part: str) -> dict:
        counts: dict[str, list[int]] = {}
        for row, ev in zip(rows, evidence, strict=True):
            if part != "all" and row["half"] != part:
                continue
            ok = succeeds(row, weights.answers(ev))
            counts.setdefault(row["kind"], [0, 0])
            counts[row["kind"]][0] += ok
            counts[row["kind"]][1] += 1
        mine = [(row, ev) for row, ev in zip(rows, evidence, strict=True)
                if part == "all" or row["half"] == part]
        lost = sum(row["must"] and row["kind"] == "present" and not weights.answers(ev) for row, ev in mine)
        present = sum(row["kind"] == "present" for row, _ in mine)
        return {kind: round(ok / n, 4) for kind, (ok, n) in sorted(counts.items())} | {
            "present_recall@5_lost": round(lost / (present or 1), 4)}

    def value(weights: selection.Confidence, ev: selection.Evidence) -> float:
        """The confidence, or minus infinity when the evidence rules an answer out whatever its weights."""
        allowed = dataclasses.replace(weights, threshold=-math.inf).answers(ev)
        return weights.value(ev) if allowed else -math.inf

    grid = []
    for values in itertools.product(*CONFIDENCE_GRID.values()):
        weights = selection.Confidence(**dict(zip(CONFIDENCE_GRID, values, strict=True)), threshold=0.0)
        dev = [(row, value(weights, ev)) for row, ev in zip(rows, evidence, strict=True)
               if row["half"] == "dev"]
        threshold = min(v for row, v in dev if row["must"] and v > -math.inf) - 1e-9
        if any(v >= threshold for row, v in dev if row["kind"] == "seed off-topic"):
            continue  # an off-topic question must never be answered
        weights = dataclasses.replace(weights, threshold=threshold)
        wins = sum(succeeds(row, v >= threshold) for row, v in dev if not row["must"])
        grid.append((wins, weights))
    grid.sort(key=lambda g: -g[0])
    best = grid[0][1]

    def trade_off(weights: selection.Confidence) -> list[dict]:
        curve = []
        values = sorted(v for ev in evidence if (v := value(weights, ev)) > -math.inf)
        for q in range(0, 101, 5):
            threshold = values[min(len(values) - 1, q * len(values) // 100)] - 1e-9
            trial = dataclasses.replace(weights, threshold=threshold)
            curve.append({"threshold": round(threshold, 4), **{
                f"{part} {k}": v for part in ("dev", "report") for k, v in figures(trial, part).items()}})
        return curve

    defaults = selection.Confidence()
    return {"best": vars(best), "dev": figures(best, "dev"), "report": figures(best, "report"),
            "top": [{"dev_wins": wins, **{k: round(v, 3) for k, v in vars(w).items()}}
                    for wins, w in grid[:10]],
            "trade_off": trade_off(best),
            "defaults": {"weights": vars(defaults), "dev": figures(defaults, "dev"),
                         "report": figures(defaults, "report"), "trade_off": trade_off(defaults)}}


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
    parser.add_argument("--no-absent", action="store_true", help="skip the absent-stories experiment")
    parser.add_argument("--sweep-confidence", action="store_true",
                        help="grid over the abstention's weights (index.answer.Confidence), dev halves")
    parser.add_argument("--sweep-answer", action="store_true",
                        help="grid over the answer-selection weights (index.answer.Weights), dev halves")
    parser.add_argument("--records", type=Path, help="write every question's record (JSON) here")
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
    golds = gold_texts(qs)
    if args.sweep_answer:
        out_sweep = sweep_answer(answer_sets(searcher, qs, golds, base, args.max_words),
                                 base.weights.embedded)
    results = []
    records_: dict[str, list[dict]] = {}
    for settings in configs:
        changed = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
                   if getattr(settings, f.name) != getattr(SearchSettings(), f.name)}
        rows = ask_all(searcher, qs, settings, not args.asked_today, golds)
        records_.setdefault("pool", rows)
        results.append({"settings": changed, **by_half(rows)})
    seeds = seed_check(base, args.max_words)
    dev_set, seed_rows = seed_dev_check(base, args.max_words)
    records_["seeds"] = seed_rows
    out = {"questions": len(qs), "pool": {**pool, "hard": args.hard, "period": args.period,
                                          "random": args.random, "max_words": args.max_words},
           "results": results, "seed_check (base settings)": seeds, "seed_dev_set": dev_set}
    if not args.no_absent:
        kept, absent = absent_pool(ids, qs)
        gone_searcher, gone_pool = pool_searcher(kept, args.max_words, name="index-absent")
        gone_searcher.embedder = searcher.embedder
        rows = ask_all(gone_searcher, qs, base, not args.asked_today, golds)
        never = ask_all(gone_searcher, qs, dataclasses.replace(base, min_score=-1e9), not args.asked_today,
                        golds)
        records_["absent_pool"] = [{**r, "absent": r["id"] in absent} for r in rows]
        records_["absent_pool_always_answering"] = [{**r, "absent": r["id"] in absent} for r in never]
        if args.sweep_confidence:
            out["confidence_sweep"] = sweep_confidence(records_["absent_pool_always_answering"], seed_rows)
        out["absent_stories"] = {"pool": gone_pool, "absent_dates": absent_dates(qs),
                                 **absent_figures(rows, absent, never)}
    if args.sweep_answer:
        out["answer_sweep"] = out_sweep
    if args.records:
        args.records.write_text(json.dumps(records_, indent=0))
    if args.full_bm25:
        out["plain_bm25_whole_corpus"] = lexical_full(qs, args.max_words)
    out["seconds"] = round(time.time() - started, 1)
    table = [[json_short(r["settings"]), name, r[name]["answers"]["recall@5"], r[name]["answers"]["mrr@10"],
              r[name]["ranking"]["recall@5"], r[name]["answered"], r[name]["bold_holds_answer"],
              r[name]["top3_holds_answer"]] for r in results for name in ("dev", "report", "all")]
    emit(out, f"RealTime QA dev, pool of {pool['documents']} articles / {pool['passages']} passages; "
              f"seeds {seeds['passed']}/{seeds['total']}",
         ["settings", "half", "R@5 answers", "MRR@10 answers", "R@5 ranking", "answered", "answer in bold",
          "answer in top-3"], table)


def json_short(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items()) or "defaults"


if __name__ == "__main__":
    main()
