"""Index build throughput against raw `model.encode` on the same passages, and unchanged re-index, in one run.

1. The first `--docs` corpus articles are written to a JSON Lines source (outside the repository).
2. raw: the exact passage texts the build embeds, encoded alone, before and after the build (the mean of
   the two is the reference): `SentenceTransformer.encode` (PyTorch, same batch size), and the encoder the
   build uses (`Embedder.encode`, ONNX Runtime by default: `BRIEFBOT_ENCODER`) without the build around it.
3. full: `Library.reindex(rebuild=True)`: read + clean the source, cut passages, date events, embed, write
   SQLite + FAISS + BM25, swap the generation.
4. unchanged: `Library.reindex()` again on the same source: nothing to embed, nothing written.

Usage: python bench/build.py [--docs 200]
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


if __name__ == "__main__":
    main()
