"""Event grouping on real news: three stories, several outlets each, read from ../shared's corpus.

The happenings are labelled by hand in data/story_events.json (article ids and hashes of the quoted
sentences only, no article text): every quote of a happening is in one entry, happenings of one date
are different entries, and photo captions are no entry at all. Skipped without ../shared.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from index.library import Library
from tests.helpers import SHARED

LABELS = json.loads((Path(__file__).with_name("data") / "story_events.json").read_text(encoding="utf-8"))
STORIES = {story["name"]: story for story in LABELS["stories"]}
CORPUS = SHARED / "corpus" / "realtimeqa-articles.jsonl.gz"


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, set[int]]:
    """Entry numbers of each quoted sentence (by the first 8 hex digits of its SHA-1) in the timeline of
    one library holding the articles of all the stories."""
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} not found (../shared is expected beside the checkout)")
    wanted = {doc_id for story in STORIES.values() for doc_id in story["doc_ids"]}
    articles: dict[str, str] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc_id = json.loads(line)["doc_id"] if any(w in line[:80] for w in wanted) else None
            if doc_id in wanted:
                articles[doc_id] = line
    folder = tmp_path_factory.mktemp("stories")
    (folder / "src").mkdir()
    (folder / "src" / "articles.jsonl").write_text("".join(articles.values()))
    where: dict[str, set[int]] = {}
    timeline = Library(folder / "data", default_sources=[folder / "src"]).timeline()
    for number, entry in enumerate(timeline.events):
        for quote in entry.quotes:
            where.setdefault(hashlib.sha1(quote.quote.encode()).hexdigest()[:8], set()).add(number)
    return where


@pytest.mark.parametrize("name", list(STORIES))
def test_real_story_events_are_one_entry_each(where: dict[str, set[int]], name: str) -> None:
    story = STORIES[name]
    happenings = {h["id"]: h for h in story["happenings"]}
    for happening in story["happenings"]:
        homes = [where.get(label.split(":")[1], set()) for label in happening["same"]]
        assert all(homes), (happening["id"], "not quoted")
        assert set.intersection(*homes), (happening["id"], "split over entries", homes)
    for one, other in story["apart"]:
        for a in happenings[one]["same"]:
            for b in happenings[other]["same"]:
                assert not where[a.split(":")[1]] & where[b.split(":")[1]], (one, other, "in one entry")
    for caption in story["captions"]:
        assert caption.split(":")[1] not in where, ("a caption is quoted", caption)
