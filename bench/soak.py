"""Soak: every stage of indexing but the embedding, over every article of both corpora, counting failures.

Passes (each document on its own, as a build handles it):

* `rtqa-dated`: the 26,632 articles of ../shared/corpus/realtimeqa-articles.jsonl.gz with their real
  publication dates, read by the project's own JSON Lines reader;
* `rtqa-undated`: the same articles without a date (an undated document is tagged against two reference
  dates far apart, `index.events`);
* `bbc-undated`: the 2,225 BBC News articles of ../shared/corpus/bbc-articles.jsonl (they carry no date).

Stages: `read` (the reader, which also cleans, checks dates, finds datelines and titles; timed per file),
then per document `clean` (the cleaner again on the raw text, to time it alone), `passages` (the
splitter) and `dates` (tagging and event extraction). An exception in a stage is counted and named (the
target is 0); a document the reader skipped is listed with its reason. Per stage: total seconds and the
per-document p50, p99 and max; the 10 slowest documents.

Event extraction on a 5 MB dated text (64k+ dated sentences, as a 5 MB upload may be): the project's
extraction against the sentence scan it replaced (each date's sentence found by scanning the sentence list,
quadratic), side by side on growing sizes; the scan only up to a size it finishes in reasonable time.

Usage: nice python bench/soak.py [--limit N] [--skip-corpus] [--skip-large]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import traceback
from datetime import date
from pathlib import Path

from common import CORPUS, SHARED, Timer, emit, percentile, rss_mb

from index.clean import clean
from index.dates import calendar_date, tag
from index.events import extract_events
from index.passages import make_passages, sentence_spans
from index.readers.files import read_source
from index.sources import Document

BBC = SHARED / "corpus" / "bbc-articles.jsonl"
STAGES = ("clean", "passages", "dates")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
PLACES = ["Lyon", "Oslo", "Rome", "Lima", "Kyiv"]


def raw_texts(path: Path) -> dict[str, str]:
    """The raw text of every record, by the id the reader gives its document (to time the cleaner alone)."""
    import gzip
    import json

    opener = gzip.open if path.suffix == ".gz" else open
    texts = {}
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            texts[str(record.get("doc_id") or record.get("id"))] = record.get("text") or ""
    return texts


def soak(name: str, path: Path, dated: bool, limit: int | None) -> dict:
    with Timer() as reading:
        result = read_source(path)
    documents = result.documents[:limit] if limit else result.documents
    raw = raw_texts(path)
    exceptions: list[dict] = [{"where": s.where, "stage": s.stage, "reason": s.reason}
                              for s in result.skipped if s.detail]  # a reader's caught exception
    seconds: dict[str, list[float]] = {stage: [] for stage in STAGES}
    per_doc: list[tuple[float, str, int, dict[str, float]]] = []
    events = 0
    for doc in documents:
        if not dated:
            doc = dataclasses.replace(doc, published=None)
        record = doc.id.rsplit("#", 1)[-1]
        took: dict[str, float] = {}
        for stage, work in (("clean", lambda doc=doc, record=record: clean(raw.get(record, ""))),
                            ("passages", lambda doc=doc: make_passages(doc.id, doc.text)),
                            ("dates", lambda doc=doc: extract_events(doc))):
            start = time.perf_counter()
            try:
                out = work()
            except Exception as exc:  # the soak counts what a build would have skipped
                exceptions.append({"where": doc.id, "stage": stage, "reason": f"{type(exc).__name__}: {exc}",
                                   "traceback": traceback.format_exc()})
                out = []
            took[stage] = time.perf_counter() - start
            seconds[stage].append(took[stage])
            if stage == "dates":
                events += len(out)
        per_doc.append((sum(took.values()), doc.id, len(doc.text), took))
    per_doc.sort(reverse=True)
    return {
        "pass": name, "documents": len(documents), "read_seconds": round(reading.seconds, 2),
        "skipped_by_reader": len(result.skipped), "reader_warnings": len(result.warnings),
        "skipped_reasons": sorted({s.reason.split(" (")[0] for s in result.skipped}),
        "exceptions": len(exceptions), "exception_list": exceptions[:20], "events": events,
        "stages": {stage: {"seconds": round(sum(v), 2), "p50_ms": round(percentile(v, 50) * 1000, 2),
                           "p99_ms": round(percentile(v, 99) * 1000, 2), "max_ms": round(max(v) * 1000, 1)}
                   for stage, v in seconds.items() if v},
        "slowest": [{"id": doc_id, "chars": chars, "seconds": round(total, 3),
                     **{stage: round(t, 3) for stage, t in took.items()}}
                    for total, doc_id, chars, took in per_doc[:10]],
    }


def dated_text(sentences: int) -> str:
    """`sentences` dated sentences (plain dates, no month names elsewhere), five to a paragraph."""
    lines = [f"On {MONTHS[i % 12]} {i % 28 + 1}, {2000 + i % 25}, the council met in {PLACES[i % 5]}."
             for i in range(sentences)]
    return "\n\n".join(" ".join(lines[i:i + 5]) for i in range(0, len(lines), 5))


def scanned_events(doc: Document) -> int:
    """The extraction this project replaced (of a dated document): each date's sentence found by scanning
    the sentence list."""
    timexes = tag(doc.text, date.fromisoformat(doc.published))
    sentences = sentence_spans(doc.text)
    seen = set()
    for timex in timexes:
        resolved = calendar_date(timex.value) if timex.type in ("DATE", "TIME") else None
        if resolved is None:
            continue
        sentence = next((s for s in sentences if s.start <= timex.start < s.end), None)
        if sentence is not None:
            seen.add((sentence.start, resolved[0]))
    return len(seen)


def large(max_scan: int) -> list[dict]:
    """Event extraction on growing dated texts up to 5 MB: the project's and (up to `max_scan` sentences)
    the scan it replaced, interleaved per size."""
    rows = []
    for sentences in (4_000, 8_000, 16_000, 32_000, 0):
        text = dated_text(sentences) if sentences else ""
        if not sentences:  # the 5 MB case: as many sentences as fit
            per = len(dated_text(1000)) / 1000
            sentences = int(5 * 2**20 / per)
            text = dated_text(sentences)
        doc = Document("large", "soak", "t", "p", "2024-06-17", None, text)
        with Timer() as linear:
            found = len(extract_events(doc))
        with Timer() as tagging:
            tag(text, date.fromisoformat(doc.published))
        row = {"sentences": sentences, "mb": round(len(text.encode()) / 2**20, 2), "events": found,
               "extract_seconds": round(linear.seconds, 2), "of_which_tag_seconds": round(tagging.seconds, 2)}
        if sentences <= max_scan:
            with Timer() as scan:
                assert scanned_events(doc) == found
            row["scan_seconds"] = round(scan.seconds, 2)
        rows.append(row)
        print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="documents per pass (default: all)")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--max-scan", type=int, default=16_000, help="largest text the old scan runs on")
    args = parser.parse_args()
    passes = [] if args.skip_corpus else [
        soak("rtqa-dated", CORPUS, True, args.limit), soak("rtqa-undated", CORPUS, False, args.limit),
        soak("bbc-undated", BBC, False, args.limit)]
    rows = [[p["pass"], p["documents"], p["exceptions"], p["skipped_by_reader"], p["read_seconds"],
             *(p["stages"][s]["seconds"] for s in STAGES), p["stages"]["dates"]["p99_ms"],
             p["stages"]["dates"]["max_ms"]] for p in passes]
    result = {"passes": passes, "large": [] if args.skip_large else large(args.max_scan),
              "peak_rss_mb": round(rss_mb())}
    emit(result, "Soak: every stage but embedding, per document",
         ["pass", "docs", "exceptions", "skipped", "read s", "clean s", "passages s", "dates s",
          "dates p99 ms", "dates max ms"], rows)


if __name__ == "__main__":
    main()
