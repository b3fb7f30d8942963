"""Benchmark the TIMEX3 tagger on TimeML gold.

Runs the tagger's JSON Lines command (`briefbot timex --jsonl`, the console command beside this Python)
over the gold documents and scores it with the shared TempEval-3 style scorer, on all documents and on two
fixed halves (`half_of`): the dev half, whose errors rules are written against (`--errors dev`), and the
report half, never looked at, whose figure is the one that counts. It measures one figure of its own:
the share of gold DATE timexes with a full calendar-day value (YYYY-MM-DD) whose text does not contain
the year ("Tuesday", "Sept. 30", "yesterday") that the tagger resolves exactly -- the dates an index must
get right from the publication date alone; on the TimeML training set also against the gold with the
corrections listed, each with its reason, in bench/timeml_errata.json.

A second figure, "real news", scores the same tagger on today's news, which TimeML (1989-2000 newswire) is
not: 147 timexes hand-labelled in one window of each of 48 articles drawn at random (seed 20261130) from
the RealTime QA corpus (../shared/corpus), valued as TimeML would value them given the article's
publication date. bench/timex_news.json keeps only the article ids, the windows' and timexes' character
offsets into the article text, the timexes' own words and their values (the labelling conventions are in
its "about"); the text is read from ../shared at run time. The articles are split in halves by a hash of
their id, like the TimeML documents: rules may be written against the dev half's errors (`--errors
news-dev`), the report half is only scored. Prints a small table and one JSON object.

Usage: python bench/timex.py [GOLD_DIR] [--errors dev|news-dev]   (default: ../shared/eval/timeml-train)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_timex.py"
ERRATA = Path(__file__).resolve().with_name("timeml_errata.json")
NEWS_LABELS = Path(__file__).resolve().with_name("timex_news.json")
CORPUS = SHARED / "corpus" / "realtimeqa-articles.jsonl.gz"
ADAPTER = [str(Path(sys.executable).with_name("briefbot")), "timex", "--jsonl"]
sys.path.insert(0, str(ROOT))

from index.dates import calendar_date  # noqa: E402


def _load_scorer():
    spec = importlib.util.spec_from_file_location("score_timex", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_errata(gold: Path) -> dict[tuple[str, int], dict]:
    """Corrected gold values (bench/timeml_errata.json) by (document path, start), for the TimeML training set
    only; each must still match the published gold value it corrects."""
    if gold.resolve() != (SHARED / "eval" / "timeml-train").resolve():
        return {}
    entries = json.loads(ERRATA.read_text(encoding="utf-8"))["corrections"]
    return {(e["doc"], e["start"]): e for e in entries}


def no_year_day_accuracy(docs: list[dict], system: dict[str, list[dict]], gold: Path,
                         errata: dict[tuple[str, int], dict]) -> tuple[int, int, int, int]:
    """(exact, same_day, exact_corrected, total) over gold DATE timexes valued YYYY-MM-DD whose text holds no
    year: exact when the first system timex overlapping the gold span has the same value, same_day when its
    value names the same calendar day (e.g. 1998-08-07TMO for "Friday morning" annotated 1998-08-07),
    exact_corrected against the gold with `errata` applied."""
    ok = day = corrected = total = 0
    applied = 0
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
            erratum = errata.get((Path(d["id"]).resolve().relative_to(gold.resolve()).as_posix(), g["start"]))
            if erratum:
                if erratum["gold"] != v:
                    sys.exit(f"erratum {erratum['doc']}@{g['start']}: the gold is {v}, not {erratum['gold']}")
                applied += 1
            corrected += got == (erratum["value"] if erratum else v)
    if applied != len(errata):
        sys.exit(f"{len(errata) - applied} errata name no no-year calendar-day gold timex")
    return ok, day, corrected, total


def half_of(doc_id: str, gold: Path) -> str:
    """"dev" or "report": a fixed split of the documents in two halves by a hash of their path. Rules are
    written against the dev half (its errors are the only ones `--errors` shows) and kept only if they
    also help on the report half, which gives the figure that counts."""
    path = Path(doc_id).resolve().relative_to(gold.resolve()).as_posix()
    return "dev" if hashlib.sha1(path.encode()).digest()[0] % 2 == 0 else "report"


def news_documents() -> dict[str, list[dict]]:
    """The hand-labelled real-news windows as scorer documents by half: the whole article text (the tagger
    reads all of it, as the index does), its gold timexes, and the labelled window as the scored range."""
    labels = json.loads(NEWS_LABELS.read_text(encoding="utf-8"))["articles"]
    wanted = {a["id"]: a for a in labels}
    texts = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as stream:
        for line in stream:
            if (record := json.loads(line))["doc_id"] in wanted:
                texts[record["doc_id"]] = record["text"]
    halves: dict[str, list[dict]] = {"dev": [], "report": []}
    for a in labels:
        text = texts[a["id"]]
        for t in a["timexes"]:
            if text[t["start"]:t["end"]] != t["text"]:
                sys.exit(f"{a['id']}@{t['start']}: the corpus text is not {t['text']!r} there")
        halves[a["half"]].append({"id": "news:" + a["id"], "dct": a["dct"], "text": text,
                                  "timexes": a["timexes"], "ranges": [tuple(a["window"])]})
    return halves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", nargs="?", type=Path, default=SHARED / "eval" / "timeml-train")
    parser.add_argument("--errors", choices=["dev", "news-dev"],
                        help="print the misses and wrong values of a dev half (TimeML's or the real news')")
    args = parser.parse_args()
    gold = args.gold

    scorer = _load_scorer()
    docs = scorer.load(str(gold))
    news = news_documents()
    feed = "".join(json.dumps({"id": d["id"], "dct": d["dct"], "text": d["text"]}) + "\n"
                   for d in docs + news["dev"] + news["report"])
    out = subprocess.run(ADAPTER, input=feed, capture_output=True, text=True, check=True).stdout
    system = {o["id"]: o["timexes"] for o in map(json.loads, out.splitlines()) if o}
    halves = {name: [d for d in docs if half_of(d["id"], gold) == name] for name in ("dev", "report")}
    if args.errors:
        scorer.score(news["dev"] if args.errors == "news-dev" else halves["dev"], system, show_errors=True)
        return
    figures = scorer.score(docs, system)
    figures["halves"] = {name: scorer.score(part, system) for name, part in halves.items()}
    figures["news"] = scorer.score(news["dev"] + news["report"], system)
    figures["news"]["halves"] = {name: scorer.score(part, system) for name, part in news.items()}
    errata = load_errata(gold)
    ok, day, corrected, total = no_year_day_accuracy(docs, system, gold, errata)
    figures["no_year_day_accuracy"] = round(100 * ok / total, 2) if total else 0.0
    figures["no_year_same_day_accuracy"] = round(100 * day / total, 2) if total else 0.0
    figures["no_year_day_gold"] = total
    if errata:
        figures["no_year_day_accuracy_corrected_gold"] = round(100 * corrected / total, 2)
        figures["gold_corrections"] = len(errata)

    dev, report = figures["halves"]["dev"], figures["halves"]["report"]
    print(f"{'':<40}{'all':>8}{'dev':>8}{'report':>8}")
    print(f"{'documents':<40}{figures['docs']:>8}{dev['docs']:>8}{report['docs']:>8}")
    for key, name in [("relaxed_f1", "relaxed extent F1"), ("strict_f1", "strict extent F1"),
                      ("type_f1", "type F1"), ("value_f1", "value F1")]:
        print(f"{name:<40}{figures[key]:>8.2f}{dev[key]:>8.2f}{report[key]:>8.2f}")
    news_all = figures["news"]
    nd, nr = news_all["halves"]["dev"], news_all["halves"]["report"]
    print(f"{'real news: windows / gold timexes':<40}{news_all['docs']:>4}/{news_all['gold']:<3}"
          f"{nd['docs']:>4}/{nd['gold']:<3}{nr['docs']:>4}/{nr['gold']:<3}")
    for key, name in [("relaxed_f1", "real news: relaxed extent F1"), ("value_f1", "real news: value F1")]:
        print(f"{name:<40}{news_all[key]:>8.2f}{nd[key]:>8.2f}{nr[key]:>8.2f}")
    rows = [(f"no-year day accuracy ({ok}/{total})", figures["no_year_day_accuracy"]),
            (f"  same calendar day ({day}/{total})", figures["no_year_same_day_accuracy"])]
    if errata:
        rows.append((f"  {len(errata)} gold errors corrected ({corrected}/{total})",
                     figures["no_year_day_accuracy_corrected_gold"]))
    for name, val in rows:
        print(f"{name:<40}{val:>8.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
