"""A machine's first `briefbot ask`: the model is prepared in a child process, and one line says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import QUESTION, ROOT, SEED_SENTENCE

ASK_AND_SAY_WHETHER_TORCH_WAS_IMPORTED = f"""
import sys
from bot.cli import main
code = main(["ask", {QUESTION!r}])
print("torch imported:", "torch" in sys.modules)
sys.exit(code)
"""


def test_the_first_ask_prepares_the_model_in_a_child_process_and_says_so(tmp_path: Path) -> None:
    """Off a terminal the one line is all of stderr; the asking process never imports torch (which would
    keep ~580 MB and hold its exit ~3 s)."""
    env = {**os.environ, "BRIEFBOT_CACHE_DIR": str(tmp_path / "cache"),
           "BRIEFBOT_DATA_DIR": str(tmp_path / "data")}
    for name in ("BRIEFBOT_CONFIG", "BRIEFBOT_ENCODER"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", ASK_AND_SAY_WHETHER_TORCH_WAS_IMPORTED], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, "Preparing the model (once, about 15 s)...\n")
    assert SEED_SENTENCE in done.stdout
    assert done.stdout.endswith("torch imported: False\n")
    assert list((tmp_path / "cache").rglob("model.onnx"))
