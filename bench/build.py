"""Index build throughput against raw `model.encode` on the same passages, and unchanged re-index, in one run.

1. The first `--docs` corpus articles are written to a JSON Lines source (outside the repository).
2. raw: `SentenceTransformer.encode` over the exact passage texts the build embeds (same batch size),
   run before and after the build; the mean of the two is the reference.
3. full: `Library.reindex(rebuild=True)`: read + clean the source, cut passages, date events, embed, write
   SQLite + FAISS + BM25, swap the generation.
4. unchanged: `Library.reindex()` again on the same source: nothing to embed, nothing written.

Usage: python bench/build.py [--docs 200]
"""

from __future__ import annotations

import argparse
import shutil

from common import CACHE, Timer, emit, records, write_subset

from index.embed import BATCH_SIZE, shared_embedder
from index.library import Library


def raw_encode(model, texts: list[str]) -> float:
    with Timer() as t:
        model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    return t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200, help="corpus articles to index")
    args = parser.parse_args()

    folder = CACHE / f"build-{args.docs}"
    shutil.rmtree(folder, ignore_errors=True)
    source = write_subset(list(records(args.docs)), folder / "src" / "rtqa.jsonl")
    embedder = shared_embedder()
    embedder.encode(["warm up the model"] * 8)
    library = Library(folder / "data", default_sources=[source])

    # The exact texts the build will embed: cut by the project's own reader and cutter.
    from index.passages import make_passages
    from index.sources import read_source

    docs = read_source(source, "rtqa").documents
    texts = list(dict.fromkeys(p.text for d in docs for p in make_passages(d.id, d.text, library.max_words)))

    raw_before = raw_encode(embedder.model, texts)
    before = embedder.encoded
    with Timer() as full:
        report = library.reindex(rebuild=True).report
    embedded = embedder.encoded - before
    raw_after = raw_encode(embedder.model, texts)
    with Timer() as unchanged:
        again = library.reindex().report
    raw = (raw_before + raw_after) / 2

    out = {
        "documents": report.documents, "passages": report.passages, "embedded": embedded,
        "raw_encode": {"seconds": [round(raw_before, 2), round(raw_after, 2)],
                       "passages_per_s": round(len(texts) / raw, 1)},
        "full_build": {"seconds": round(full.seconds, 2),
                       "passages_per_s": round(report.passages / full.seconds, 1)},
        "build_vs_raw": round((report.passages / full.seconds) / (len(texts) / raw), 3),
        "unchanged_reindex": {"seconds": round(unchanged.seconds, 3),
                              "generation_written": again.generation, "embedded": again.embedded},
        "full_over_unchanged": round(full.seconds / unchanged.seconds, 1),
        "targets": {"build_vs_raw >= 0.9": None, "full_over_unchanged >= 50": None},
    }
    out["targets"] = {"build_vs_raw >= 0.9": out["build_vs_raw"] >= 0.9,
                      "full_over_unchanged >= 50": out["full_over_unchanged"] >= 50}
    emit(out, f"Index build, {report.documents} articles / {report.passages} passages",
         ["step", "seconds", "passages/s", "ratio"],
         [["raw model.encode (mean of 2)", raw, len(texts) / raw, 1.0],
          ["full build (reindex --rebuild)", full.seconds, report.passages / full.seconds,
           out["build_vs_raw"]],
          ["unchanged re-index", unchanged.seconds, "-", f"{out['full_over_unchanged']}x faster"]])


if __name__ == "__main__":
    main()
