"""Events at index time: sentences that carry a resolvable calendar date.

A time expression is resolved against the article's publication date ("on Tuesday" in an article of
Monday 2024-06-17 is 2024-06-18). Only calendar dates (a day, a month or a year) make events; durations,
vague references ("recently") and weeks or seasons are context, never an event date. An article without a
publication date keeps only the dates that do not depend on it ("in 2002", "June 18, 2024"). Only prose
is dated (`index.paragraphs`): a headline, a bare label, a photo caption or a credit carries no event, and
a paragraph's leading label ("What Happened: ") is left out of its first sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from index.dates import calendar_date, tag
from index.paragraphs import prose_spans
from index.passages import first_holding, sentence_spans
from index.sources import Document

# Two reference dates far apart: a value that is the same under both does not depend on the DCT.
_FAR_APART = (date(1900, 1, 1), date(2100, 12, 31))


@dataclass(frozen=True)
class EventMention:
    """A dated sentence of one document; offsets are into the document's clean text."""

    doc_id: str
    date: str  # ISO prefix at the event's granularity: YYYY, YYYY-MM or YYYY-MM-DD
    granularity: str  # year | month | day
    start: int
    end: int
    timex: str  # the time expression as written


def extract_events(doc: Document) -> list[EventMention]:
    """Every (sentence, calendar date) pair of the document, in text order."""
    published = date.fromisoformat(doc.published) if doc.published else None
    if published:
        timexes = tag(doc.text, published)
    else:
        early, late = (tag(doc.text, dct) for dct in _FAR_APART)
        stable = {(t.start, t.end, t.value) for t in late}
        timexes = [t for t in early if (t.start, t.end, t.value) in stable]
    sentences = sentence_spans(doc.text)
    starts, ends = [s.start for s in sentences], [s.end for s in sentences]
    prose = prose_spans(doc.text, doc.title, published)
    bodies, prose_ends = [b for b, _ in prose], [e for _, e in prose]
    events: list[EventMention] = []
    seen: set[tuple[int, str]] = set()
    for timex in timexes:
        resolved = calendar_date(timex.value) if timex.type in ("DATE", "TIME") else None
        holder = first_holding(starts, ends, timex.start)
        paragraph = first_holding(bodies, prose_ends, timex.start)
        if resolved is None or holder is None or paragraph is None:
            continue  # no calendar date, or not in prose (a headline, a label, a caption, a credit)
        start = max(starts[holder], bodies[paragraph])  # a label ("What Happened: ") is no part of it
        if (start, resolved[0]) in seen:
            continue
        seen.add((start, resolved[0]))
        events.append(EventMention(doc.id, resolved[0], resolved[1], start, ends[holder], timex.text))
    return events
