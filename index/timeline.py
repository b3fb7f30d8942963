"""The timeline: dated events of the briefings in date order, every date backed by a quote.

Events are the dated sentences found at index time (`index.events`). For a topic, only events whose
passage is related to it (dense + BM25 candidates) and that either name a topic word or are very similar
to it are kept. Sentences that say the same thing about the same date (embedding similarity) are merged
into one entry quoting every outlet; one event dated differently by two outlets becomes one entry that
flags the disagreement. The event date is kept apart from the date each article was published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import dateparser
import numpy as np

from index.dates import ISO_PREFIX, period
from index.errors import InvalidInput
from index.lexical import terms
from index.search import Searcher, source_dict
from index.store import DocumentInfo, StoredEvent

RELATED_CANDIDATES = 200
TOPIC_MIN_SCORE = 0.25  # passage cosine an event needs, with a topic word in its sentence
TOPIC_STRONG_SCORE = 0.45  # passage cosine that is enough on its own
SAME_EVENT = 0.6  # cosine of two sentences reporting one event on one date
SAME_EVENT_OTHER_DATE = 0.8  # cosine of two outlets' sentences reporting one event on different dates


@dataclass(frozen=True)
class TimelineQuote:
    quote: str  # the sentence, verbatim
    source: DocumentInfo  # its `published` is when it was reported, not when the event happened
    date: str  # the date this outlet gives the event


@dataclass
class TimelineEntry:
    date: str  # ISO prefix at the event's granularity
    granularity: str
    quotes: list[TimelineQuote] = field(default_factory=list)
    disagreement: str | None = None

    @property
    def summary(self) -> str:
        """The first report's sentence, verbatim: the bot never words a summary itself."""
        return self.quotes[0].quote

    def as_dict(self) -> dict:
        return {
            "date": self.date,
            "granularity": self.granularity,
            "summary": self.summary,
            "quotes": [
                {"quote": q.quote, "date": q.date, "source": source_dict(q.source)} for q in self.quotes
            ],
            "disagreement": self.disagreement,
        }


@dataclass
class Timeline:
    topic: str | None
    since: date | None
    until: date | None
    events: list[TimelineEntry]

    def as_dict(self) -> dict:
        return {
            "topic": self.topic,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "events": [e.as_dict() for e in self.events],
        }


def parse_bound(text: str, *, end: bool) -> date:
    """A --since/--until bound: an ISO prefix ("2024-05") or a written date ("May 2024", "26 May 2024").

    A bound that names a whole month or year covers all of it: since its first day, until its last.
    """
    text = text.strip()
    problem = f"cannot read the date {text!r}: use YYYY, YYYY-MM, YYYY-MM-DD or e.g. 'May 2024'"
    if ISO_PREFIX.fullmatch(text):
        try:
            first, last = period(text)
        except ValueError:
            raise InvalidInput(problem) from None
        return last if end else first
    parsed = dateparser.parse(
        text, languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "last" if end else "first", "REQUIRE_PARTS": ["year"]},
    )
    if parsed is None:
        raise InvalidInput(problem)
    return parsed.date()


def build_timeline(
    searcher: Searcher, topic: str | None = None, since: str | None = None, until: str | None = None,
) -> Timeline:
    """The timeline of the briefings, or of one topic, within [since, until] (both optional)."""
    topic = " ".join(topic.split()) if topic else None
    start = parse_bound(since, end=False) if since else None
    stop = parse_bound(until, end=True) if until else None
    if start and stop and start > stop:
        raise InvalidInput(f"--since {since} is after --until {until}")
    events = [e for e in searcher.store.events() if _in_range(e.date, start, stop)]
    if topic:
        events = _about(searcher, topic, events)
    return Timeline(topic, start, stop, _merge(searcher, events))


def _in_range(value: str, start: date | None, stop: date | None) -> bool:
    first, last = period(value)
    return (start is None or last >= start) and (stop is None or first <= stop)


def _about(searcher: Searcher, topic: str, events: list[StoredEvent]) -> list[StoredEvent]:
    related = searcher.related(topic, RELATED_CANDIDATES)
    wanted = set(terms(topic))
    return [
        e for e in events
        if related.get(e.key, 0.0) >= TOPIC_STRONG_SCORE
        or (related.get(e.key, 0.0) >= TOPIC_MIN_SCORE and wanted & set(terms(e.text)))
    ]


def _merge(searcher: Searcher, events: list[StoredEvent]) -> list[TimelineEntry]:
    """Group events into entries (single link within one date), in date order, coarser dates first."""
    documents = searcher.store.documents
    events = sorted(events, key=lambda e: (period(e.date)[0], len(e.date), e.doc_id, e.start))
    vectors = searcher.encode_cached([e.text for e in events])
    similar = vectors @ vectors.T
    clusters: list[tuple[TimelineEntry, list[int]]] = []
    for i, event in enumerate(events):
        home = next(
            (c for c in clusters if c[0].date == event.date and similar[i, c[1]].max() >= SAME_EVENT), None,
        )
        if home is None:
            home = (TimelineEntry(event.date, event.granularity), [])
            clusters.append(home)
        if all(q.quote != event.text for q in home[0].quotes):
            home[0].quotes.append(TimelineQuote(event.text, documents[event.doc_id], event.date))
            home[1].append(i)
    return _flag_disagreements(clusters, similar)


def _flag_disagreements(
    clusters: list[tuple[TimelineEntry, list[int]]], similar: np.ndarray,
) -> list[TimelineEntry]:
    """Fold entries that are one event dated differently by different outlets into one flagged entry."""
    entries: list[TimelineEntry] = []
    absorbed: set[int] = set()
    for i, (entry, members) in enumerate(clusters):
        if i in absorbed:
            continue
        publishers = {q.source.publisher for q in entry.quotes}
        for j in range(i + 1, len(clusters)):
            other, other_members = clusters[j]
            if (j in absorbed or other.granularity != entry.granularity or other.date == entry.date
                    or publishers & {q.source.publisher for q in other.quotes}):
                continue
            if similar[np.ix_(members, other_members)].max() >= SAME_EVENT_OTHER_DATE:
                absorbed.add(j)
                entry.quotes.extend(other.quotes)
        dates = sorted({q.date for q in entry.quotes})
        if len(dates) > 1:
            entry.disagreement = "; ".join(
                f"{', '.join(sorted({q.source.publisher for q in entry.quotes if q.date == d}))}: {d}"
                for d in dates
            )
        entries.append(entry)
    return entries
