"""Which dated sentences report the same happening, and the clause of a sentence that names it.

A news sentence often carries more than its event: "Meanwhile, Putin will travel to North Korea on
Tuesday, the Kremlin has confirmed after months of speculation." The *clause* of a dated sentence is the
part around its time expression that says what happens then: cut at clause boundaries (semicolons, dashes,
", which", ", while", " when "...), without a trailing attribution (", the Kremlin has confirmed") unless
the date belongs to the attribution itself ("Bloomberg reported on Monday": then the report is the event
and what it reported is kept with it), and without an opening "Meanwhile,".

Two sentences on the same date report the same happening when their clauses name it with the same words
(trigger and participants: "the 2+2 dialogue", "Tuesday's dialogue"; "Li Qiang met Yoon", "Li and Yoon's
meeting"; the topic's own words do not count), when their clauses are near paraphrases, or when they name
the same participant in sentences about the same thing ("October 20: Truss quits", "Liz Truss announced
Thursday that she will be stepping down"); see `same_happening_groups`.

A headline is the clause of the entry's best quote, verbatim, shortened with "…" where words are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.lexical import terms

HEADLINE_CHARS = 140
SAME_WORDS = 2  # event terms two clauses about one happening share ("2+2", "dialogue")
RELATED = 0.3  # the cosine they need as well
SAME_MEANING = 0.8  # cosine of two clauses that say the same thing in other words
COMMON_NAME_SHARE = 0.2  # share of the mentions a name is in beyond which it names no participant
SAME_PARTICIPANT = 0.45  # cosine of two sentences naming one participant that report one happening
ELLIPSIS = "…"

# Where one clause ends and another starts. The separator stays with neither clause.
_CUT = re.compile(
    r"\s*;\s*|\s+[—–]\s+|\s*—\s*|\s+-\s+|(?<=\w):\s+(?![\d])"
    r"|,\s+(?=(?:and|but|while|whereas|which|who|whom|whose|where|when|as|after|before|although|though"
    r"|because|besides|since|until|amid|even\s+as|according\s+to|including|saying|adding|referring|citing"
    r"|noting)\b)"
    r"|\s+(?=(?:when|while|whereas|after|before|because|although|though|besides|amid)\s)")
# A clause that attributes what the sentence says: "the Kremlin has confirmed", "Bloomberg reported on
# Monday", "according to Reuters", "he added".
_SAY = (r"(?:said|says|say|reported|reports|confirmed|confirms|announced|announces|told|tells|added|adds"
        r"|stated|states|noted|notes|wrote|writes|tweeted|posted|explained|warned|claimed|argued|insisted)")
_ATTRIBUTION = re.compile(
    r"(?:according\s+to\b.*|(?:[\w'’.\-]+\s+){0,8}?(?:has\s+|have\s+|had\s+)?" + _SAY + r"\b.*)",
    re.IGNORECASE | re.DOTALL)
# A reporting verb a few words before the date: "said in Beijing on Monday", "reported on Monday".
_SAID_BEFORE = re.compile(r"\b" + _SAY + r"(?:\s+\S+){0,3}\s+$", re.IGNORECASE)
# Sentence adverbs that only link a sentence to the one before it.
_OPENER = re.compile(r"(?:Meanwhile|However|Furthermore|Moreover|Also|Still|Separately|Additionally|Instead"
                     r"|Nevertheless|Yet|Indeed|Meantime|In\s+addition|At\s+the\s+same\s+time|[A-Z][a-z]+ly),\s+")
# Words that say something was said, not what happened, and function words (the tokenizer keeps most).
_REPORTING = set(terms("said says say reported reports confirmed announced told added stated noted wrote "
                       "according statement spokesman spokeswoman spokesperson"))
_FUNCTION = set(terms(
    "about above after again against all almost also although am among any anyone anything around because "
    "been before being below between both can cannot could did do does doing done down during each either "
    "else even ever every few from further had has have having he her here hers herself him himself his how "
    "however i its itself just least less like made make many may me might more most much must my myself "
    "near nearly neither never next nor now off often once one only other others our ours ourselves out over "
    "own per perhaps quite rather same several she should since so some still than thats them themselves "
    "therefore those though through thus too under until up upon very via was we were what whatever when "
    "where whether which while who whom whose why within without would yet you your yours yourself first "
    "last new two three so far far"))


_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*[\w]")
_TITLES = set(terms(
    "president prime minister gov governor sen senator rep secretary chancellor king queen prince princess "
    "mr mrs ms dr gen general chief director spokesman spokeswoman leader the a an in on at it this that "
    "january february march april may june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday"))


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    said: int | None = None  # where the attribution starts when the date is the report's ("Bloomberg
    # reported on Monday"): the report is then the event, and what it reported is kept with it


def _pieces(sentence: str) -> list[tuple[int, int]]:
    pieces, start = [], 0
    for cut in _CUT.finditer(sentence):
        if cut.start() > start:
            pieces.append((start, cut.start()))
        start = cut.end()
    end = len(sentence.rstrip().rstrip(".!?"))
    if end > start:
        pieces.append((start, end))
    return pieces or [(0, len(sentence))]


def _attributive(text: str) -> bool:
    return bool(_ATTRIBUTION.fullmatch(text.strip(" ,\"“”'")) and len(text.split()) <= 14)


def _said_at(sentence: str, at: int) -> int | None:
    """Where the attribution starts if the date at `at` belongs to a reporting verb just before it ("Lin
    Jian said in Beijing on Monday", "Bloomberg reported on Monday"), else None."""
    verb = _SAID_BEFORE.search(sentence, 0, at) if at >= 0 else None
    if verb is None:
        return None
    boundary = max(sentence.rfind(mark, 0, verb.start()) for mark in (", ", ",\" ", ",” ", "; ", ": "))
    return boundary + sentence[boundary:].index(" ") + 1 if boundary >= 0 else 0


def clause(sentence: str, timex: str) -> Clause:
    """The span of the clause of `sentence` that holds the time expression `timex` (see the module doc)."""
    at = sentence.find(timex) if timex else -1
    said = _said_at(sentence, at)
    pieces = _pieces(sentence)
    index = next((i for i, (s, e) in enumerate(pieces) if s <= max(at, 0) < e), 0)
    start, end = pieces[index]
    if said is not None:
        start = min(start, pieces[0][0] if said > 0 else start)
    else:  # drop a trailing attribution: ", Beijing's foreign ministry has confirmed"
        tail = sentence.rfind(", ", start, end)
        if tail > max(start, at) and _attributive(sentence[tail + 2:end]):
            end = tail
    # "History was made Monday night when the spacecraft slammed into the asteroid": the "when" clause that
    # follows the date's clause says what happened then.
    if (index + 1 < len(pieces) and re.match(r"when\s", sentence[pieces[index + 1][0]:]) and said is None
            and len(sentence[start:end].split()) < 8):
        index += 1
        end = pieces[index][1]
    # Too short to name anything ("besides agreeing on Tuesday's dialogue" is fine; "on Monday" is not).
    while len(sentence[start:end].split()) < 5 and index + 1 < len(pieces):
        index += 1
        end = pieces[index][1]
    opener = _OPENER.match(sentence, start)
    if opener and (at < 0 or opener.end() <= at):
        start = opener.end()
    return Clause(start, end, said)


def headline(sentence: str, timex: str, limit: int = HEADLINE_CHARS) -> str:
    """The clause of `sentence` that carries its event, verbatim, with "…" wherever words are left out."""
    span = clause(sentence, timex)
    if span.said is not None and span.said > span.start:  # what was reported, then who reported it when
        report = sentence[span.said:span.end].strip()
        room = limit - len(report) - 2 * len(ELLIPSIS) - 1
        content = sentence[span.start:span.said].strip().rstrip(",").strip()
        if len(content) > room > 20:
            content = _window(content.lstrip("\"“"), -1, 0, room)
        text = f"{content} {report}" if len(content) <= max(room, 0) + 3 else report
    else:
        text = sentence[span.start:span.end].strip()
    lead_space = len(sentence[span.start:]) - len(sentence[span.start:].lstrip())
    at = sentence.find(timex, span.start) - span.start - lead_space if timex else -1
    if len(text) > limit:
        text, at = _without_asides(text, at, limit)
    if len(text) > limit:
        text = _window(text, at, len(timex), limit)
    lead = ELLIPSIS if span.start > 0 and not text.startswith(ELLIPSIS) else ""
    rest = sentence[span.end:].strip()
    tail = ELLIPSIS if rest and rest not in ".!?" and not text.endswith(ELLIPSIS) else ""
    return lead + text + tail


def _without_asides(text: str, at: int, limit: int) -> tuple[str, int]:
    """`text` without comma-enclosed asides that hold no part of the date, longest first, until it fits."""
    asides = [m for m in re.finditer(r",\s[^,]{12,}?,\s", text) if not (m.start() <= at < m.end())]
    for aside in sorted(asides, key=lambda m: m.end() - m.start(), reverse=True):
        if len(text) <= limit:
            break
        cut = text.find(aside.group())
        if cut < 0:
            continue
        text = text[:cut] + " " + ELLIPSIS + " " + text[cut + len(aside.group()):]
        if at > cut:
            at -= len(aside.group()) - 3
    return text, at


def _window(text: str, at: int, width: int, limit: int) -> str:
    """At most `limit` characters of `text` cut at word boundaries, keeping [at, at + width) when possible."""
    room = limit - 2 * len(ELLIPSIS)
    start = 0 if at < 0 or at + width <= room else max(0, at - (room - width) // 2)
    piece = text[start:start + room]
    if start > 0:
        piece = piece[piece.find(" ") + 1:] if " " in piece else piece
    if start + room < len(text):
        piece = piece[:piece.rfind(" ")] if " " in piece else piece
        piece = piece.rstrip(" ,;:") + ELLIPSIS
    return (ELLIPSIS if start > 0 else "") + piece


def event_terms(sentence: str, timex: str) -> list[str]:
    """The words of the clause that name the happening: its stemmed terms less the date, reporting verbs
    and function words."""
    span = clause(sentence, timex)
    words = terms(sentence[span.start if span.said is None else span.said:span.end])
    drop = set(terms(timex)) | _REPORTING | _FUNCTION
    return [w for w in words if w not in drop]


@dataclass(frozen=True)
class Mention:
    """One dated sentence, as grouping sees it."""

    sentence: str
    timex: str
    date: str


def participants(sentence: str, known: set[str] = frozenset()) -> set[str]:
    """Who or what a sentence names: its capitalised words that are not titles or dates (stemmed, as
    `terms` gives them). Its first word alone counts only if `known` (named elsewhere): a sentence's first
    word is capitalised whatever it is."""
    found = list(_CAPITALISED.finditer(sentence))
    names = [m.group() for k, m in enumerate(found) if m.start() > 0
             or (k + 1 < len(found) and re.fullmatch(r"\s+", sentence[m.end():found[k + 1].start()]))]
    first = set(terms(found[0].group())) & known if found and found[0].start() == 0 else set()
    return (set(terms(" ".join(names))) | first) - _TITLES - _FUNCTION


def same_happening_groups(mentions: Sequence[Mention], clause_vectors: np.ndarray,
                          sentence_vectors: np.ndarray, ignore: set[str] = frozenset()) -> list[list[int]]:
    """Indices of `mentions` grouped by happening: on one date, alike (below) and joined by average link.

    Two mentions are alike when their clauses say nearly the same thing (`SAME_MEANING`), or share
    `SAME_WORDS` event terms and are at least loosely related in meaning (`RELATED`), or name the same
    participant in sentences about the same thing (`SAME_PARTICIPANT`: "Truss quits", "Liz Truss announced
    Thursday that she will be stepping down"), where a name more than `COMMON_NAME_SHARE` of all the
    sentences hold is no participant unless the topic names it ("Florida" in a storm's timeline). `ignore`
    holds the topic's terms: every mention shares them.
    Two groups of one date join while at least half the pairs across them are alike (most alike first),
    so that one loose likeness does not chain two happenings together.
    """
    if not mentions:
        return []
    words = [set(event_terms(m.sentence, m.timex)) - ignore for m in mentions]
    known = set().union(*(participants(m.sentence) for m in mentions))
    names = [participants(m.sentence, known) for m in mentions]
    counts = Counter(n for found in names for n in found)
    common = {n for n, c in counts.items() if c > COMMON_NAME_SHARE * len(mentions) and c > 2} - ignore
    names = [found - common for found in names]
    groups: list[list[int]] = []
    for date in dict.fromkeys(m.date for m in mentions):
        day = [i for i, m in enumerate(mentions) if m.date == date]
        clauses = clause_vectors[day] @ clause_vectors[day].T
        sentences = sentence_vectors[day] @ sentence_vectors[day].T
        shared_words = np.array([[len(words[i] & words[j]) >= SAME_WORDS for j in day] for i in day])
        shared_names = np.array([[bool(names[i] & names[j]) for j in day] for i in day])
        alike = ((clauses >= SAME_MEANING) | ((clauses >= RELATED) & shared_words)
                 | ((sentences >= SAME_PARTICIPANT) & shared_names))
        groups += [[day[k] for k in group] for group in _average_link(alike)]
    return sorted(sorted(g) for g in groups)


def _average_link(alike: np.ndarray) -> list[list[int]]:
    """Clusters of 0..n-1 by average linkage: join the two clusters with the largest share of alike pairs
    across them while that share is at least a half (a distance of 1 - alike, cut at 0.5)."""
    n = len(alike)
    if n < 2:
        return [[k] for k in range(n)]
    from scipy.cluster.hierarchy import fcluster, linkage  # not on the path of `ask`
    from scipy.spatial.distance import squareform

    distance = 1.0 - alike.astype(float)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), method="average"), t=0.5,
                      criterion="distance")
    clusters: dict[int, list[int]] = {}
    for k, label in enumerate(labels.tolist()):
        clusters.setdefault(label, []).append(k)
    return list(clusters.values())


def best_quote(mentions: Sequence[Mention]) -> int:
    """Which of the mentions of one happening makes the best headline: a dated statement of what happened
    (a date used as a modifier, "Tuesday's dialogue", or a report's date names the happening less well),
    of a readable length, sharing words with most of the others."""
    words = [set(event_terms(m.sentence, m.timex)) for m in mentions]

    def score(i: int) -> float:
        sentence, timex = mentions[i].sentence, mentions[i].timex
        span = clause(sentence, timex)
        at = sentence.find(timex)
        value = -abs(span.end - span.start - 90) / 90
        value -= 1.0 if at >= 0 and re.match(r"['’]s?\b", sentence[at + len(timex):]) else 0.0
        value -= 0.5 if span.said is not None else 0.0
        value += 0.3 * sum(bool(words[i] & w) for j, w in enumerate(words) if j != i)
        return value

    return max(range(len(mentions)), key=lambda i: (score(i), -i))
