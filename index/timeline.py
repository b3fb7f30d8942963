"""The timeline: dated events of the briefings in date order, every date backed by a quote.

Events are the dated sentences found at index time (`index.events`). For a topic, only events whose
passage is related to it (dense + BM25 candidates) and that either name a topic word or are very similar
to it are kept; for a person, only the events that are hers, not someone else's that name her
(`index.subject`). Sentences that say the same thing about the same date (embedding similarity) are merged
into one entry quoting every outlet; one event dated differently by two outlets becomes one entry that
flags the disagreement. The event date is kept apart from the date each article was published.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from index import subject
from index.clean import is_furniture
from index.dates import ISO_PREFIX, period
from index.errors import InvalidInput
from index.grouping import (
    Mention,
    best_quote,
    clause,
    event_terms,
    headline,
    same_happening_groups,
)
from index.lexical import STOPWORDS, terms
from index.paragraphs import strip_label
from index.search import Searcher, source_dict
from index.sources import is_untitled
from index.store import DocumentInfo, StoredEvent, StoredPassage

RELATED_CANDIDATES = 200
TOPIC_MIN_SCORE = 0.25  # passage cosine an event needs, with a topic word in its sentence
TOPIC_STRONG_SCORE = 0.45  # passage cosine that is enough on its own (a topic that names no one)
LEDE_SENTENCES = 2  # an article's first sentences are about what its title names
_PRONOUN = re.compile(r"(?:He|She|It|They|His|Her|Its|Their)\b")
_ANY_PRONOUN = re.compile(r"\b(?:" + "|".join(sorted(subject.PERSON_OF)) + r")\b", re.IGNORECASE)
SAME_EVENT_OTHER_DATE = 0.8  # cosine of two outlets' sentences reporting one event on different dates
DISAGREEMENT_WINDOW = {"day": 7, "month": 62, "year": 731}  # days between two dates of one event
# English month abbreviations, whatever the process locale (strftime's %b follows it)
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    headline: str = ""  # the clause of the best quote that carries the event, verbatim ("…" where cut)

    @property
    def summary(self) -> str:
        """The first report's sentence, verbatim: the bot never words a summary itself."""
        return self.quotes[0].quote

    def as_dict(self) -> dict:
        return {
            "date": self.date,
            "granularity": self.granularity,
            "headline": self.headline,
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


def outlet(source: DocumentInfo) -> str:
    """The outlet a quote is from, as charts and counts name it: its publisher, else its title."""
    return source.publisher or source.title or "unknown outlet"


def most_reported(entries: list[TimelineEntry], limit: int) -> list[TimelineEntry]:
    """All `entries`, or the `limit` reported by most outlets (then by most quotes, then the earlier), in date
    order: what a chart or a message with room for fewer shows, rather than the first days of the story."""
    if len(entries) <= limit:
        return list(entries)
    ranked = sorted(range(len(entries)), key=lambda i: (
        -len({outlet(q.source) for q in entries[i].quotes}), -len(entries[i].quotes), i))
    return [entries[i] for i in sorted(ranked[:limit])]


def human_date(value: str) -> str:
    """An ISO prefix as people write it: "2024-06-18" -> "18 Jun 2024", "2024-05" -> "May 2024"."""
    first, _ = period(value)
    if len(value) == 4:
        return str(first.year)
    month = _MONTH_ABBR[first.month - 1]
    return f"{month} {first.year}" if len(value) == 7 else f"{first.day} {month} {first.year}"


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
    import dateparser  # slow to import; only written-out bounds need it

    parsed = dateparser.parse(
        text, languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "last" if end else "first", "REQUIRE_PARTS": ["year"]},
    )
    if parsed is None:
        raise InvalidInput(problem)
    return parsed.date()


def build_timeline(
    searcher: Searcher, topic: str | None = None, since: str | None = None, until: str | None = None,
    scopes: Collection[str] | None = None,
) -> Timeline:
    """The timeline of the briefings, or of one topic, within [since, until] (both optional), from the
    sources of `scopes` only (None: every scope)."""
    topic = " ".join(topic.split()) if topic else None
    start = parse_bound(since, end=False) if since else None
    stop = parse_bound(until, end=True) if until else None
    if start and stop and start > stop:
        raise InvalidInput(f"--since {since} is after --until {until}")
    documents = searcher.store.documents
    events = [e for e in searcher.store.events() if _in_range(e.date, start, stop)
              and (scopes is None or documents[e.doc_id].scope in scopes)]
    if topic:
        events = _about(searcher, topic, events, scopes)
    return Timeline(topic, start, stop, _merge(searcher, events, topic))


def _in_range(value: str, start: date | None, stop: date | None) -> bool:
    first, last = period(value)
    return (start is None or last >= start) and (stop is None or first <= stop)


def topic_names(topic: str) -> list[str]:
    """The names a topic must match: of each run of capitalised words, the last that is not a numeral
    ("Hurricane Ian" -> Ian, "Liz Truss" -> Truss, "NASA's Artemis I" -> Artemis). "Hurricane" in
    "Hurricane Ian" names a kind of story that Fiona shares; "Ian" names this one. A topic written without
    capitals names no one."""
    names = []
    for run in re.findall(r"[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*", topic):
        # numerals name no one, nor does a capitalised question or function word ("When will Putin ...")
        words = [w for w in run.split() if not re.fullmatch(r"[IVX]+|\d+", w) and w.lower() not in STOPWORDS]
        if words:
            names.append(re.sub(r"['’]s$", "", words[-1]))
    return names


def _name_in(name: str, text: str) -> re.Match[str] | None:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)


def _names_in(names: list[str], text: str) -> bool:
    return all(_name_in(name, text) for name in names)


def _about(searcher: Searcher, topic: str, events: list[StoredEvent], scopes: Collection[str] | None,
           ) -> list[StoredEvent]:
    """The events of the story `topic` names, among the passages related to it (dense and BM25 candidates).

    A topic without names keeps an event whose passage is close to it, or related with a topic word in its
    sentence. A topic that names someone or something (`topic_names`) keeps an event whose passage is
    related to it and that holds the names in its own sentence, in the sentence before it when it refers
    back to it ("Liz Truss ... She resigned on Thursday"; the pronoun the briefings use for the topic, not
    "His first address as king" after a sentence where the King speaks to Truss), or, for the first
    sentences of an article, in its title; and in an article whose title holds the names, what a topic
    without names keeps: a live blog on Hurricane Ian tells of "the storm" long after it last names Ian.
    Of a person's, a sentence that names her keeps only her own events, and one kept for its title must
    mention her (`_own_events`).
    """
    related = searcher.related(topic, RELATED_CANDIDATES, scopes=scopes)
    names = topic_names(topic)
    wanted = set(terms(topic))

    def close(event: StoredEvent) -> bool:
        score = related.get(event.key, 0.0)
        worded = not wanted.isdisjoint(terms(event.text))
        return score >= TOPIC_STRONG_SCORE or (score >= TOPIC_MIN_SCORE and worded)

    if not names:
        return [e for e in events if close(e)]
    near = [e for e in events if related.get(e.key, 0.0) >= TOPIC_MIN_SCORE]
    passages = {p.key: p for p in searcher.store.passages(sorted({e.key for e in near}))}
    documents = searcher.store.documents
    person = _person_of(names, passages.values())
    kept, by_title = [], []
    for e in near:
        if _names_in(names, _context(e, passages.get(e.key), documents[e.doc_id].title, person)):
            kept.append(e)
        elif _names_in(names, documents[e.doc_id].title) and close(e):
            kept.append(e)
            by_title.append(e)
    return _own_events(kept, names, person, by_title, _words_of(topic))


def _own_events(events: list[StoredEvent], names: list[str], person: str | None,
                by_title: list[StoredEvent], words: list[str]) -> list[StoredEvent]:
    """Of a person's events, those that are hers (`index.subject`): not someone else's act that names her.

    Only sentences that name her are parsed and judged (a topic the briefings call "it" is no person). A
    sentence kept only because its article's title names her (`by_title`) must at least mention her, by her
    pronoun or a word of her name ("the King", "Xi"): the rest of an article about a person tells of others
    too ("The video was also posted to Neymar's account on Thursday"). One that mentions her by a word of her
    name is judged as one that names her, with her words as names: "I like Elon," Trump told Fox News on
    Friday is Trump's.
    """
    if person not in subject.PERSONAL:
        return events
    named = [e for e in events if any(_name_in(name, e.text) for name in names)]
    docs = subject.parse([e.text for e in named])
    if not subject.names_a_person(docs, names, person):
        return events
    others = {id(e) for e, doc in zip(named, docs, strict=True)
              if not subject.tells_of(doc, e.timex, names, person)}
    own = subject.PRONOUNS.get(person or "", set())
    others.update(id(e) for e in by_title if not any(_name_in(word, e.text) for word in words)
                  and own.isdisjoint(w.lower() for w in re.findall(r"\w+", e.text)))
    named_ids = {id(e) for e in named}
    worded = [e for e in by_title if id(e) not in others and id(e) not in named_ids]
    others.update(id(e) for e, doc in zip(worded, subject.parse([e.text for e in worded]), strict=True)
                  if not subject.tells_of(doc, e.timex, words, person))
    return [e for e in events if id(e) not in others]


def _words_of(topic: str) -> list[str]:
    """The capitalised words of a topic, as a text may name its person by any of them ("King" Charles)."""
    return [w for w in re.findall(r"[A-Z][\w'’.&-]*", topic) if w.lower() not in STOPWORDS]


def _person_of(names: list[str], passages: Collection[StoredPassage]) -> str | None:
    """The pronoun the passages use for the topic: the commonest person ("he", "she", "it", "they") among the
    pronouns of the sentences that name it, after the name (None when they use none)."""
    counts: Counter[str] = Counter()
    for passage in passages:
        for start, end in passage.sentences:
            sentence = passage.text[start:end]
            at = [_name_in(name, sentence) for name in names]
            if all(at):
                after = max(m.end() for m in at)
                counts.update(subject.PERSON_OF[p.lower()] for p in _ANY_PRONOUN.findall(sentence, after))
    return counts.most_common(1)[0][0] if counts else None


def _context(event: StoredEvent, passage: StoredPassage | None, title: str, person: str | None = None) -> str:
    """The event's sentence; the sentence before it in its passage when it opens with a pronoun that refers
    back ("She resigned on Thursday"); and for an article's first sentences, its title (an untitled
    article's first sentence)."""
    if passage is None:
        return event.text
    starts = [passage.start + s for s, _ in passage.sentences]
    here = starts.index(event.start) if event.start in starts else 0
    pronoun = _PRONOUN.match(event.text)
    refers_back = pronoun and here > 0 and person in (None, subject.PERSON_OF[pronoun.group().lower()])
    before = passage.text[slice(*passage.sentences[here - 1])] if refers_back else ""
    lede = passage.start == 0 and here < LEDE_SENTENCES
    # an untitled article's stand-in title is its file name: its first sentence says what it is about
    heading = passage.text[slice(*passage.sentences[0])] if is_untitled(title) else title
    return "\n".join([heading if lede else "", before, event.text])


def _merge(searcher: Searcher, events: list[StoredEvent], topic: str | None) -> list[TimelineEntry]:
    """Group events into entries, one per happening (`index.grouping`), in date order, coarser dates first.

    Each entry's best quote comes first and gives its headline; a sentence quoted twice in one entry (the
    same text in two articles) is quoted once. A sentence that names nothing besides its date ("It's
    Wednesday.") is no event.
    """
    documents = searcher.store.documents
    events = sorted(_one_date_per_sentence(events),
                    key=lambda e: (period(e.date)[0], len(e.date), e.doc_id, e.start))
    dated: list[tuple[Mention, StoredEvent]] = []
    for event in events:
        if is_furniture(event.text.strip()):
            continue  # page furniture in an index cleaned before it was recognised as such
        mention = Mention(event.text[strip_label(event.text):], event.timex, event.date)
        if event_terms(mention.sentence, mention.timex):
            dated.append((mention, event))
    mentions = [m for m, _ in dated]
    clauses = [m.sentence[c.start:c.end] for m in mentions for c in [clause(m.sentence, m.timex)]]
    vectors = searcher.encode_cached(clauses)
    sentences = searcher.encode_cached([m.sentence for m in mentions])
    clusters: list[tuple[TimelineEntry, list[int]]] = []
    for group in same_happening_groups(mentions, vectors, sentences, set(terms(topic)) if topic else set()):
        members: list[int] = []
        for i in group:
            if all(mentions[i].sentence != mentions[j].sentence for j in members):
                members.append(i)
        best = members[best_quote([mentions[i] for i in members])]
        members.remove(best)
        members.insert(0, best)
        first, event = mentions[best], dated[best][1]
        entry = TimelineEntry(event.date, event.granularity, headline=headline(first.sentence, first.timex))
        entry.quotes = [TimelineQuote(mentions[i].sentence, documents[dated[i][1].doc_id], mentions[i].date)
                        for i in members]
        clusters.append((entry, members))
    return _flag_disagreements(clusters, vectors)


def _one_date_per_sentence(events: list[StoredEvent]) -> list[StoredEvent]:
    """One event per sentence: a sentence dated twice is one entry, not two with the same quote.

    A date that holds another date of the sentence ("in September ... on September 27") gives way to it;
    of the rest, the first in the sentence is the sentence's date ("canceled classes Monday and said it
    would reconvene on Tuesday": Monday).
    """
    by_sentence: dict[tuple[str, int], list[StoredEvent]] = {}
    for event in events:
        by_sentence.setdefault((event.doc_id, event.start), []).append(event)
    kept = []
    for dated in by_sentence.values():
        finest = [e for e in dated if not any(
            len(o.date) > len(e.date) and o.date.startswith(e.date) for o in dated)]
        kept.append(min(finest, key=lambda e: (_position(e), -len(e.date))))
    return kept


def _position(event: StoredEvent) -> int:
    at = event.text.find(event.timex)
    return at if at >= 0 else len(event.text)


def _flag_disagreements(
    clusters: list[tuple[TimelineEntry, list[int]]], vectors: np.ndarray,
) -> list[TimelineEntry]:
    """Fold entries that are one event dated differently by different outlets into one flagged entry.

    `clusters` are in date order; outlets that disagree do so by days (weeks for a month, a year or two for
    a year), so each entry is compared with the entries that follow it within `DISAGREEMENT_WINDOW`.
    """
    entries: list[TimelineEntry] = []
    absorbed: set[int] = set()
    for i, (entry, members) in enumerate(clusters):
        if i in absorbed:
            continue
        publishers = {q.source.publisher for q in entry.quotes}
        reach = period(entry.date)[1] + timedelta(days=DISAGREEMENT_WINDOW[entry.granularity])
        for j in range(i + 1, len(clusters)):
            other, other_members = clusters[j]
            if period(other.date)[0] > reach:
                break
            if (j in absorbed or other.granularity != entry.granularity or other.date == entry.date
                    or publishers & {q.source.publisher for q in other.quotes}):
                continue
            if (vectors[members] @ vectors[other_members].T).max() >= SAME_EVENT_OTHER_DATE:
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
