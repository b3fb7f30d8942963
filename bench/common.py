"""Helpers shared by the bench scripts: paths, corpus reading, caches, timing and output.

Corpus and evaluation text is read from ../shared at run time and never copied into the project. Derived
artefacts (indexes, vectors) go to a cache folder outside the repository: $BRIEFBOT_BENCH_CACHE, by default
/tmp/briefbot-bench.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "realtimeqa-articles.jsonl.gz"
QUESTIONS = SHARED / "eval" / "realtimeqa-dev" / "questions.jsonl"
SEED_QUESTIONS = SHARED / "eval" / "seed_questions.jsonl"
SEED_DEV = ROOT / "tests" / "data" / "seed_dev.jsonl"  # our own questions on the seeds (see tests/data)
SEEDS = ROOT / "seeds"
CACHE = Path(os.environ.get("BRIEFBOT_BENCH_CACHE", "/tmp/briefbot-bench"))
sys.path.insert(0, str(ROOT))


def records(limit: int | None = None) -> Iterator[dict]:
    """Raw corpus records (doc_id, url, domain, title, publish_date, authors, text) in file order."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_questions() -> list[dict]:
    lines = SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def seed_dev_questions() -> list[dict]:
    lines = SEED_DEV.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_subset(records_: list[dict], path: Path) -> Path:
    """A JSON Lines file of the given records, read back by the project's own source reader."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for r in records_:
            out.write(json.dumps(r) + "\n")
    return path


def corpus_id(doc_id: str) -> str:
    """The corpus `doc_id` of a project document id (`source/file.jsonl#doc_id`)."""
    return doc_id.rsplit("#", 1)[-1]


def sample(items: list, n: int, seed: int = 13) -> list:
    return random.Random(seed).sample(items, min(n, len(items)))


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_env() -> dict[str, str]:
    """The environment of timed child processes: Python warnings off, and modules run from cached bytecode as
    they do once installed (pip compiles them; a checkout writes them on first run), in a folder of the bench
    cache, even where PYTHONDONTWRITEBYTECODE is set (it is on the development machine, where every process
    compiled the project's sources again)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPYCACHEPREFIX": str(CACHE / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def load_average() -> float:
    return os.getloadavg()[0]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def emit(result: dict, title: str, columns: list[str], rows: list[list]) -> None:
    """Print a table (to stderr, for people) and one JSON object (to stdout, for machines)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    Console(stderr=True).print(table)
    result = {**result, "machine": {"cpus": os.cpu_count(), "load_avg_1m_at_end": round(load_average(), 2)}}
    print(json.dumps(result, indent=1, default=str))


def corpus_passages(max_words: int, limit: int | None = None) -> tuple[list[str], list[str]]:
    """(texts, corpus doc ids) of the passages of the first `limit` corpus articles, cut as the project cuts
    them (clean text, sentence-aligned passages of `max_words`). Cached as a compressed pickle."""
    import pickle

    from index.clean import clean
    from index.passages import make_passages

    path = CACHE / f"passages-{max_words}-{limit or 'all'}.pkl.gz"
    if path.exists():
        with gzip.open(path, "rb") as f:
            return pickle.load(f)
    texts: list[str] = []
    owners: list[str] = []
    for r in records(limit):
        for p in make_passages(r["doc_id"], clean(r["text"]), max_words):
            texts.append(p.text)
            owners.append(r["doc_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as f:
        pickle.dump((texts, owners), f, protocol=pickle.HIGHEST_PROTOCOL)
    return texts, owners


def corpus_bm25(max_words: int, limit: int | None = None):
    """A bm25s index (the project's tokenizer) over `corpus_passages(max_words, limit)`, cached on disk;
    returns (retriever, owners)."""
    import bm25s

    from index.lexical import tokenize_corpus

    folder = CACHE / f"bm25-{max_words}-{limit or 'all'}"
    texts, owners = corpus_passages(max_words, limit)
    if not (folder / "params.index.json").exists():
        retriever = bm25s.BM25()
        retriever.index(tokenize_corpus(texts), show_progress=False)
        retriever.save(str(folder))
    return bm25s.BM25.load(str(folder), mmap=False), owners


def corpus_documents(max_words: int) -> list[tuple]:
    """Every corpus article as (Document, passages): clean text cut by the project's cutter, its real
    publication date, its domain as publisher, and a source per 1,000 articles in corpus order
    (`part-00`, `part-01`, ...: sources of 1,000 articles to remove). Cached as a compressed pickle."""
    import pickle

    from index.clean import clean
    from index.passages import make_passages
    from index.sources import Document

    path = CACHE / f"documents-{max_words}.pkl.gz"
    if path.exists():
        with gzip.open(path, "rb") as f:
            return pickle.load(f)
    out = []
    for number, r in enumerate(records()):
        published = (r.get("publish_date") or "").replace("/", "-")[:10] or None
        doc = Document(r["doc_id"], f"part-{number // 1000:02d}", r.get("title") or r["doc_id"],
                       r.get("domain") or "rtqa", published, r.get("url"), clean(r["text"]))
        passages = make_passages(doc.id, doc.text, max_words)
        if passages:
            out.append((doc, passages))
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as f:
        pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def tiled_documents(n: int, max_words: int) -> list[tuple]:
    """(Document, passages) holding `n` passages: the corpus articles in order, then copies of them under new
    ids (`#copy1`, ...) and sources (`copy1-part-00`, ...) with the same dates, as many as needed; the last
    article is cut short."""
    from dataclasses import replace

    from index.passages import Passage

    corpus = corpus_documents(max_words)
    out, total, copy = [], 0, 0
    while total < n:
        for doc, passages in corpus:
            if total >= n:
                break
            if copy:
                doc = replace(doc, id=f"{doc.id}#copy{copy}", source=f"copy{copy}-{doc.source}")
                passages = [Passage(f"{p.id}#copy{copy}", doc.id, p.start, p.end, p.text, p.sentences)
                            for p in passages]
            passages = passages[: n - total]
            out.append((doc, passages))
            total += len(passages)
        copy += 1
    return out


def server_publishers(documents: list[tuple]) -> dict[str, str]:
    """Two servers' sources for the scoped bench store, by publisher: server 1001 ("big") the outlet nearest
    3% of the articles, server 1002 ("tiny") the one with the fewest (ties: the first in corpus order)."""
    counts = Counter(doc.publisher for doc, _ in documents)
    ordered = counts.most_common()
    big = min(ordered[1:-1] or ordered, key=lambda item: abs(item[1] - 0.03 * len(documents)))[0]
    return {"1001": big, "1002": ordered[-1][0]}


def bench_engine(n: int, embedder, max_words: int = 80, scoped: bool = False):
    """A FAISS engine in $BRIEFBOT_BENCH_CACHE/store-N holding `n` passages (`tiled_documents`) with the
    quality pool's real vectors tiled to `n` (bench/faiss_scale.py), committed as one rebuild; reused.

    `scoped` (store-N-scoped): two outlets' articles are two servers' sources (`server_publishers`; ids
    prefixed by the scope, as a server's source reads them), the rest the operator's, all in the one
    segment, as after a merge: every scope filter then masks it (the meta names the servers)."""
    from dataclasses import replace

    from faiss_scale import base_vectors, tiled

    from index.store import ChangeSet, DocumentUpdate
    from index.store.faiss_engine import FaissEngine

    engine = FaissEngine(CACHE / (f"store-{n}" + ("-scoped" if scoped else "")))
    if engine.current() is None:
        documents = tiled_documents(n, max_words)
        servers = server_publishers(documents) if scoped else {}
        scope_of = {publisher: scope for scope, publisher in servers.items()}
        vectors = tiled(base_vectors(), n)
        put, start = [], 0
        for doc, passages in documents:
            if doc.publisher in scope_of:
                doc = replace(doc, id=f"{scope_of[doc.publisher]}:{doc.id}", scope=scope_of[doc.publisher])
                passages = [replace(p, doc_id=doc.id) for p in passages]
            put.append(DocumentUpdate(doc, passages, vectors[start:start + len(passages)]))
            start += len(passages)
        meta = {"model": embedder.name, "dim": str(embedder.dim), "max_words": str(max_words),
                "bench": "vectors tiled from the quality pool", "servers": json.dumps(servers)}
        with engine.writer():
            engine.commit(None, ChangeSet(meta, put))
    return engine
