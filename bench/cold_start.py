"""Cold start of `briefbot ask` against a minimal ONNX Runtime + FAISS script, interleaved, in one run.

Both are fresh processes of the same interpreter that answer one question from the same index: the minimal
script imports numpy, onnxruntime, tokenizers and faiss, loads the same ONNX model and tokenizer with the
same session options, reads the index's FAISS files, embeds the question and searches (no BM25, no SQLite,
no text: the floor of any answer). `briefbot ask` is the real command line (config, registry, store,
dense + BM25 retrieval, quoting). Rounds alternate which runs first; a first round, not counted, warms the
page cache. Each process's wall time and CPU time (user + system, all its threads) are recorded: on a
loaded machine the CPU ratio is the steadier one. Python modules run from cached bytecode, as installed
(`common.child_env`; compiling the project's sources was ~50 ms CPU of every `ask` here). Also lists the
modules `ask` imports that answering does not need (`python -X importtime`).

Usage: python bench/cold_start.py [--rounds 10] [--data-dir DIR]   (default: the seed index, built once)
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import CACHE, ROOT, child_env, emit, load_average, percentile

QUESTION = "When will Putin travel to North Korea?"
MINIMAL = r"""
import sys, numpy as np, onnxruntime as ort, faiss
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file({tokenizer!r})
tokenizer.enable_truncation(256)
tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
options = ort.SessionOptions()
options.intra_op_num_threads = len(__import__("os").sched_getaffinity(0))
options.log_severity_level = 3
options.add_session_config_entry("session.intra_op.allow_spinning", "0")
session = ort.InferenceSession({onnx!r}, options, providers=["CPUExecutionProvider"])
indexes = [faiss.read_index(path) for path in {faiss_files!r}]
e = tokenizer.encode_batch([{question!r}])[0]
feeds = {{"input_ids": np.array([e.ids], np.int64), "attention_mask": np.array([e.attention_mask], np.int64),
         "token_type_ids": np.array([e.type_ids], np.int64)}}
tokens = session.run(None, feeds)[0]
mask = feeds["attention_mask"][..., None].astype(np.float32)
pooled = (tokens * mask).sum(axis=1) / mask.sum(axis=1)
query = (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
print([index.search(query, 3)[1].tolist() for index in indexes])
"""
# Imported by `ask` in earlier versions though answering never uses them.
NOT_NEEDED = ["discord", "aiohttp", "trafilatura", "dateparser", "feedparser", "matplotlib", "torch"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=CACHE / "cold-start-seeds")
    args = parser.parse_args()

    from index.embed import model_folder, onnx_file
    from index.store.faiss_engine import FaissEngine

    env = child_env()
    briefbot = Path(sys.executable).parent / "briefbot"
    ask = [str(briefbot), "ask", QUESTION, "--data-dir", str(args.data_dir)]
    if FaissEngine(args.data_dir).current() is None:  # the first `ask` builds the seed index
        subprocess.run(ask, check=True, capture_output=True, env=env, cwd=ROOT)
    generation = args.data_dir / FaissEngine(args.data_dir).current()
    faiss_files = [str(p) for p in sorted(generation.glob("seg-*/vectors.faiss"))]
    minimal = [sys.executable, "-c", MINIMAL.format(tokenizer=str(model_folder() / "tokenizer.json"),
                                                    onnx=str(onnx_file()), faiss_files=faiss_files,
                                                    question=QUESTION)]
    commands = {"minimal": minimal, "ask": ask}
    loads = load_average()
    for command in commands.values():  # warm-up: page cache, bytecode
        timed(command, env)
    times: dict[str, list[tuple[float, float]]] = {"minimal": [], "ask": []}
    for round_ in range(args.rounds):
        for name in (["minimal", "ask"] if round_ % 2 == 0 else ["ask", "minimal"]):
            times[name].append(timed(commands[name], env))
    imported = subprocess.run([sys.executable, "-X", "importtime", str(briefbot), *ask[1:]],
                              capture_output=True, text=True, env=env, cwd=ROOT).stderr
    modules = {line.rsplit("|", 1)[-1].strip() for line in imported.splitlines() if "|" in line}
    figures = {name: {"p50_s": round(percentile([w for w, _ in v], 50), 3),
                      "p90_s": round(percentile([w for w, _ in v], 90), 3),
                      "cpu_p50_s": round(percentile([c for _, c in v], 50), 3)}
               for name, v in times.items()}
    ratio = round(figures["ask"]["p50_s"] / figures["minimal"]["p50_s"], 3)
    cpu_ratio = round(figures["ask"]["cpu_p50_s"] / figures["minimal"]["cpu_p50_s"], 3)
    unneeded = [m for m in NOT_NEEDED if m in modules]
    emit({"rounds": args.rounds, "cold_start": figures, "ask_over_minimal_p50": ratio,
          "ask_over_minimal_cpu_p50": cpu_ratio, "imported_but_not_needed": unneeded,
          "modules_imported": len(modules), "load_avg_1m_at_start": round(loads, 2)},
         "Cold start: briefbot ask vs a minimal ONNX + FAISS script",
         ["process", "wall p50 s", "wall p90 s", "wall ratio", "CPU p50 s", "CPU ratio"],
         [["minimal ONNX + FAISS", figures["minimal"]["p50_s"], figures["minimal"]["p90_s"], 1.0,
           figures["minimal"]["cpu_p50_s"], 1.0],
          ["briefbot ask", figures["ask"]["p50_s"], figures["ask"]["p90_s"], ratio,
           figures["ask"]["cpu_p50_s"], cpu_ratio],
          ["not needed but imported", ", ".join(unneeded) or "none", "", "", "", ""]])


if __name__ == "__main__":
    main()
