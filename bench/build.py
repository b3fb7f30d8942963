"""Index build throughput against raw `model.encode` on the same passages, and unchanged re-index, in one run.

1. The first `--docs` corpus articles are written to a JSON Lines source (outside the repository).
2. raw: the exact passage texts the build embeds, encoded alone, before and after the build (the mean of
   the two is the reference): `SentenceTransformer.encode` (PyTorch, same batch size), and the encoder the
   build uses (`Embedder.encode`, ONNX Runtime by default: `BRIEFBOT_ENCODER`) without the build around it.
3. full: `Library.reindex(rebuild=True)`: read + clean the source, cut passages, date events, embed, write
   SQLite + FAISS + BM25, swap the generation.
4. unchanged: `Library.reindex()` again on the same source: nothing to embed, nothing written.

`--incremental N [N ...]`: changes to a store of N passages (`common.bench_engine`: real articles, dates
and publishers, tiled vectors), each step on the state the previous left, in one process that has the
store open (as the bot has): add 1, 100 and 1,000 articles (not in the store: later corpus articles, or
copies under new ids) and remove a source of 1,000 articles, each an engine commit, then a reopen (the
snapshot the searcher swaps to), the merge the policy asks for (if any), and the end-to-end `build()` of
the whole document list plus one new article with the real encoder (its passages embedded). For each step:
passages written, segments, whether the largest segment's files were rewritten (a full FAISS/BM25
rebuild) or linked. Reference: a full rewrite of the same store (what every commit cost before).

`--unchanged-corpus`: the whole RealTime QA corpus (26k articles, one .jsonl.gz source) indexed once through
the project's reader and cutter, with a stand-in encoder (random unit vectors: embedding 660k passages takes
hours here) and no date tagging (half an hour of CPU; an unchanged re-index does neither), then once by
`briefbot index` (untimed: the state as the command line leaves it). Timed: `briefbot index` as a fresh
process (wall time, bytecode cached as installed: `common.child_env`) and in-process `Library.reindex()`,
`--rounds` times each; once each, the same re-index with the read record removed (`read-cache.json`: the
source read, cleaned and date-parsed again, as before the record).

Usage: python bench/build.py [--docs 200] | [--incremental 100000 1000000] | [--unchanged-corpus]
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable

from common import CACHE, Timer, emit, records, write_subset

from index.embed import BATCH_SIZE, TorchEncoder, shared_embedder
from index.library import Library


def timed(encode: Callable[[], object]) -> float:
    with Timer() as t:
        encode()
    return t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200, help="corpus articles to index")
    parser.add_argument("--incremental", type=int, nargs="+", metavar="PASSAGES",
                        help="measure changes to stores of these sizes instead")
    parser.add_argument("--unchanged-corpus", action="store_true", help="measure an unchanged re-index")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.incremental:
        incremental(args.incremental)
        return
    if args.unchanged_corpus:
        unchanged_corpus(args.rounds)
        return

    folder = CACHE / f"build-{args.docs}"
    shutil.rmtree(folder, ignore_errors=True)
    source = write_subset(list(records(args.docs)), folder / "src" / "rtqa.jsonl")
    embedder = shared_embedder()
    embedder.encode(["warm up the model"] * 8)
    library = Library(folder / "data", default_sources=[source])

    # The exact texts the build will embed: cut by the project's own reader and cutter.
    from index.passages import make_passages
    from index.readers.files import read_source

    docs = read_source(source, "rtqa").documents
    texts = list(dict.fromkeys(p.text for d in docs for p in make_passages(d.id, d.text, library.max_words)))

    model = TorchEncoder().model
    model.encode(["warm up the model"] * 8)

    def raw() -> list[float]:
        return [timed(lambda: model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)),
                timed(lambda: embedder.encode(texts))]

    raw_before = raw()
    before = embedder.encoded
    with Timer() as full:
        report = library.reindex(rebuild=True).report
    embedded = embedder.encoded - before
    raw_after = raw()
    with Timer() as unchanged:
        again = library.reindex().report
    torch_raw, backend_raw = ((a + b) / 2 for a, b in zip(raw_before, raw_after, strict=True))
    build_rate = report.passages / full.seconds

    out = {
        "documents": report.documents, "passages": report.passages, "embedded": embedded,
        "encoder": embedder.backend,
        "raw_model_encode": {"seconds": [round(raw_before[0], 2), round(raw_after[0], 2)],
                             "passages_per_s": round(len(texts) / torch_raw, 1)},
        "raw_encoder": {"seconds": [round(raw_before[1], 2), round(raw_after[1], 2)],
                        "passages_per_s": round(len(texts) / backend_raw, 1)},
        "full_build": {"seconds": round(full.seconds, 2), "passages_per_s": round(build_rate, 1)},
        "build_vs_raw": round(build_rate / (len(texts) / torch_raw), 3),
        "build_vs_raw_encoder": round(build_rate / (len(texts) / backend_raw), 3),
        "unchanged_reindex": {"seconds": round(unchanged.seconds, 3),
                              "generation_written": again.generation, "embedded": again.embedded},
        "full_over_unchanged": round(full.seconds / unchanged.seconds, 1),
    }
    out["targets"] = {"build_vs_raw >= 0.9": out["build_vs_raw"] >= 0.9,
                      "build_vs_raw_encoder >= 0.9": out["build_vs_raw_encoder"] >= 0.9,
                      "full_over_unchanged >= 50": out["full_over_unchanged"] >= 50}
    emit(out, f"Index build, {report.documents} articles / {report.passages} passages",
         ["step", "seconds", "passages/s", "ratio"],
         [["raw model.encode, torch (mean of 2)", torch_raw, len(texts) / torch_raw, 1.0],
          [f"raw Embedder.encode, {embedder.backend} (mean of 2)", backend_raw, len(texts) / backend_raw,
           round(torch_raw / backend_raw, 3)],
          ["full build (reindex --rebuild)", full.seconds, build_rate, out["build_vs_raw"]],
          ["unchanged re-index", unchanged.seconds, "-", f"{out['full_over_unchanged']}x faster"]])


def _largest_files(snapshot) -> dict[str, int]:
    """Inodes of the files of the snapshot's largest segment (the same inodes: linked, not rewritten)."""
    largest = max(snapshot.state.parts, key=lambda part: part.count).name
    return {str(p.relative_to(snapshot.folder)): p.stat().st_ino
            for p in (snapshot.folder / largest).rglob("*") if p.is_file()}


def incremental(sizes: list[int]) -> None:
    import re
    import subprocess
    from dataclasses import replace

    from common import bench_engine, load_average, tiled_documents
    from faiss_scale import base_vectors, tiled

    from index.build import build
    from index.passages import Passage, make_passages
    from index.store import ChangeSet, DocumentUpdate
    from index.store.faiss_engine import FaissEngine

    embedder = shared_embedder()
    embedder.encode(["warm up the model"] * 8)
    base = base_vectors()
    results, rows = [], []
    for n in sizes:
        source_engine = bench_engine(n, embedder)
        scratch = CACHE / f"incremental-{n}"
        shutil.rmtree(scratch, ignore_errors=True)
        # Hard links are safe: the engine never changes a file once written.
        subprocess.run(["cp", "-al", str(source_engine.data_dir), str(scratch)], check=True)
        engine = FaissEngine(scratch)
        with Timer() as opened:
            snapshot = engine.open(embedder.name, embedder.dim)
        meta = dict(snapshot.state.meta)
        present = set(snapshot.documents)
        stored = tiled_documents(n, 80)
        # New articles: later corpus articles when the store holds the first ones, else copies under new ids.
        fresh = [(d, p) for d, p in tiled_documents(n + 60_000, 80)[len(stored):] if d.id not in present]
        if len(fresh) < 1101:
            fresh = [(replace(d, id=f"{d.id}#new", source="new"),
                      [Passage(f"{x.id}#new", f"{d.id}#new", x.start, x.end, x.text, x.sentences) for x in p])
                     for d, p in stored[:1101]]
        vectors = tiled(base, sum(len(p) for _, p in fresh[:1101]), seed=11)
        puts, start = [], 0
        for doc, passages in fresh[:1101]:
            puts.append(DocumentUpdate(doc, passages, vectors[start:start + len(passages)]))
            start += len(passages)
        removed_source = "part-01"  # 1,000 articles (common.corpus_documents)
        steps = [("add 1 article", ChangeSet(meta, puts[:1])),
                 ("add 100 articles", ChangeSet(meta, puts[1:101])),
                 ("add 1,000 articles", ChangeSet(meta, puts[101:1101])),
                 (f"remove source {removed_source}", ChangeSet(meta, (), frozenset(
                     d.id for d, _ in stored if d.source == removed_source)))]
        entry = {"passages": snapshot.count, "open_s": round(opened.seconds, 2), "steps": {}}
        main_files = _largest_files(snapshot)
        for name, change in steps:
            loads = load_average()
            with engine.writer(), Timer() as committed:
                engine.commit(snapshot, change)
            with Timer() as reopened:
                fresh_snapshot = engine.open(embedder.name, embedder.dim)
            snapshot.close()
            snapshot = fresh_snapshot
            with engine.writer(), Timer() as merged:
                merge = engine.merge(snapshot)
            if merge is not None:
                snapshot.close()
                snapshot = engine.open(embedder.name, embedder.dim)
            written = sum(len(u.passages) for u in change.put)
            entry["steps"][name] = {
                "commit_s": round(committed.seconds, 3), "reopen_s": round(reopened.seconds, 3),
                "merge": merge is not None, "merge_s": round(merged.seconds, 3),
                "passages_written": written, "documents_removed": len(change.removed),
                "segments": len(snapshot.segments),
                "largest_segment_rewritten": _largest_files(snapshot) != main_files, "load_avg_1m": loads}
            rows.append([n, name, committed.seconds, reopened.seconds, written, len(snapshot.segments),
                         "yes" if _largest_files(snapshot) != main_files else "no (linked)"])
        # End to end: the whole document list (as a reindex reads it) plus one new article, real encoder.
        # Every sentence reworded, so that no passage text is in the store (its vectors cannot be reused).
        article = fresh[-1][0]
        reworded = re.sub(r"\.(\s)", r" indeed.\1", article.text)
        article = replace(article, id=f"{article.id}#e2e", text=reworded)
        documents = [*snapshot_documents(snapshot, stored, set(steps[3][1].removed), puts[:1101]), article]
        new_texts = [p.text for p in make_passages(article.id, article.text, 80)]
        with Timer() as embedded:
            embedder.encode(new_texts)
        snapshot.close()
        with Timer() as end_to_end:
            report = build(engine, documents, embedder)
        entry["build_add_1"] = {"seconds": round(end_to_end.seconds, 2), "embedded": report.embedded,
                                "embedding_alone_s": round(embedded.seconds, 2),
                                "without_embedding_s": round(end_to_end.seconds - embedded.seconds, 2)}
        rows.append([n, "build(): all documents + 1 new (real encoder)", end_to_end.seconds, "",
                     report.embedded, "", f"embedding alone {embedded.seconds:.2f} s"])
        results.append(entry)
        shutil.rmtree(scratch, ignore_errors=True)
    emit({"results": results}, "Incremental changes (s)",
         ["passages", "step", "commit s", "reopen s", "passages written", "segments", "largest rewritten"],
         rows)


class StandInEncoder:
    """Random unit vectors under the real model's name and size (an index to re-index, not to ask)."""

    def __init__(self) -> None:
        real = shared_embedder()
        self.name, self.dim, self.encoded = real.name, real.dim, 0
        self._random = __import__("numpy").random.default_rng(3)

    def encode(self, texts, progress=None):
        np = __import__("numpy")
        vectors = self._random.normal(size=(len(texts), self.dim)).astype(np.float32)
        self.encoded += len(texts)
        if progress:
            progress(len(texts))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_query(self, text):
        return self.encode([text])[0]

    def prepare(self, progress=None) -> None:
        """Nothing to prepare: no model file."""


def unchanged_corpus(rounds: int) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    from common import CORPUS, ROOT, child_env, load_average

    from index.read_cache import FILE

    data = CACHE / "corpus-index"
    library = Library(data, embedder_factory=StandInEncoder)
    prepared = None
    if library.engine.current() is None:
        import index.build

        library.add_source(str(CORPUS), name="rtqa")
        tagger, index.build.extract_events = index.build.extract_events, lambda doc: []
        try:
            with Timer() as prepared:
                library.reindex()
        finally:
            index.build.extract_events = tagger
    store = library.searcher().store
    facts = {"documents": len(store.documents), "passages": store.count,
             "first_build_s": round(prepared.seconds, 1) if prepared else None}
    del library, store
    briefbot = Path(sys.executable).parent / "briefbot"
    command = [str(briefbot), "index", "--data-dir", str(data), "--json"]
    env = child_env()
    settled = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    assert settled.returncode == 0, settled.stderr
    facts["settled"] = {k: v for k, v in json.loads(settled.stdout).items() if not isinstance(v, list | dict)}
    times: dict[str, list[float]] = {"cli": [], "cli_without_record": [], "in_process": [],
                                     "in_process_without_record": []}
    record = (data / FILE).read_bytes()
    loads = [load_average()]
    for round_ in range(rounds):
        for name in (["cli", "cli_without_record"] if round_ == 0 else ["cli"]):
            if name.endswith("without_record"):
                (data / FILE).unlink(missing_ok=True)
            with Timer() as t:
                done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
            assert done.returncode == 0, done.stderr
            assert '"generation": null' in done.stdout, done.stdout[:300]
            times[name].append(t.seconds)
            (data / FILE).write_bytes(record)
        library = Library(data, embedder_factory=StandInEncoder)
        for name in (["in_process", "in_process_without_record"] if round_ == 0 else ["in_process"]):
            if name.endswith("without_record"):
                (data / FILE).unlink(missing_ok=True)
            with Timer() as t:
                report = library.reindex().report
            assert report.generation is None
            times[name].append(t.seconds)
            (data / FILE).write_bytes(record)
        loads.append(load_average())
    best = {name: round(min(values), 2) for name, values in times.items()}
    emit({**facts, "rounds": rounds, "seconds": {k: [round(v, 2) for v in vs] for k, vs in times.items()},
          "best_s": best, "load_avg_1m": loads},
         f"Unchanged re-index of the corpus ({facts['documents']} articles, {facts['passages']} passages)",
         ["run", "best s", "all s"],
         [[name, best[name], ", ".join(f"{v:.2f}" for v in values)] for name, values in times.items()])


def snapshot_documents(snapshot, stored, removed: set[str], puts) -> list:
    """The documents a reindex would read now: the store's, less the removed source, plus those added."""
    return [d for d, _ in stored if d.id not in removed] + [u.document for u in puts]


if __name__ == "__main__":
    main()
