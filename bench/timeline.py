"""Topic precision and recall of timeline entries, on stories of the real corpus labelled by hand.

The index holds every corpus article published in September and October 2022 (1,636 articles: CNN, USA
Today, The Week), built once into $BRIEFBOT_BENCH_CACHE/timeline-sepoct2022. For each labelled topic
(bench/timeline_topics.json: a storm, people, a space mission; each marked as used to write the topic
rules, dev, or only to check them, held out) the timeline is laid out as `/timeline`
does, and each entry is judged by its first quote (the one its headline comes from), which the labels
name by article id and the first 8 hex digits of the SHA-1 of the sentence (no article text is stored):

* precision (takes part): entries whose first quote is labelled `in`, of the entries the labels judge; for
  a person, `in` is the strict reading: she takes part in the dated happening (does it, has it done to her,
  is its target or partner);
* precision (on the story): entries whose first quote is labelled `in` or `story`, of the same entries: the
  issue's own measure, whether the entry belongs to the story (`story` lists the `out` sentences that do:
  reactions to her acts, moves for or against her, her race's polls; the labels' "about" defines it);
* recall: quoted sentences labelled `in` found in some entry, of those the labels list (a pooled recall:
  the labels list the story's sentences found by this filter and by the one before it);
* captions: entries whose first quote is a photo caption (must be 0).

Entries the labels do not judge are printed (`--unjudged`) so they can be labelled: a figure counts
only once every entry is judged.

The people among the stories are also pooled (one row: their judged entries and labelled sentences added
up), for both precisions. `--labels FILE` reads another labels file of the same form (stories labelled
apart from this one).

Usage: python bench/timeline.py [--unjudged] [--data-dir DIR] [--labels FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from common import CACHE, emit, records, write_subset

LABELS = Path(__file__).resolve().with_name("timeline_topics.json")
MONTHS = ("2022/09", "2022/10")


def library(data_dir: Path | None):
    """The index of the Sep-Oct 2022 articles: `data_dir` if given, else built on first use in the cache."""
    from index.library import Library

    if data_dir:
        return Library(data_dir)
    folder = CACHE / "timeline-sepoct2022"
    source = folder / "src" / "articles.jsonl"
    if not source.exists():
        write_subset([r for r in records() if (r.get("publish_date") or "")[:7] in MONTHS], source)
    return Library(folder / "data", default_sources=[source.parent])


def key(quote) -> str:
    return f"{quote.source.id.rsplit('#', 1)[-1]}:{hashlib.sha1(quote.quote.encode()).hexdigest()[:8]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unjudged", action="store_true", help="print the entries the labels do not judge")
    parser.add_argument("--data-dir", type=Path, help="an index of the Sep-Oct 2022 articles built already")
    parser.add_argument("--labels", type=Path, default=LABELS,
                        help="the labelled stories (default: bench/timeline_topics.json)")
    args = parser.parse_args()
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    lib = library(args.data_dir)
    result, rows = {"topics": {}}, []
    people = {"judged": 0, "good": 0, "on_story": 0, "found": 0, "labelled_in": 0}
    for story in labels["stories"]:
        belongs, other = set(story["in"]), set(story["out"]) | set(story.get("captions", []))
        on_story = belongs | set(story.get("story", []))
        timeline = lib.timeline(story["topic"], story["since"], story["until"])
        judged = good = near = captions = 0
        found = {key(q) for e in timeline.events for q in e.quotes}
        for entry in timeline.events:
            first = key(entry.quotes[0])
            if first in belongs or first in other:
                judged += 1
                good += first in belongs
                near += first in on_story
                captions += first in story.get("captions", [])
            elif args.unjudged:
                print(f"UNJUDGED {story['topic']!r} {first} {entry.date} {entry.quotes[0].quote[:160]}")
        recall_hits = len(belongs & found)
        figures = {"entries": len(timeline.events), "judged": judged,
                   "precision": round(good / judged, 3) if judged else None,
                   "precision_on_story": round(near / judged, 3) if judged else None,
                   "recall": round(recall_hits / len(belongs), 3) if belongs else None,
                   "captions": captions, "labelled_in": len(belongs)}
        result["topics"][story["topic"]] = figures
        figures["role"] = story["role"]
        rows.append([story["topic"], story["kind"], story["role"], len(timeline.events), judged,
                     figures["precision"], figures["precision_on_story"], f"{recall_hits}/{len(belongs)}",
                     captions])
        if story["kind"] == "person":
            for name, value in (("judged", judged), ("good", good), ("on_story", near),
                                ("found", recall_hits), ("labelled_in", len(belongs))):
                people[name] += value
    if people["judged"]:
        result["people_pooled"] = {"precision": round(people["good"] / people["judged"], 3),
                                   "precision_of": f"{people['good']}/{people['judged']}",
                                   "precision_on_story": round(people["on_story"] / people["judged"], 3),
                                   "precision_on_story_of": f"{people['on_story']}/{people['judged']}",
                                   "recall_of": f"{people['found']}/{people['labelled_in']}"}
        rows.append(["people (pooled)", "person", "", "", people["judged"],
                     people["good"] / people["judged"], people["on_story"] / people["judged"],
                     f"{people['found']}/{people['labelled_in']}", ""])
    emit(result, "Topic timelines on labelled stories (Sep-Oct 2022 corpus articles)",
         ["topic", "kind", "role", "entries", "judged", "precision (takes part)", "precision (on the story)",
          "recall (pooled)", "captions"], rows)


if __name__ == "__main__":
    main()
