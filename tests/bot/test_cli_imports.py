"""`briefbot ask` imports what answering needs and nothing else (its cold start, bench/cold_start.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from index.library import Library

# Modules of other commands (the bot, downloads, page extraction, dates in sources, charts, index building).
NOT_FOR_ASKING = ["discord", "aiohttp", "asyncio", "trafilatura", "dateparser", "feedparser", "matplotlib",
                  "torch", "transformers", "bm25s", "scipy", "tqdm"]


def test_ask_imports_only_what_answering_needs(seed_library: Library) -> None:
    code = (
        "import json, sys\nfrom bot.cli import main\n"
        f"code = main(['ask', 'When will Putin travel to North Korea?', '--data-dir', "
        f"{str(seed_library.data_dir)!r}])\n"
        f"print(json.dumps([code, sorted(m for m in {NOT_FOR_ASKING!r} if m in sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    code, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Putin will travel to North Korea" in done.stdout and code == 0
    assert imported == []
