"""A machine's first `briefbot ask`: time to the answer, the wait after it, and the memory it holds.

Each run starts from an empty model cache and an empty data dir, as on a fresh machine: the model is
prepared (the ONNX export), the seeds are indexed, the question is answered. Measured from outside the
process: `answer_s` when the last byte of the answer arrives on stdout, `exit_s` when the process has
exited, `wait_s` the difference (nothing is left to do by then), and the peak resident memory of the asking
process (its export child not counted). With several `--checkout` folders (another version of the code,
e.g. a clone at an older commit) the versions run interleaved, alternating which goes first, on this
interpreter and its packages.

Usage: python bench/first_run.py [--rounds 3] [--checkout DIR]...   (default: this checkout)
"""

from __future__ import annotations

import argparse
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, emit, percentile

QUESTION = "When will Putin travel to North Korea?"
ASK = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


def peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def first_ask(checkout: Path) -> dict[str, float]:
    """One first run of `briefbot ask` from the code in `checkout`, with an empty cache and data dir."""
    with tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        env = {**os.environ, "BRIEFBOT_CACHE_DIR": f"{tmp}/cache", "BRIEFBOT_DATA_DIR": f"{tmp}/data",
               "PYTHONPATH": str(checkout)}
        env.pop("BRIEFBOT_CONFIG", None)
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", ASK, "ask", QUESTION], cwd=checkout, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        answered, peak, output = start, 0.0, b""
        while True:
            if selector.select(timeout=0.05):
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                output += chunk
                answered = time.perf_counter()
            peak = max(peak, peak_rss_mb(process.pid) or 0.0)
        process.wait()
        exited = time.perf_counter()
        if process.returncode != 0 or b"North Korea" not in output:
            raise SystemExit(f"{checkout}: briefbot ask failed (exit status {process.returncode})")
        return {"answer_s": answered - start, "exit_s": exited - start, "wait_s": exited - answered,
                "peak_rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkout", type=Path, action="append", help="code to run (repeatable)")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [ROOT]]
    runs: dict[str, list[dict[str, float]]] = {str(c): [] for c in checkouts}
    for round_ in range(args.rounds):
        order = checkouts if round_ % 2 == 0 else checkouts[::-1]
        for checkout in order:
            runs[str(checkout)].append(first_ask(checkout))
    figures = {name: {key: round(percentile([r[key] for r in results], 50), 2) for key in results[0]}
               for name, results in runs.items()}
    emit({"rounds": args.rounds, "question": QUESTION, "median": figures, "runs": runs},
         "First briefbot ask on an empty cache and data dir (medians)",
         ["checkout", "answer s", "exit s", "wait after answer s", "peak RSS MB"],
         [[name, f["answer_s"], f["exit_s"], f["wait_s"], f["peak_rss_mb"]] for name, f in figures.items()])


if __name__ == "__main__":
    main()
