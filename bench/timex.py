"""Benchmark the TIMEX3 tagger on TimeML gold.

Runs the shared TempEval-3 style scorer with the tagger's JSON Lines command (`briefbot timex --jsonl`,
the console command beside this Python), and measures one figure of
its own: the share of gold DATE timexes with a full calendar-day value (YYYY-MM-DD) whose text does not
contain the year ("Tuesday", "Sept. 30", "yesterday") that the tagger resolves exactly -- the dates an index
must get right from the publication date alone. Prints a small table and one JSON object.

Usage: python bench/timex.py [GOLD_DIR]   (default: ../shared/eval/timeml-train beside the project)
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_timex.py"
ADAPTER = [str(Path(sys.executable).with_name("briefbot")), "timex", "--jsonl"]
sys.path.insert(0, str(ROOT))

from index.dates import calendar_date  # noqa: E402


def _load_scorer():
    spec = importlib.util.spec_from_file_location("score_timex", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def no_year_day_accuracy(docs: list[dict], system: dict[str, list[dict]]) -> tuple[int, int, int]:
    """(exact, same_day, total) over gold DATE timexes valued YYYY-MM-DD whose text holds no year: exact when
    the first system timex overlapping the gold span has the same value, same_day when its value names the
    same calendar day (e.g. 1998-08-07TMO for "Friday morning" annotated 1998-08-07)."""
    ok = day = total = 0
    for d in docs:
        found = system.get(d["id"], [])
        for g in d["timexes"]:
            v = g["value"] or ""
            if g["type"] != "DATE" or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                continue
            if re.search(r"\d{4}|'\d\d\b", g["text"]) or v[:4] in g["text"]:
                continue
            total += 1
            hit = [t for t in found if t["start"] < g["end"] and g["start"] < t["end"]]
            got = hit[0].get("value") or "" if hit else ""
            ok += got == v
            day += calendar_date(got) == (v, "day")
    return ok, day, total


def main() -> None:
    gold = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED / "eval" / "timeml-train"
    run = subprocess.run([sys.executable, str(SCORER), str(gold), "--", *ADAPTER],
                         capture_output=True, text=True, check=True)
    figures = json.loads(run.stdout.strip().splitlines()[-1])

    scorer = _load_scorer()
    docs = scorer.load(str(gold))
    feed = "".join(json.dumps({"id": d["id"], "dct": d["dct"], "text": d["text"]}) + "\n" for d in docs)
    out = subprocess.run(ADAPTER, input=feed, capture_output=True, text=True, check=True).stdout
    system = {o["id"]: o["timexes"] for o in map(json.loads, out.splitlines()) if o}
    ok, day, total = no_year_day_accuracy(docs, system)
    figures["no_year_day_accuracy"] = round(100 * ok / total, 2) if total else 0.0
    figures["no_year_same_day_accuracy"] = round(100 * day / total, 2) if total else 0.0
    figures["no_year_day_gold"] = total

    rows = [("relaxed extent F1", figures["relaxed_f1"]), ("strict extent F1", figures["strict_f1"]),
            ("type F1", figures["type_f1"]), ("value F1", figures["value_f1"]),
            (f"no-year day accuracy ({ok}/{total})", figures["no_year_day_accuracy"]),
            (f"  same calendar day ({day}/{total})", figures["no_year_same_day_accuracy"])]
    for name, val in rows:
        print(f"{name:<34}{val:>7.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
