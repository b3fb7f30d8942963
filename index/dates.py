"""Rule-based TimeML TIMEX3 temporal tagger for English news text.

`tag(text, dct)` finds time expressions and normalizes them to TIMEX3 values relative to the document
creation date (DCT); `calendar_date(value)` maps a value to the calendar date an event index can use.

How it works: a small set of regular-expression rules (built from word tables) proposes candidate
spans; the longest non-overlapping candidates win; each rule's handler turns its match into a
(type, value) pair with the help of one resolver for relative expressions (`_shift`) and a cheap tense
guess for the sentence (weekdays, month names and bare dates are placed before or after the DCT by tense).
The tense guess takes the nearest marker (auxiliaries, "will", "is due to", past forms) and refines it by
context: passives and "had been due to" plans, present perfect, "postponed until", "planned" before or after
the date, abbreviations that end no sentence.

Expressions whose reference point is not the DCT are left as placeholders and filled in a final
left-to-right pass (`_resolve_refs`): earnings-report phrases for "the quarter under discussion" ("the
quarter", "a year earlier" in a text about quarterly results), anaphoric years and months ("that year",
"the following month"), which follow the last year or month the text named, anaphoric days ("that day",
"the next day", "the day before", "until then", "it was a great day"), which follow the anchor
-- the most recent full calendar date the text has mentioned, or the DCT before any -- and bare weekdays,
which take one date per text.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property

from dateutil.easter import easter

from index.numbers import NUMBER_WORDS, ONES, TENS


@dataclass(frozen=True)
class Timex:
    """One TIMEX3: character span into the tagged text, its type and normalized value."""

    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str


# --------------------------------------------------------------------------------------------- word tables

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
SEASON_MONTH = {"SP": 4, "SU": 7, "FA": 10, "WI": 1}  # a month inside each season, for ordering
DAYPARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "overnight": "NI"}
NUMBERS = {
    "a": 1, "an": 1, **NUMBER_WORDS, "hundred": 100, "a hundred": 100, "a couple of": 2, "couple of": 2,
    "a dozen": 12, "dozen": 12,
}
VAGUE_NUMBERS = {"a few", "few", "several", "many", "the few", "a number of", "numerous"}
NTH = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
       "eleventh", "twelfth"]
ORDINALS = {
    "first": 1, "second": 2, "last": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
}
# unit word -> (TIMEX3 letter, multiplier, is clock unit)
UNITS = {
    "second": ("S", 1, True), "minute": ("M", 1, True), "hour": ("H", 1, True), "day": ("D", 1, False),
    "week": ("W", 1, False), "month": ("M", 1, False), "quarter": ("Q", 1, False), "year": ("Y", 1, False),
    "decade": ("Y", 10, False), "century": ("Y", 100, False),
}
# relative offset of "last/next/this ..." modifiers
OFFSETS = {
    "last": -1, "past": -1, "previous": -1, "this past": -1, "next": 1, "coming": 1, "this coming": 1,
    "following": 1, "this": 0, "current": 0, "the current": 0, "the same": 0, "same": 0,
}
REF_WORDS = {
    "now": "PRESENT_REF", "right now": "PRESENT_REF", "currently": "PRESENT_REF", "nowadays": "PRESENT_REF",
    "these days": "PRESENT_REF", "at present": "PRESENT_REF", "presently": "PRESENT_REF",
    "recently": "PAST_REF", "more recently": "PAST_REF", "most recently": "PAST_REF", "the past": "PAST_REF",
    "recent years": "PAST_REF", "the future": "FUTURE_REF", "the near future": "FUTURE_REF",
    "the near term": "FUTURE_REF", "the short term": "FUTURE_REF", "the long term": "FUTURE_REF",
}
SET_WORDS = {
    "daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y", "hourly": "PT1H",
    "nightly": "P1D", "biweekly": "P2W",
}
# (month, day) or a rule name for movable holidays
HOLIDAYS: dict[str, tuple[int, int] | str] = {
    "christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24), "new year's day": (1, 1),
    "new year's eve": (12, 31), "boxing day": (12, 26), "independence day": (7, 4),
    "the fourth of july": (7, 4), "halloween": (10, 31), "valentine's day": (2, 14), "veterans day": (11, 11),
    "thanksgiving": "thanksgiving", "thanksgiving day": "thanksgiving", "labor day": "labor",
    "memorial day": "memorial", "election day": "election", "easter": "easter", "easter sunday": "easter",
    "easter monday": "easter monday", "good friday": "good friday", "holy saturday": "holy saturday",
    "palm sunday": "palm sunday", "juneteenth": (6, 19), "cinco de mayo": (5, 5),
    "black friday": "black friday", "cyber monday": "cyber monday", "martin luther king jr. day": "mlk",
    "martin luther king day": "mlk", "mlk day": "mlk", "presidents day": "presidents",
    "presidents' day": "presidents", "mother's day": "mother", "father's day": "father",
}
# markers of a future reading (phrases, matched as words)
FUTURE_MARKERS = [
    "will", "shall", "'ll", "won't", "going to", "plan to", "plans to", "planning to", "expect to",
    "expects to", "expected to", "scheduled", "slated", "upcoming", "intend to", "intends to", "aim to",
    "aims to", "hope to", "hopes to", "set to", "due to", "is to", "are to", "as soon as", "would",
    "likely to",
    "tomorrow", "forthcoming", "next",
]
PAST_IRREGULAR = {
    "said", "was", "were", "had", "did", "ago", "last", "yesterday", "met", "went", "came", "told", "made",
    "took", "gave", "saw", "began", "won", "lost", "held", "left", "fell", "rose", "sold", "bought", "paid",
    "spent", "became", "got", "found", "thought", "brought", "struck", "kept", "led", "ran", "sent", "shot",
    "spoke", "stood", "wrote", "knew", "felt", "heard", "meant", "grew", "drew", "broke", "chose", "flew",
    "fought", "hid", "hung", "laid", "lay", "read", "rode", "sang", "sank", "sat", "slept", "stole", "swore",
    "taught", "threw", "tore", "wore", "woke", "earlier", "been",
}
NOT_PAST = {
    "need", "speed", "indeed", "red", "bed", "feed", "seed", "hundred", "united", "limited", "based",
    "related", "interested", "so-called", "proposed", "expected", "planned", "scheduled", "exceed", "proceed",
    "succeed", "breed", "weed", "shed", "wed", "bled", "sled", "greed", "deed", "reed", "creed", "steed",
}
# plan words: the date they precede is the planned (future) event; after the date, "planned" is a past verb
PLAN_WORDS = {"planned", "scheduled"}
# titles, "vs." and month abbreviations (and, in the regex, initials as in "John F. Kennedy"): a period after
# them ends no sentence
ABBREVIATIONS = ["mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "lt", "col", "maj", "sgt", "capt",
                 "adm", "cmdr", "prof", "rev", "vs", "jan", "feb", "aug", "sept", "sep", "oct", "nov", "dec",
                 "ft", "mt"]

# ------------------------------------------------------------------------------------------- regex pieces


def _alt(words: object) -> str:
    """Regex alternation of words (longest first, spaces match any whitespace, an apostrophe either the
    straight or the typographic one: "Valentine’s Day")."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]")
                    for w in sorted(words, key=len, reverse=True))


MON = r"(?:Jan(?:uary|\.)|Feb(?:ruary|\.)|Mar(?:ch|\.)|Apr(?:il|\.)|May|June?|July?|Aug(?:ust|\.)" \
      r"|Sept?(?:ember|\.)|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.))(?![a-z])"
WDAY = r"(?:" + _alt(WEEKDAYS) + r")"
YEAR = r"(?:1[6-9]\d\d|20\d\d)(?![\d%])"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
_TENS = _alt(TENS)
_UNITS_W = _alt(ONES)
NUM = (r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|(?:" + _TENS + r")(?:[\s-](?:" + _UNITS_W + r"))?|" + _alt(
    [w for w in NUMBERS if w not in ("a", "an")]) + r"|" + _alt(VAGUE_NUMBERS) + r"|an?)")
UNIT = r"(?:second|minute|hour|day|week|month|quarter|year|decade|century|centuries)s?"
# modifiers kept inside the extent but not changing the value
PRE = r"(?:(?:early|late|mid|the\s+middle\s+of|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of)" \
      r"(?:\s+|-))?"
DURMOD = r"(?:(?:about|nearly|almost|more\s+than|less\s+than|at\s+least|over(?!\s+the\b)|up\s+to|roughly" \
         r"|only|just|approximately|some|within|another|an\s+additional|the\s+last|the\s+past|the\s+next" \
         r"|the\s+first|the\s+previous|the\s+following|the\s+coming|the|last|past|next|first|coming)\s+)*"
CLOCK = r"(?:(?:[01]?\d|2[0-3])(?::[0-5]\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)(?:\s+(?:[ECMP][SD]T|GMT)\b)?" \
        r"|noon|midday|midnight)"

# ------------------------------------------------------------------------------------------- date helpers


class _OutOfCalendar(Exception):
    """A resolved date falls outside the years 1-9999 that `datetime.date` represents: the expression gets no
    value (the DCT may be any date of that range, and "yesterday" on 0001-01-01 names no day)."""


def _year(y: int) -> int:
    """`y` if it is a year of the calendar, else `_OutOfCalendar`."""
    if not dt.MINYEAR <= y <= dt.MAXYEAR:
        raise _OutOfCalendar
    return y


def _yyyy(y: int) -> str:
    """A year of the calendar as TIMEX3 writes it (four digits: "0005"), else `_OutOfCalendar`."""
    return f"{_year(y):04d}"


def _add_days(d: dt.date, n: int) -> dt.date:
    """`d` plus `n` days (negative: before), or `_OutOfCalendar`."""
    try:
        return d + dt.timedelta(days=n)
    except OverflowError:
        raise _OutOfCalendar from None


def _years_around(dct: dt.date) -> list[int]:
    """The DCT's year and its neighbours, those of them inside the calendar."""
    return [y for y in (dct.year - 1, dct.year, dct.year + 1) if dt.MINYEAR <= y <= dt.MAXYEAR]


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _month_add(y: int, m: int, n: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + n
    return k // 12, k % 12 + 1


def _shift(dct: dt.date, unit: str, n: int) -> str:
    """The resolver for relative expressions: the `unit` period `n` steps from the DCT, at its granularity."""
    unit = unit.rstrip("s")
    if unit == "day":
        return _iso(_add_days(dct, n))
    if unit == "week":
        return _week(_add_days(dct, 7 * n))
    if unit == "weekend":
        return _week(_add_days(dct, 7 * n)) + "-WE"
    if unit == "month":
        y, mo = _month_add(dct.year, dct.month, n)
        return f"{_year(y):04d}-{mo:02d}"
    if unit == "quarter":
        y, q = divmod(dct.year * 4 + (dct.month - 1) // 3 + n, 4)
        return f"{_yyyy(y)}-Q{q + 1}"
    if unit == "year":
        return _yyyy(dct.year + n)
    if unit == "decade":
        return f"{_year(dct.year + 10 * n) // 10:03d}"
    if unit in ("century", "centurie"):
        return f"{_year(dct.year + 100 * n) // 100:02d}"
    raise ValueError(unit)


def _pick(cands: list[dt.date], dct: dt.date, tense: str | None, bias: int = 90) -> dt.date:
    """Choose the candidate nearest the DCT, where a candidate on the side the tense argues against (after the
    DCT in a past-tense sentence, before it in a future one) counts `bias` days farther; ties go to the past,
    as news mostly reports the past."""
    def cost(c: dt.date) -> tuple[int, bool]:
        days = (c - dct).days
        against = (tense == "past" and days > 0) or (tense == "future" and days < 0)
        return abs(days) + (bias if against else 0), days > 0

    return min(cands, key=cost)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _month_num(tok: str) -> int:
    return MONTHS[tok.lower().rstrip(".")]


def _num(tok: str) -> int | None:
    """Number word or digits -> int; vague quantity ('several') -> None."""
    tok = re.sub(r"\s+", " ", tok.lower()).replace("-", " ")
    if tok in VAGUE_NUMBERS:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})*", tok):  # "1,000 years"
        return int(tok.replace(",", ""))
    if re.fullmatch(r"\d+\.\d+", tok):
        return None
    if tok in NUMBERS:
        return NUMBERS[tok]
    parts = tok.split(" ")
    if len(parts) == 2 and parts[0] in NUMBERS and parts[1] in NUMBERS:  # "twenty four"
        return NUMBERS[parts[0]] + NUMBERS[parts[1]]
    return NUMBERS.get(tok)


def _nth_weekday(y: int, m: int, wd: int, nth: int) -> dt.date:
    """nth weekday of a month (nth=-1: the last one)."""
    if nth > 0:
        d = dt.date(y, m, 1)
        return d + dt.timedelta(days=(wd - d.weekday()) % 7 + 7 * (nth - 1))
    d = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=(d.weekday() - wd) % 7)


# ----------------------------------------------------------------------------------------------- context


# Tense cues. Tables above; the patterns below refine single markers by their neighbours.
_SENT = re.compile(r"(?<=[.!?])[\"']?\s+(?=[\"'(]?[A-Z])|\n\s*\n|\n(?=\s)")
_WORD = re.compile(r"(?<![\w'’])(?:" + _alt(FUTURE_MARKERS) + r")(?!\w)|[A-Za-z]+(?:['’][a-z]+)?",
                   re.IGNORECASE)
_FUTURE = {re.sub(r"\s+", " ", w) for w in FUTURE_MARKERS}
# "next to", "due to the rain": spatial / causal uses of future markers
_NOT_FUTURE_AFTER = {"next": re.compile(r"\s+to\b"),
                     "due to": re.compile(r"\s+(?:the|a|an|its|their|his|her)\b")}
# "has closed", "have been": the present perfect reports the past
_PERFECT = re.compile(r"\s+(?:(?:not|already|also|just|since|now|never|recently)\s+)?"
                      r"(?:been|[a-z]{2,}(?:ed|en)|" + _alt(PAST_IRREGULAR) + r")\b")
# verbs that move an event later or set a deadline: the date after "postponed until", "given them until" is in
# the future whatever the tense
_POSTPONED = re.compile(r"\b(?:postponed|delayed|adjourned|deferred|put\s+off|pushed\s+back|rescheduled"
                        r"|recessed|extended|moved|given|gave|granted|deadline)\s+(?:[\w'-]+\s+){0,4}?"
                        r"(?:until|till|to)\s+(?:at\s+least\s+|on\s+)?$", re.IGNORECASE)
# "were planning to", "was due to": a past auxiliary before a future marker is future-in-the-past
_FUTURE_NEXT = re.compile(r"\s+(?:not\s+)?(?:" + _alt(FUTURE_MARKERS) + r"|planning|preparing)\b",
                          re.IGNORECASE)
# "is expected", "will be named", "to be held": a participle after a non-past form of "be" carries no tense
_PASSIVE = re.compile(r"\b(?:be|is|are|am|being|'s|'re)\s+(?:(?:not|also|still|now|being)\s+)?$",
                      re.IGNORECASE)
# "had been due to", "had been scheduled to": a plan reported in the past perfect was for a time now past
_PLUPERFECT = re.compile(r"\bhad\s+(?:(?:previously|originally|already)\s+)?(?:been\s+)?$", re.IGNORECASE)
# "would buy as soon as trading opened": the verb of an "as soon as" clause follows the sequence of tenses
_AS_SOON_AS = re.compile(r"\bas\s+soon\s+as\s+(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)
_ABBREV = re.compile(r"(?:(?<![\w.])(?:" + "|".join(ABBREVIATIONS) + r")|(?<![\w.])[A-Z])\.$", re.IGNORECASE)


_CLAUSE = re.compile(r"\b(?:that|which|who|because|if|although)\b", re.IGNORECASE)


class _Ctx:
    """Per-document state: the text, DCT and sentence boundaries for tense guesses."""

    def __init__(self, text: str, dct: dt.date) -> None:
        self.text, self.dct = text, dct

    @cached_property
    def bounds(self) -> list[int]:
        """Sentence starts (plus the text end); a period after an abbreviation or initial ends no sentence."""
        cuts = [m.end() for m in _SENT.finditer(self.text)
                if not _ABBREV.search(self.text, max(0, m.start() - 8), m.start())]
        return [0, *cuts, len(self.text) + 1]

    def sentence(self, pos: int) -> int:
        """Index of the sentence holding character `pos`."""
        return bisect.bisect_right(self.bounds, pos) - 1

    def sentence_span(self, pos: int) -> tuple[int, int]:
        """Start and end of the sentence holding character `pos`."""
        i = self.sentence(pos)
        return self.bounds[i], min(self.bounds[min(i + 1, len(self.bounds) - 1)], len(self.text))

    def _marker(self, w: re.Match[str], before: bool) -> str | None:
        """Tense a word signals ('past' | 'future' | None); `before`: the word precedes the expression."""
        word = re.sub(r"\s+", " ", w.group().lower()).replace("’", "'")
        superseded = _PLUPERFECT.search(self.text, max(0, w.start() - 20), w.start())
        if word in PLAN_WORDS:
            return "future" if before and not superseded else "past"
        if word in _FUTURE or word.endswith("'ll"):
            rx = _NOT_FUTURE_AFTER.get(word)
            if rx and rx.match(self.text, w.end()):
                return None
            return "past" if superseded else "future"
        if word in ("has", "have", "'ve") and _PERFECT.match(self.text.lower(), w.end()):
            return "past"
        if word in ("was", "were") and _FUTURE_NEXT.match(self.text, w.end()):
            return None  # "were planning to", "was due to": the future-in-past marker that follows decides
        regular = (word.endswith("ed") and len(word) > 4 and word not in NOT_PAST and w.group()[0].islower()
                   and not word.startswith("un"))  # "unspecified", "unexpected": adjectives
        if ((word in PAST_IRREGULAR or regular)
                and not _PASSIVE.search(self.text, max(0, w.start() - 14), w.start())
                and not _AS_SOON_AS.search(self.text, max(0, w.start() - 30), w.start())):
            return "past"  # a past form, unless a passive participle or in an "as soon as" clause
        return None

    def tense(self, start: int, end: int) -> str | None:
        """Guess the tense governing the span: the nearest tense marker in its sentence wins (markers after
        the span count double: the governing verb usually comes first, and those of a clause that follows it,
        after "that", "which", "who"..., do not count); a postponing verb right before the span ("delayed
        until Tuesday") means the future."""
        lo, hi = self.sentence_span(start)
        if _POSTPONED.search(self.text, max(lo, start - 60), start):
            return "future"
        best: tuple[int, str] | None = None
        # the verbs of a clause that follows the span are not its own ("his statement in July that the
        # ballroom would not interfere")
        clause = _CLAUSE.search(self.text, end, hi)
        for w in _WORD.finditer(self.text, lo, clause.start() if clause else hi):
            if start <= w.start() < end:
                continue
            kind = self._marker(w, w.end() <= start)
            if kind is None:
                continue
            dist = start - w.end() if w.end() <= start else 2 * (w.start() - end) + 2
            if best is None or dist < best[0]:
                best = (dist, kind)
        return best[1] if best else None


# ----------------------------------------------------------------------------------------------- handlers

Result = tuple[str, str] | None
Handler = Callable[[re.Match[str], _Ctx], Result]


def _g(m: re.Match[str], name: str) -> str | None:
    return m.groupdict().get(name)


def _year_of(m: re.Match[str]) -> int | None:
    y = _g(m, "year")
    return int(y) if y else None


def h_iso(m: re.Match[str], ctx: _Ctx) -> Result:
    d = _safe_date(int(m["y"]), int(m["mo"]), int(m["d"]))
    if not d:
        return None
    if m["hh"]:
        return "TIME", f"{_iso(d)}T{m['hh']}:{m['mi']}"
    return "DATE", _iso(d)


def h_slash(m: re.Match[str], ctx: _Ctx) -> Result:
    y = int(m["y"])
    y = y + (1900 if y >= 50 else 2000) if y < 100 else y
    d = _safe_date(y, int(m["mo"]), int(m["d"]))
    return ("DATE", _iso(d)) if d else None


# Days that name an event in today's news, before or after the words that show they name it: (month, day) ->
# (year, the words after the day, the words before it)
NAMED_DAYS = {
    (1, 6): (2021, re.compile(r"(?:th)?\s+(?:committee|select\s+committee|panel|attacks?|insurrection|capitol"
                              r"|riots?|rioters|hearings?|rally|defendants?|investigation|investigators|probe|mob"
                              r"|siege|raid|prosecutions?|pardons?)\b", re.IGNORECASE),
             # "rioters stormed the Capitol on Jan. 6", "the violence at the U.S. Capitol on January 6"
             re.compile(r"\b(?:storm|breach|attack|riot|insurrection|violence|siege|overr[au]n)\w*\s+(?:at\s+|on\s+"
                        r"|of\s+)?(?:the\s+)?(?:U\.S\.\s+)?Capitol\s+(?:building\s+|complex\s+)?on\s+\Z",
                        re.IGNORECASE)),
    (9, 11): (2001, re.compile(r"(?:th)?\s+(?:attacks?|terrorist|terror|hijack|memorial)", re.IGNORECASE),
              re.compile(r"\b(?:terror(?:ist)?\s+attacks?\s+(?:of|on)|attacks\s+of)\s+\Z", re.IGNORECASE)),
}


def h_month_day(m: re.Match[str], ctx: _Ctx) -> Result:
    """'June 18, 2024', '18 June', 'Sept. 30' (year from tense when absent); '5 p.m. EST Nov. 9' (a TIME)."""
    mo, day = _month_num(m["mon"]), int(re.match(r"\d+", m["day"]).group())
    year = _year_of(m)
    named_year, after, before = NAMED_DAYS.get((mo, day), (None, None, None))
    if not year and named_year and ctx.dct.year > named_year and (
            after.match(ctx.text, m.end()) or before.search(ctx.text, max(0, m.start() - 80), m.start())):
        year = named_year  # "the Jan. 6 committee", "the Sept. 11 attacks": the day that names the event
    if not year and (end := _RANGE_END.match(ctx.text, m.end())):
        # "from May 13 to May 16, 2021", "June 17-19, 2021", "Dec. 28 to Jan. 3, 2019": the range's year, the
        # year before when the first day comes later in the calendar than the last
        last = (_month_num(end["mon"]) if end["mon"] else mo, int(re.match(r"\d+", end["day"]).group()))
        year = int(end["year"]) - ((mo, day) > last)
    if year:
        d = _safe_date(year, mo, day)
    else:
        cands = [c for y in _years_around(ctx.dct) if (c := _safe_date(y, mo, day))]
        if _g(m, "wd"):  # "Monday, Oct. 26": the weekday tells the year
            cands = [c for c in cands if c.weekday() == WEEKDAYS[m["wd"].lower()]] or cands
        if _ENDED.search(ctx.text, max(0, m.start() - 12), m.start()):
            cands = [c for c in cands if c <= ctx.dct] or cands  # "the year ended Jan. 31": a closed period
        d = _pick(cands, ctx.dct, ctx.tense(m.start(), m.end()), bias=DAY_BIAS) if cands else None
    return _with_time(m, _iso(d)) if d else None


# days: in a past-tense sentence, a day 4 months ahead is less likely than one 8 months back ("he was at the
# Capitol on Jan. 6", written in September), as is the reverse in a future one
DAY_BIAS = 150
_ENDED = re.compile(r"\bended\s+(?:on\s+)?$", re.IGNORECASE)
# the end of a range of days, with its year: "-19, 2021", " to May 16, 2021"
_RANGE_END = re.compile(r"\s*(?:-|–|\s(?:to|through|until|till|and)\s)\s*(?:(?P<mon>" + MON + r")\s+)?"
                        r"(?P<day>" + DAYNUM + r"),?\s+(?P<year>" + YEAR + r")")
# "by February", "until January": a deadline month lies ahead
_DEADLINE = re.compile(r"\b(?:by|until|till)\s+$", re.IGNORECASE)
MONTH_BIAS = 300  # days: a month name on the side the tense argues against is rarely meant


def _month_value(mo: int, mod: str | None, m: re.Match[str], ctx: _Ctx) -> str:
    """A month name without a year: by modifier, else by tense (nearest occurrence when unknown)."""
    dct = ctx.dct
    cands = [dt.date(y, mo, 1) for y in _years_around(dct)]
    cur = dt.date(dct.year, dct.month, 1)
    off = OFFSETS.get(mod.lower()) if mod else None
    if off == -1:
        d = max((c for c in cands if c < cur), default=None)
    elif off == 1:
        d = min((c for c in cands if c > cur), default=None)
    elif off == 0:
        d = dt.date(dct.year, mo, 1)
    else:
        deadline = _DEADLINE.search(ctx.text, max(0, m.start() - 8), m.start())
        d = _pick(cands, cur, "future" if deadline else ctx.tense(m.start(), m.end()), bias=MONTH_BIAS)
    if d is None:  # "last January" in January of the year 1
        raise _OutOfCalendar
    return f"{d.year:04d}-{d.month:02d}"


def h_month(m: re.Match[str], ctx: _Ctx) -> Result:
    """'June 2024', 'last December', 'in April', 'early March'."""
    word = m["mon"]
    mo = _month_num(word)
    year = _year_of(m)
    if year:
        return "DATE", f"{year:04d}-{mo:02d}"
    mod = _g(m, "mod")
    if word in ("May", "March") and not mod and not re.search(
            r"(?:\b(?:in|since|by|until|of|during|through|from|to|for|before|after|early|late|mid|end|"
            r"beginning|the)\s+|-)$", ctx.text[max(0, m.start() - 20):m.start()], re.IGNORECASE):
        return None  # modal "May" / verb "March" without a preposition or determiner before it
    return "DATE", _month_value(mo, mod, m, ctx)


def h_year(m: re.Match[str], ctx: _Ctx) -> Result:
    """'2002', 'fiscal 1989', 'mid-1996'; rejects numbers that look like amounts, clock times, phone, law and
    street numbers."""
    if _NOT_YEAR_BEFORE.search(ctx.text, max(0, m.start() - 12), m.start()):
        return None
    season = _SEASON_END.match(ctx.text, m.end())
    next_year = season and int(season[1]) == (int(m["year"]) + 1) % 100
    if _NOT_YEAR_AFTER.match(ctx.text, m.end()) and not next_year:
        return None
    return "DATE", m["year"]


# "the 2015-16 season", "the 2021/22 school year": a span of two years whose second is written with two digits
_SEASON_END = re.compile(r"[-–/](\d\d)(?!\d|[-/.,]\d)")


# Amounts and counts ("$2000", "1,999", "2000 people"), clock times ("(1900 GMT)", "at 2000 hours"), and the
# numbers of listings and laws ("602-267-1600", "section 2062", "House Bill 2050", "1711 Main St.", "1607 E
# Harding Ave."); but "2020-2022" is two years
_NOT_YEAR_BEFORE = re.compile(r"(?:[$#.,/\d]\s?|(?<!\d)\d{3}-|\b(?:sections?|bill|HB|SB|route|highway"
                              r"|room|suite|flight|chapter|article|exit|box|rule|interstate|form|pages?)\s+)\Z",
                              re.IGNORECASE)
_NOT_YEAR_AFTER = re.compile(r",\d|\.\d|/\d|-(?!" + YEAR + r")\d{2,}|\s*(?:%|percent|people|shares|points"
                             r"|tons|troops|miles|feet|meters|units|members|employees|workers|GMT|UTC|hours\b|hrs\b"
                             r"|local\s+time)|\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\.?\s+){1,3}"
                             r"(?:St|Street|Ave|Avenue|Road|Rd|Blvd|Boulevard|Drive|Dr|Lane|Ln|Highway|Hwy|Pkwy"
                             r"|Parkway)\b")


def h_spelled_year(m: re.Match[str], ctx: _Ctx) -> Result:
    """'nineteen ninety-seven', 'the year two thousand'."""
    hi = 1900 if m["c"].lower() == "nineteen" else 2000
    if not m["rest"] and not re.match(r"the\s+year", m.group(), re.IGNORECASE) \
            and re.match(r"\s+[a-z]", ctx.text[m.end():]):
        return None  # "two thousand more were sent": a number, not the year 2000
    lo = _num(m["rest"]) if m["rest"] else 0
    return ("DATE", str(hi + lo)) if lo is not None and lo < 100 else None


def h_decade(m: re.Match[str], ctx: _Ctx) -> Result:
    """'the 1990s', 'the nineties', "the '90s" -> '199'."""
    if m["dec"]:  # "the 1700s", "the 1800s": a century ("the 2000s" is the decade)
        return "DATE", m["dec"][:2] if m["dec"].endswith("00") and m["dec"] < "2000" else m["dec"][:3]
    if m["dec2"]:  # "the '80s": a decade of the last century
        return "DATE", "19" + m["dec2"][0]
    words = ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"]
    return "DATE", str(190 + words.index(m["decw"].lower()) + 2)


CENTURY_ORDINALS = [*NTH, "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
                    "nineteenth", "twentieth", "twenty-first", "twenty-second"]


def h_century(m: re.Match[str], ctx: _Ctx) -> Result:
    """'the 19th century', 'the early twentieth century', 'the 21st century' -> '18', '19', '20'."""
    word = m["ord"].lower()
    n = int(word[:-2]) if word[0].isdigit() else CENTURY_ORDINALS.index(re.sub(r"\s+", "-", word)) + 1
    return ("DATE", f"{n - 1:02d}") if 1 <= n <= 100 else None


def h_season(m: re.Match[str], ctx: _Ctx) -> Result:
    """'last summer', 'this spring', 'the winter of 1994'."""
    s = SEASONS[m["season"].lower()]
    year = _year_of(m)
    mod = (_g(m, "mod") or "").lower()
    part = re.match(r"(?:early|late|mid)", m.group(), re.IGNORECASE)
    if not year and not mod and not part and m["season"].lower() == "fall":
        return None  # "the fall of Rome", "a fall in prices" ("late fall" is the season)
    if year:
        return "DATE", f"{year:04d}-{s}"
    dct = ctx.dct
    cur = (dct.year * 12 + dct.month) // 3  # season index: Dec-Feb, Mar-May, ...
    # two years either side: in December, "next winter" is the one after the winter that has begun
    tgt = [(y * 12 + SEASON_MONTH[s]) // 3 for y in range(dct.year - 2, dct.year + 3)]
    off = OFFSETS.get(re.sub(r"\s+", " ", mod)) if mod not in ("", "the") else None
    if off == -1:
        k = max(t for t in tgt if t < cur)
    elif off == 1:
        k = min(t for t in tgt if t > cur)
    elif off == 0 and mod != "the":
        k = min(tgt, key=lambda t: abs(t - cur))
    else:
        tense = ctx.tense(m.start(), m.end())
        ok = [t for t in tgt if (t <= cur if tense == "past" else t >= cur if tense == "future" else True)]
        k = min(ok or tgt, key=lambda t: (abs(t - cur), t > cur))
    y = (k * 3) // 12 if s != "WI" else (k * 3 - 1) // 12
    return "DATE", f"{_yyyy(y)}-{s}"


# "the session begins Monday", "the exhibit opens on Saturday", "his next court appearance is Friday": a
# present-tense verb right before a bare weekday is a schedule, and news schedules what is still to come
_SCHEDULED = re.compile(r"\b(?:opens|begins|starts|ends|kicks\s+off|airs|premieres|closes|launches|resumes"
                        r"|expires|debuts|takes\s+effect|goes\s+into\s+effect|continues|concludes|arrives"
                        r"|heads|is|are)\s+(?:on\s+)?\Z", re.IGNORECASE)


def h_weekday(m: re.Match[str], ctx: _Ctx) -> Result:
    """'Tuesday', 'last Friday', 'next Monday', 'Wednesday night', '10 p.m. Wednesday', "Tuesday's talks"."""
    if re.search(r"\b[Tt]he\s+$", ctx.text[max(0, m.start() - 5):m.start()]) and \
            re.match(r"\s+[A-Z][a-z]", ctx.text[m.end():]) and not _CASED.match(ctx.text[m.end():].lstrip()):
        return None  # "The Sunday Times", "the Monday Club": a name
    wd = WEEKDAYS[m["wd"].lower()]
    dct = ctx.dct
    mod = re.sub(r"\s+", " ", (_g(m, "mod") or "").lower())
    off = OFFSETS.get(mod)
    delta = (wd - dct.weekday()) % 7  # days forward to the next such weekday (0: the DCT itself)
    possessive = ctx.text.startswith(("'s", "’s"), m.end())
    if off == -1:
        days = delta - 7
    elif off == 1:
        days = delta or 7
    elif delta == 0:
        days = 0
    elif possessive:  # "Wednesday's ruling": already happened (unless the text has placed that Wednesday)
        days = delta - 7
    else:
        scheduled = _SCHEDULED.search(ctx.text, max(0, m.start() - 30), m.start())
        tense = "future" if scheduled else ctx.tense(m.start(), m.end())
        # by tense; with no tense marker, the nearer of the two (ties to the past)
        days = delta if tense == "future" or (tense is None and delta < 7 - delta) else delta - 7
    d = _add_days(dct, days)
    if _g(m, "part") and m["part"].lower() == "night" and not (_g(m, "clock") or _g(m, "clock2")):
        typ, value = "DATE", _iso(d)  # "Friday night": annotated as the day in TimeBank/AQUAINT news
    else:
        typ, value = _with_time(m, _iso(d))
    # "Tuesday's dialogue" after "will be in Seoul on Tuesday" is that same Tuesday: '@W<wd>=' asks the final
    # pass for the date of an earlier mention of the weekday; '@G<wd>=' marks a day placed by tense alone,
    # which the final pass may move to agree with the other mentions; any other ('@S<wd>=') only records one
    kind = ("W" if possessive else "G") if off is None and delta else "S"
    return typ, f"@{kind}{wd}={value}"


def _with_time(m: re.Match[str], day: str) -> tuple[str, str]:
    """Attach a clock time or part of day from the match to a day value."""
    part, clock = _g(m, "part"), _g(m, "clock") or _g(m, "clock2")
    if clock:
        return "TIME", f"{day}T{_clock(clock)}"
    if part:
        return "TIME", day + "T" + DAYPARTS[re.split(r"[\s-]", part.lower())[-1]]
    return "DATE", day


def _clock(s: str) -> str:
    s = s.lower()
    if s in ("noon", "midday"):
        return "12:00"
    if s == "midnight":
        return "24:00"
    h, mi, ap = re.match(r"(\d+)(?::(\d\d))?\s*([ap])", s).groups()
    hour = int(h) % 12 + (12 if ap == "p" else 0)
    return f"{hour:02d}:{mi or '00'}"


def h_clock(m: re.Match[str], ctx: _Ctx) -> Result:
    """'10:35 a.m.', '5 p.m. EST' on the DCT."""
    return "TIME", f"{_iso(ctx.dct)}T{_clock(m['clock'])}"


def h_deictic(m: re.Match[str], ctx: _Ctx) -> Result:
    """'yesterday', 'today', 'tomorrow', 'tonight', 'last night', 'this morning', 'yesterday afternoon'."""
    if m["deic"].isupper() and re.search(r"\b[A-Z]{2,}\s+$", ctx.text[max(0, m.start() - 12):m.start()]):
        return None  # "USA TODAY": a name in capitals
    w = re.sub(r"\s+", " ", m["deic"].lower())
    shift = {"yesterday": -1, "today": 0, "tomorrow": 1, "tonight": 0, "last night": -1, "this": 0}
    day = _iso(_add_days(ctx.dct, shift[w]))
    if w in ("tonight", "last night"):
        return "TIME", f"{day}TNI"
    if w == "this" and not _g(m, "part"):
        return None
    return _with_time(m, day)


def h_ref(m: re.Match[str], ctx: _Ctx) -> Result:
    if ctx.text.startswith("-", m.end()) and m["ref"].lower() == "now":
        return None  # "the now-defunct paper", "the now-deleted video": an adjective of the thing, not a time
    return "DATE", REF_WORDS[re.sub(r"\s+", " ", m["ref"].lower())]


_RATE = re.compile(r"(?:[\d%]|\b(?:million|billion|trillion|thousand|hundred|percent|cents?|dollars?))"
                   r"(?:\s+[a-z]+)?\s+$")


_AFTER_UNIT = re.compile(r"\b(?:" + UNIT + r"|times)\s+\Z", re.IGNORECASE)


def h_set(m: re.Match[str], ctx: _Ctx) -> Result:
    """'daily', 'every month', 'each Thursday', 'on Sundays', 'each July', 'every summer', 'every other
    week' (P2W)."""
    if m["setw"]:
        if _RATE.search(ctx.text, max(0, m.start() - 40), m.start()):
            return None  # "C$17.9 million annually", "8.5% annually": a rate, not a recurring time
        return "SET", SET_WORDS[m["setw"].lower()]
    if m["wd"] or m["wds"]:  # "every Sunday morning", "on Sundays"
        part = m["part"] and "T" + DAYPARTS[m["part"].lower()]
        return "SET", f"XXXX-WXX-{WEEKDAYS[(m['wd'] or m['wds']).lower()] + 1}{part or ''}"
    if m["mon"]:
        return "SET", f"XXXX-{_month_num(m['mon']):02d}"
    if m["season"]:
        return "SET", f"XXXX-{SEASONS[m['season'].lower()]}"
    letter, mult, clock = UNITS[m["unit"].lower()]
    return "SET", f"P{'T' if clock else ''}{mult * (2 if m['other'] else 1)}{letter}"


_OF = re.compile(r"\s+of\b")  # "the last year of his term"


def h_relunit(m: re.Match[str], ctx: _Ctx) -> Result:
    """'last week', 'this month', 'next year', 'the past year', 'earlier this month', 'the weekend'."""
    mod = re.sub(r"\s+", " ", (_g(m, "mod") or "").lower())
    unit = m["unit"].lower()
    if unit == "weekend" and mod in ("", "the", "this"):  # the nearest weekend by tense
        future = ctx.tense(m.start(), m.end()) == "future"
        return "DATE", _shift(ctx.dct, "weekend", 0 if ctx.dct.weekday() >= 5 or future else -1)
    if unit in ("decade", "century"):  # "the past decade", "this century": TimeML annotates the span
        return "DURATION", "P10Y" if unit == "decade" else "P100Y"
    off = OFFSETS.get(mod)
    if off is None:
        return None
    if (mod in ("last", "next") and _OF.match(ctx.text, m.end())
            and re.search(r"\bthe\s+$", ctx.text[max(0, m.start() - 4):m.start()], re.IGNORECASE)):
        return None  # "the last year of his term", "the next week of the trial": a part of something else
    return "DATE", _shift(ctx.dct, unit, off)


def h_the_year(m: re.Match[str], ctx: _Ctx) -> Result:
    """'the year', 'the fiscal year', 'the end of the year' (the DCT's); 'the latest fiscal year' (last)."""
    if re.match(r"\s+(?:ended|ending|that\s+ended|that\s+ends|through)\b", ctx.text[m.end():m.end() + 20]):
        return "DURATION", "P1Y"  # "the year ended June 30": a fiscal period, not the calendar year
    return "DATE", _yyyy(ctx.dct.year - (1 if _g(m, "mod") else 0))


def h_quarter(m: re.Match[str], ctx: _Ctx) -> Result:
    """'the third quarter', 'third-quarter', 'the fourth quarter of 1990', 'the quarter', 'this quarter'."""
    dct = ctx.dct
    cur_q = (dct.month - 1) // 3 + 1
    ordw = _g(m, "ord")
    if not ordw and _g(m, "year0"):
        return "DATE", "@Y" + m["year0"]  # "the 1988 quarter": that year's quarter under discussion
    if not ordw:
        mod = (_g(m, "mod") or "").lower()
        if mod in ("current", "this"):
            return "DATE", f"{dct.year:04d}-Q{cur_q}"
        if mod in ("previous", "prior", "preceding"):
            return "DATE", "@Q-1"  # the quarter before the one under discussion
        return "DATE", "@Q0"  # "the quarter": the quarter under discussion
    q = ORDINALS[ordw.lower()]
    year = _year_of(m) or (int(m["year0"]) if _g(m, "year0") else None)
    yrel = (_g(m, "yrel") or _g(m, "yrel2") or "").lower()
    if yrel:
        year = dct.year + OFFSETS[yrel.split()[0]]
    if not year:
        # a quarter not yet begun is last year's, unless the sentence speaks of the future
        year = dct.year
        if q > cur_q and ctx.tense(m.start(), m.end()) != "future":
            year -= 1
    return "DATE", f"{_yyyy(year)}-Q{q}"


def h_day_range(m: re.Match[str], ctx: _Ctx) -> Result:
    """The last day of 'June 17-19', 'June 17 to 19', 'Sept. 28 and 29' (the first is 'June 17' itself)."""
    first, last = (int(re.match(r"\d+", m[g]).group()) for g in ("first", "day"))
    return h_month_day(m, ctx) if last > first else None  # "May 5-4": a score, not days


def h_period_abbrev(m: re.Match[str], ctx: _Ctx) -> Result:
    """'Q3', 'Q3 2023', 'fiscal Q4', 'H1 2024', 'FY2023', 'FY 23'."""
    year = (m["year"] or m["year2"] or "").lstrip("'")
    year = (int(year) if len(year) == 4 else 2000 + int(year)) if year else None
    if m["fy"]:
        return "DATE", str(year)
    kind, number = m["period"][0].upper(), int(m["period"][1])
    if not year:  # a period not yet begun is last year's, unless the sentence speaks of the future
        current = (ctx.dct.month - 1) // (3 if kind == "Q" else 6) + 1
        year = ctx.dct.year - (number > current and ctx.tense(m.start(), m.end()) != "future")
    return "DATE", f"{year}-{kind}{number}"


def h_half(m: re.Match[str], ctx: _Ctx) -> Result:
    """'the first half', 'the second half of 1990', 'the first half of last year'."""
    yrel = (_g(m, "yrel2") or "").lower()
    year = _year_of(m) or ctx.dct.year + OFFSETS.get(yrel, 0)
    return "DATE", f"{year:04d}-H{ORDINALS[m['ord'].lower()]}"


def h_year_ago(m: re.Match[str], ctx: _Ctx) -> Result:
    """'a year ago', 'a year earlier', 'year-earlier', 'the year-ago quarter': a year before the period
    under discussion ('@Q-4'); the adverb alone ('@Q-4D') may instead follow a period end named in its
    sentence."""
    return "DATE", "@Q-4D" if re.match(r"(?:a|one)\s", m.group(), re.IGNORECASE) else "@Q-4"


# Anaphoric days ("that day", "the next day") are placeholders resolved in the final
# pass against the anchor: the most recent full calendar date mentioned before them (the DCT when there is
# none), as the TimeML guidelines and HeidelTime do for expressions whose reference point is another time in
# the text.
ANAPHORIC_DAYS = {
    "that day": 0, "that same day": 0, "the same day": 0, "that very day": 0,
    "the next day": 1, "the following day": 1, "the day after": 1, "the next morning": 1,
    "the following morning": 1, "that night": 0, "that same night": 0, "the same night": 0,
    "the next night": 1, "the following night": 1, "the night before": -1, "the previous night": -1,
    "that morning": 0, "that afternoon": 0, "that evening": 0, "the next afternoon": 1, "the next evening": 1,
    "the following afternoon": 1, "the following evening": 1, "the previous evening": -1,
    "the previous day": -1, "the preceding day": -1, "the day before": -1, "the day earlier": -1,
}


def h_anaphoric_day(m: re.Match[str], ctx: _Ctx) -> Result:
    """'that day', 'later that same day', 'later in the day', 'the next day', 'the day before' -> '@D+n'."""
    shift = ANAPHORIC_DAYS[re.sub(r"\s+", " ", m["ana"].lower())] if m["ana"] else 0  # "later in the day"
    return "DATE", f"@D{shift:+d}"


ANAPHORIC_SHIFT = {None: 0, "following": 1, "previous": -1, "preceding": -1, "prior": -1}


def h_anaphoric_period(m: re.Match[str], ctx: _Ctx) -> Result:
    """'that year', 'later that month', 'the same year', 'the following month', 'the previous year': the
    year or month of the last time the text named (TimeML: its reference point is that time, not the DCT)
    -> '@A<unit><n>'."""
    mod = (_g(m, "mod") or "").lower() or None
    return "DATE", f"@A{m['unit'].lower()[0]}{ANAPHORIC_SHIFT[mod]:+d}"


def h_anaphoric_week(m: re.Match[str], ctx: _Ctx) -> Result:
    """'that week', 'the same week', 'the following week', 'the week before': the week of the anchor date,
    like 'that day' -> '@K+n'."""
    word = (m["wmod"] or m["ba"] or "").lower()
    return "DATE", f"@K{ {'following': 1, 'after': 1, 'previous': -1, 'before': -1}.get(word, 0):+d}"


def h_then(m: re.Match[str], ctx: _Ctx) -> Result:
    """'until then', 'by then': the anchor date, when the text has named one (else no timex)."""
    return "DATE", "@THEN"


def h_nth_day_today(m: re.Match[str], ctx: _Ctx) -> Result:
    """"It's the second day of the strike", "today is the eighth day": a present-tense count of days names the
    DCT."""
    return "DATE", _iso(ctx.dct)


def h_year_end(m: re.Match[str], ctx: _Ctx) -> Result:
    """'by year-end' (this year's Dec. 31), 'since year-end' (last year's): after a preposition only, as
    'year-end results' is a modifier, not a date."""
    prep = m["prep"].lower()
    past = prep == "since" or (prep not in ("by", "until", "till", "before") and ctx.tense(m.start(), m.end())
                               == "past" and ctx.dct.month < 12)
    return "DATE", f"{_yyyy(ctx.dct.year - past)}-12-31"


def h_duration(m: re.Match[str], ctx: _Ctx) -> Result:
    """'three years', 'the past 12 months', 'two-day', 'several weeks', 'two years or so'; with 'ago' or
    'earlier' a date."""
    unit = m["unit"].lower()
    unit = "century" if unit.startswith("centur") else unit.rstrip("s")
    letter, mult, clock = UNITS[unit]
    if re.fullmatch(YEAR, m["num"]):
        return None  # "the 1988 quarter" is not 1988 quarters
    half = _and_a_half(int(m["num"][:-2]), unit) if re.fullmatch(r"\d+\.5", m["num"]) else None
    if half and not _g(m, "rel"):
        return half  # "1.5 hours": PT1H30M
    n = _num(m["num"])
    plural = m["unit"].lower().endswith(("s", "centuries"))
    vague = m["num"].lower() in ("a", "an") and plural
    rel = (_g(m, "rel") or "").lower()
    if unit == "year" and n == 1 and re.search(r"year-(?:ago|earlier)$", m.group()):
        return "DATE", "@Q-4"  # "a year-earlier loss": the adjective, like "year-earlier", not the adverb
    if rel in ("ago", "earlier") or rel.startswith("from"):
        if n is None or vague:
            return "DATE", "PAST_REF" if rel != "from now" else "FUTURE_REF"
        n = n if rel.startswith("from") else -n
        if unit == "decade":
            unit, n = "year", n * 10
        if unit == "century":
            unit, n = "year", n * 100
        if clock:
            return None
        return "DATE", _shift(ctx.dct, unit, n)
    if (unit in ("hour", "day", "week", "month") and m.group().lower().startswith(("a ", "an "))
            and _RATE.search(ctx.text, max(0, m.start() - 40), m.start())
            and not _AFTER_UNIT.search(ctx.text, max(0, m.start() - 20), m.start())):
        return None  # "$15 an hour", "60 miles an hour", "$1,200 a month": rates ("3 times a day" is a SET)
    if unit in ("quarter", "second") and m["num"].lower() in ("a", "an") and not m.group().lower().startswith(
            ("the ", "every ")):
        return None  # "a quarter of", "a second time": fractions and ordinals
    if unit == "quarter" and re.search(r"-quarters\b", m.group(), re.IGNORECASE):
        return None  # "three-quarters": a fraction
    if n is None or vague:
        return "DURATION", f"P{'T' if clock else ''}X{letter if mult == 1 else ('E' if mult == 10 else 'C')}"
    return "DURATION", f"P{'T' if clock else ''}{n * mult}{letter}"


# half of a unit, in the next smaller one (ISO 8601 has no fractions but in the last component; TimeML writes
# "2 1/2 years" as P2Y6M): (letter, amount, is clock unit); halves of weeks and quarters are not whole units
HALVES = {"year": ("M", 6, False), "month": ("D", 15, False), "day": ("H", 12, True),
          "hour": ("M", 30, True), "minute": ("S", 30, True)}


def _and_a_half(n: int, unit: str) -> Result:
    """n and a half units: the whole units and the half in the next smaller unit (P2Y6M, PT1H30M, PT30M)."""
    letter, mult, clock = UNITS[unit]
    if mult > 1:  # "two and a half decades": 25 years
        return "DURATION", f"P{n * mult + mult // 2}Y"
    if unit not in HALVES:
        return None
    half, amount, half_clock = HALVES[unit]
    whole = f"{n}{letter}" if n else ""
    if clock:
        return "DURATION", f"PT{whole}{amount}{half}"
    return "DURATION", f"P{whole}{'T' if half_clock else ''}{amount}{half}"


def h_half_duration(m: re.Match[str], ctx: _Ctx) -> Result:
    """'2 1/2 years', 'two and a half years', 'a year and a half', 'half an hour', 'a half-hour'."""
    unit = (m["unit"] or m["unit1"] or m["unit2"]).lower()
    n = _num(m["num"]) if m["num"] else (1 if m["unit1"] else 0)  # "half an hour": no whole unit
    return None if n is None else _and_a_half(n, "century" if unit.startswith("centur") else unit.rstrip("s"))


def h_bare_units(m: re.Match[str], ctx: _Ctx) -> Result:
    """'for years', 'recent months', 'the coming weeks' -> vague durations."""
    unit = (m["unit"] or m["ahead"]).lower()
    letter = {"years": "Y", "months": "M", "weeks": "W", "days": "D", "decades": "E", "centuries": "C"}[unit]
    return "DURATION", f"PX{letter}"


MOVABLE: dict[str, Callable[[int], dt.date]] = {
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4),  # 4th Thursday of November
    "labor": lambda y: _nth_weekday(y, 9, 0, 1),
    "memorial": lambda y: _nth_weekday(y, 5, 0, -1),
    "election": lambda y: _nth_weekday(y, 11, 0, 1) + dt.timedelta(days=1),  # Tuesday after 1st Monday
    "easter": easter, "easter monday": lambda y: easter(y) + dt.timedelta(days=1),
    "good friday": lambda y: easter(y) - dt.timedelta(days=2),
    "holy saturday": lambda y: easter(y) - dt.timedelta(days=1),
    "palm sunday": lambda y: easter(y) - dt.timedelta(days=7),
    "black friday": lambda y: MOVABLE["thanksgiving"](y) + dt.timedelta(days=1),
    "cyber monday": lambda y: MOVABLE["thanksgiving"](y) + dt.timedelta(days=4),
    "mlk": lambda y: _nth_weekday(y, 1, 0, 3), "presidents": lambda y: _nth_weekday(y, 2, 0, 3),
    "mother": lambda y: _nth_weekday(y, 5, 6, 2), "father": lambda y: _nth_weekday(y, 6, 6, 3),
}


_NOT_EASTER = re.compile(r"[\s-]+(?:islands?|eggs?|bunny|bunnies|seals?|lil(?:y|ies)|rising|baskets?)\b",
                         re.IGNORECASE)


def h_holiday(m: re.Match[str], ctx: _Ctx) -> Result:
    """'Christmas', 'Labor Day 1998', 'Easter' (by the tense), 'Easter week' (its ISO week)."""
    rule = HOLIDAYS[re.sub(r"\s+", " ", m["hol"].lower()).replace("’", "'")]
    if rule == "easter" and _NOT_EASTER.match(ctx.text, m.end()):
        return None  # "Easter Island", "Easter eggs", the "Easter Rising"
    year = _year_of(m)
    years = [year] if year else _years_around(ctx.dct)
    cands = [dt.date(y, *rule) if isinstance(rule, tuple) else MOVABLE[rule](y) for y in years]
    day = _pick(cands, ctx.dct, ctx.tense(m.start(), m.end()))
    if m["wk"]:  # "Easter week", "the Christmas weekend": the ISO week (or its weekend) holding the day
        return "DATE", _week(day) + ("-WE" if m["wk"].lower().endswith("end") else "")
    return "DATE", _iso(day)


# ------------------------------------------------------------------------------------------------- rules

_MODS = r"(?P<mod>this\s+past|this\s+coming|last|next|this|coming|past|previous|following|current|the)"
_DAYTAIL = r"(?:\s+(?P<part>morning|afternoon|evening|night))?"
RULES: list[tuple[str, Handler]] = [
    (r"\b(?P<y>(?:19|20)\d\d)-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?:T(?P<hh>[0-2]\d):(?P<mi>[0-5]\d)(?::\d\d)?)?\b",
     h_iso),
    (r"\b(?P<mo>1[0-2]|0?[1-9])/(?P<d>[12]\d|3[01]|0?[1-9])/(?P<y>\d{4}|\d{2})\b", h_slash),
    (r"(?:\b(?P<clock2>" + CLOCK + r"),?\s+(?:on\s+)?)?" + PRE + r"(?:(?P<mod>" + _alt(OFFSETS) + r")\s+)?"
     r"(?:\b(?P<wd>" + WDAY + r"),?\s+)?\b(?P<mon>" + MON
     + r")\s+(?P<day>" + DAYNUM
     + r")(?:,?\s+(?P<year>" + YEAR + r"))?", h_month_day),
    (r"\b(?:the\s+)?(?P<day>" + DAYNUM + r")\s+(?:of\s+)?(?P<mon>" + MON + r")(?:,?\s+(?P<year>" + YEAR
     + r"))?", h_month_day),
    (PRE + r"(?:(?P<mod>" + _alt(OFFSETS) + r")\s+)?\b(?P<mon>" + MON + r")(?:,?\s+(?:of\s+)?(?P<year>" + YEAR
     + r"))?", h_month),
    (PRE + r"(?:fiscal\s+(?:year\s+)?)?\b(?P<year>" + YEAR + r")\b", h_year),
    (PRE + r"(?:the\s+year\s+)?\b(?P<c>nineteen|two\s+thousand)(?:[\s-]+(?:and\s+)?(?P<rest>(?:" + _TENS
     + r")(?:[\s-](?:" + _UNITS_W + r"))?|" + _alt([k for k, v in NUMBERS.items() if 10 <= v < 20]) + r"|"
     + _UNITS_W + r"))?\b(?!\s+(?:dollars|people|percent|hundred|years))", h_spelled_year),
    (r"(?:the\s+)?" + PRE + r"(?:(?P<dec>1[6-9]\d0|20\d0)'?s|['\u2019](?P<dec2>[2-9]0)s"
     r"|(?P<decw>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties))\b", h_decade),
    (PRE + r"(?:" + _MODS + r"\s+)?\b(?P<season>spring|summer|fall|autumn|winter)\b(?:\s+(?:of\s+)?"
     r"(?P<year>" + YEAR + r"))?", h_season),
    (r"(?:(?P<clock2>" + CLOCK + r"),?\s+(?:(?:on|next|last|this)\s+)?)?(?:(?:early|late)\s+)?"
     r"(?:(?P<mod>last|next|this\s+past|this\s+coming|this|coming|past)\s+)?\b(?P<wd>" + WDAY + r")\b"
     + _DAYTAIL + r"(?:,?\s+(?P<clock>" + CLOCK + r"))?", h_weekday),
    (r"\b(?P<clock>" + CLOCK + r")", h_clock),
    (r"(?:(?:early|late|mid|later|earlier)[\s-])?\b(?P<deic>yesterday|today|tomorrow|tonight|last\s+night|this)"
     r"(?:\s+(?P<part>morning|afternoon|evening|night))?\b", h_deictic),
    (r"\b(?P<ref>" + _alt(REF_WORDS) + r")\b", h_ref),
    (r"\b(?:(?P<setw>" + _alt(SET_WORDS) + r")|(?:every|each|per)\s+(?:(?P<wd>" + WDAY + r")" + _DAYTAIL
     + r"|(?P<mon>" + MON + r")|(?P<season>spring|summer|fall|autumn|winter)|(?P<other>other\s+)?(?P<unit>"
     r"minute|hour|day|week|month|quarter|year))|(?<!the\s)(?P<wds>" + WDAY + r")s)\b", h_set),
    (r"(?:(?:early|late|mid|earlier|later)[\s-]+)?(?:(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+)?\b"
     r"(?P<mod>" + _alt([k for k in OFFSETS if k not in ("the same", "current")]) + r")\s+"
     r"(?:(?P<fiscal>fiscal|financial)\s+(?=year))?(?P<unit>week|month|year|quarter|weekend|decade|century)\b",
     h_relunit),
    (r"\b(?P<mod>the)\s+(?P<unit>weekend)\b", h_relunit),
    (r"\b(?:(?:the|its|that|this)\s+)?(?:(?P<year0>" + YEAR + r")(?:'s)?\s+|(?P<yrel>this\s+year's"
     r"|last\s+year's|next\s+year's)\s+)?(?:fiscal\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter\b"
     r"(?:\s+of\s+(?:fiscal\s+)?(?P<year>" + YEAR + r")|\s+of\s+(?P<yrel2>this|last|next)\s+year\b)?",
     h_quarter),
    (r"\b(?:the|its|that)\s+(?P<year0>" + YEAR + r")\s+(?:fiscal\s+)?(?:quarter|period)\b", h_quarter),
    (r"\b(?:the\s+)?(?:(?P<mod>latest|current|this|same|last|previous|prior|preceding|most\s+recent)\s+)?"
     r"quarter\b(?![\s-](?:of\s+(?:a|an|the)|century|mile|point))", h_quarter),
    (r"(?:(?:earlier|later)\s+in\s+|the\s+(?:end|beginning|start|middle)\s+of\s+)?\bthe\s+"
     r"(?:(?P<mod>latest)\s+)?(?:(?:full|fiscal|current|current\s+fiscal|calendar)\s+)?year\b"
     r"(?![\s-]+(?:\d|earlier|ago|two))", h_the_year),
    (r"\b(?:the\s+)?(?P<ord>first|second|last)\s+half(?:\s+of\s+(?:fiscal\s+)?(?P<year>" + YEAR + r")"
     r"|\s+of\s+(?P<yrel2>this|last|next)\s+year\b)?",
     h_half),
    (r"\b(?:(?:a|one)\s+year\s+(?:ago|earlier|before)|(?:the\s+)?year[\s-](?:earlier|ago)(?:\s+(?:quarter|"
     r"period|nine\s+months|level|results))?)", h_year_ago),
    (r"\b" + DURMOD + r"(?P<num>" + NUM + r")[\s-]+(?:(?:more|additional|straight|consecutive|trading)\s+)?"
     r"(?P<unit>" + UNIT + r")\b(?![\s-]+old\b)(?:\s+or\s+so\b)?"
     r"(?:[\s-]+(?P<rel>ago|earlier|from\s+now|long))?", h_duration),
    (r"\b" + DURMOD + r"(?:(?P<num>" + NUM + r")(?:\s+1/2|\s*\u00bd|[\s-]+and[\s-]+a[\s-]+half)[\s-]+"
     r"(?P<unit>" + UNIT + r")|(?:a|an|one)[\s-]+(?P<unit1>" + UNIT + r")[\s-]+and[\s-]+a[\s-]+half"
     r"|(?:half\s+an?|an?\s+half)[\s-]+(?P<unit2>" + UNIT + r"))\b(?![\s-]+(?:old|ago|earlier)\b)",
     h_half_duration),
    # "for years", "recent months"; "in years", "within weeks" without the preposition
    (r"(?:\b(?:for|recent|coming|past|the\s+coming|the\s+past)\s+|(?<=\bin )|(?<=\bwithin ))"
     r"(?P<unit>years|months|weeks|days|decades|centuries)\b"
     r"|\bthe\s+(?P<ahead>years|months|weeks|days|decades)\s+ahead\b", h_bare_units),
    (r"\b(?P<hol>" + _alt([h for h in HOLIDAYS if not h.startswith("the ")]) + r"|the\s+fourth\s+of\s+july)"
     r"(?:\s+(?P<year>" + YEAR + r"))?(?P<wk>[\s-]+week(?:end)?)?\b", h_holiday),
    (r"\b(?:(?:later|earlier)\s+(?:on\s+)?)?(?P<ana>" + _alt(ANAPHORIC_DAYS) + r")\b(?!['’]s|\s+(?:of|to|when"
     r"|in\s+which))|\b(?:later|earlier)\s+in\s+the\s+day\b", h_anaphoric_day),
    # "it was a great day for Poland": a day judged by its events is the day the text is telling of
    (r"\b(?:it|this|that)(?:\s+(?:is|was|will\s+be|has\s+been)|['’]s)\s+[\"“]?an?\s+(?:[a-z]+\s+){1,2}"
     r"(?P<span>day)\b(?=\s*(?:[.,;:!?\"”]|['’](?!s\b)|for\b|of\b|in\b))", lambda m, ctx: ("DATE", "@D+0")),
    (r"\b(?:until|till|by)\s+(?P<span>then)\b", h_then),
    (r"\b(?:(?:later|earlier)\s+)?(?:that(?:\s+same)?|the\s+same|the\s+(?P<wmod>following|previous))\s+week\b"
     r"(?!['’]s|\s+(?:of|a\s+year|last\s+year))|\bthe\s+week\s+(?P<ba>before|after)\b(?!\s+(?:next|last))",
     h_anaphoric_week),
    (r"\b(?:(?:later|earlier)\s+(?:in\s+)?)?(?:that(?:\s+same)?|the\s+same|the\s+(?P<mod>following|previous"
     r"|preceding|prior))\s+(?P<unit>year|month)\b(?!['’]s|\s+(?:of|to|when|in\s+which))",
     h_anaphoric_period),
    (r"\b(?:is|it's|it\s+is)\s+(?P<span>(?:the\s+)?(?:" + _alt(NTH) + r"|\d{1,2}(?:st|nd|rd|th))\s+"
     r"(?:straight\s+|consecutive\s+)?day)\b", h_nth_day_today),
    (r"\b(?P<prep>by|since|at|until|till|before|after|through)\s+(?P<span>(?:the\s+)?year[\s-]end)\b"
     r"(?![\s-]+(?:results|net|profit|earnings|figures|bonus|level))", h_year_end),
    (r"\b(?P<mon>" + MON + r")\s+(?P<first>" + DAYNUM + r")(?:,?\s+(?:and|or|to|through|until)\s+|\s*[-–]\s*)"
     r"(?P<span>(?P<day>"
     + DAYNUM + r")(?:,?\s+(?P<year>" + YEAR + r"))?)\b(?!\s*(?:%|percent|p\.m|a\.m|cents))", h_day_range),
    # "by the end of the month": the DCT's month (TimeML marks the part with a modifier, not the value)
    (r"\b(?:the\s+(?:end|beginning|start|middle)\s+of|(?:earlier|later)\s+in)\s+the\s+"
     r"(?P<unit>month|week|decade|century)\b",
     lambda m, ctx: ("DATE", _shift(ctx.dct, m["unit"].lower(), 0))),
    # "Q3 2023", "fiscal Q4", "H1 2024", "FY2023": the abbreviations of financial news
    (r"(?-i:\b(?:(?:fiscal\s+)?(?P<period>Q[1-4]|H[12])(?:\s+(?:of\s+)?(?:fiscal\s+)?(?:FY\s?)?(?P<year>"
     + YEAR + r"|'?\d\d(?![\d%])))?|(?P<fy>FY)\s?(?P<year2>" + YEAR + r"|\d\d(?![\d%]))))\b",
     h_period_abbrev),
    (r"\b(?:the\s+)?" + PRE + r"(?P<ord>\d{1,2}(?:st|nd|rd|th)|twenty[\s-]+(?:first|second)|" + _alt(
        [w for w in CENTURY_ORDINALS if "-" not in w]) + r")[\s-]+century\b", h_century),
    # "will soon begin", "may soon seek", "soon will": soon in a future statement (not "soon became")
    (r"(?:(?:\b(?:will|may|might|could|would|should|to)|'ll)\s+(?:(?:also|very)\s+)?"
     r"|(?=soon\s+(?:will|to)\b))\b(?P<span>soon)\b", lambda m, ctx: ("DATE", "FUTURE_REF")),
    # "the current weakness", "current market conditions": the present, not a current account or an electric
    # current
    (r"\b(?P<span>current)\s+(?!account|assets?\b|liabilit|affairs|events|yield|coupon|dollars|prices?\b"
     r"|flows?\b|quarter|fiscal|year|month|week|period)[a-z]", lambda m, ctx: ("DATE", "PRESENT_REF")),
]
_MONTH_KEYS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DECADE_KEYS = ("0s", "0's", "twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties",
                "nineties")
# Per rule, literal words of which every match contains at least one (None: no cheap test). Most rules cannot
# match most articles (no season, weekday, quarter...), and a substring test on the folded text is far cheaper
# than running the rule's regex over it only to find nothing.
_GATES: list[tuple[str, ...] | None] = [
    None, ("/",), _MONTH_KEYS, _MONTH_KEYS, _MONTH_KEYS, None, ("nineteen", "thousand"), _DECADE_KEYS,
    tuple(SEASONS), tuple(WEEKDAYS), ("am", "pm", "a.m", "p.m", "noon", "midday", "midnight"), None,
    tuple(sorted({k.split()[-1] for k in REF_WORDS})),
    (*SET_WORDS, "every", "each", "per", *(f"{d}s" for d in WEEKDAYS)),
    ("week", "month", "year", "quarter", "decade", "century"),
    ("weekend",), ("quarter",), ("quarter", "period"), ("quarter",), ("year",),
    ("half",), ("year",),
    ("second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "centur"),
    ("half", "1/2", "\u00bd"),
    ("years", "months", "weeks", "days", "decades", "centuries"),
    (*sorted({k.split()[-1] for k in HOLIDAYS}), "july"), ("day", "morning", "night", "afternoon", "evening"),
    ("day",), ("then",), ("week",),
    ("year", "month"),
    ("day",), ("year",), _MONTH_KEYS, ("month", "week", "decade", "century"),
    ("q1", "q2", "q3", "q4", "h1", "h2", "fy"), ("century",), ("soon",), ("current",),
]
_GATED_RULES = [(p, h, g) for (p, h), g in zip(RULES, _GATES, strict=True)]


@cache
def _rule(pattern: str) -> re.Pattern[str]:
    """A rule's regex, compiled when a text first passes its gate: a question passes few gates, and `ask`
    should not pay ~30 ms for compiling every rule."""
    return re.compile(pattern, re.IGNORECASE)

# Case folding for the gates, so that a substring test never misses what IGNORECASE matches: str.lower() plus
# the non-ASCII letters `re` equates with ASCII ones (lower() leaves dotless i and long s, and turns dotted
# capital I into two characters).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
# month and weekday names must be capitalized (the rules match case-insensitively)
_CASED = re.compile(MON + "|" + "|".join(w.capitalize() for w in WEEKDAYS))


# Words that are lowercase inside a sentence unless they are part of a name: "the Daily Mail", "The Tonight
# Show", "USA Today", "NBC's Today show"
_LOWER_DATE_WORDS = {"today", "tonight", "tomorrow", "yesterday", "now", *SET_WORDS}
_PREV_WORD = re.compile(r"(\S+)[^\S\n]+\Z")
_NEXT_CAPITAL = re.compile(r"[^\S\n]+[A-Z][a-z]")


def _in_name(text: str, s: int, e: int) -> bool:
    """Whether the candidate at s..e is a capitalized date word inside a name: capitalized in the middle of a
    sentence, next to another capitalized word ("Daily News", "USA Today")."""
    word = re.match(r"[A-Za-z]+", text[s:e])
    if not word or not word.group()[0].isupper() or word.group().lower() not in _LOWER_DATE_WORDS:
        return False
    prev = _PREV_WORD.search(text, max(0, s - 30), s)
    if not prev or prev.group(1)[-1] in ".!?:;\"“”'‘’()—–-" or prev.group(1)[0] in "\"“‘(":
        return False  # a sentence (or a quote, or a clause after a dash) begins with it
    return prev.group(1)[0].isupper() or bool(_NEXT_CAPITAL.match(text, s + word.end()))


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop leading 'the'-less whitespace and trailing punctuation/space from a span."""
    while e > s and text[e - 1] in " \t\n,;:":
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


# A blank line ends a paragraph, and no time expression runs across one ("until March 30\n\nMarch 12: ...").
_BLANK = re.compile(r"\n[^\S\n]*\n")


def _matches(rx: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of a rule in `text`, none across a blank line: a match that crosses one is matched again
    paragraph by paragraph."""
    for m in rx.finditer(text):
        if "\n" not in m.group() or not _BLANK.search(m.group()):
            yield m
            continue
        start = m.start()
        for blank in [*_BLANK.finditer(text, m.start(), m.end()), None]:
            yield from rx.finditer(text, start, blank.start() if blank else m.end())
            if blank:
                start = blank.end()


# Web addresses hold dates and words ("usatoday.com/story/nation-now/2019/02/20/usa-today-...") that name no
# time of the text's
_URL = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu)/\S*")
_URL_GATE = ("://", "www.", ".com/", ".org/", ".net/", ".gov/", ".edu/")

_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T.*)?")
# "for the nine months, net fell from a year earlier": a period of several quarters, compared with last year's
_SEVERAL_QUARTERS = re.compile(r"\b(?:nine|six)\s+months\b|\bfirst\s+half\b|\byear\s+to\s+date\b",
                               re.IGNORECASE)


def _resolve_refs(found: list[Timex], ctx: _Ctx) -> list[Timex]:
    """Fill the placeholders left by handlers, left to right.

    Quarters: "the quarter under discussion" is taken to be the last completed quarter (news reports results
    after a quarter ends): '@Q0' (that quarter), '@Q-1' (the one before it: "the previous quarter"), '@Y1988'
    (that quarter in 1988) and '@Q-4' (a year before it
    when the text has spoken of quarters so far and its sentence names no longer period such as "the nine
    months", else simply last year). '@Q-4D', a bare "a year earlier",
    compares with the period its sentence has named by its end ("for the quarter ended Sept. 30, net rose
    ... from $2 a year earlier"): the same day a year before.

    Years and months: '@Ay+n' / '@Am+n' ("that year", "the following month") are the year / month of the
    most recent value that names one (the DCT's at first), plus n.

    Days: the anchor is the most recent full calendar date resolved so far (the DCT at first); '@D+n' is the
    anchor plus n days, '@K+n' the week n weeks from the anchor's ("that week", "the following week"),
    '@THEN' the anchor itself (dropped when the text has named no date yet). "The day before" / "the day
    after" directly followed by a day ("the day before Tuesday's hearing") joins it into one timex, shifted
    from it; right after a date and a comma ("Oct. 12, the day before the crash") it is an appositive naming
    that date.

    Weekdays come first, in their own pass: '@S<wd>=<value>' records the first date given to each weekday
    name, '@W<wd>=<value>' (a possessive, "Tuesday's talks") takes the recorded date when there is one.
    '@G<wd>=<value>' is a bare weekday placed by the tense of its sentence: a story names one day by a bare
    weekday (another one would be "last Tuesday" or a date), so when the tenses of its mentions disagree
    ("headed Tuesday to Africa", "her first stop is scheduled for Tuesday morning") all take the reading
    nearest the DCT, the default reading of a bare weekday.
    """
    text, dct = ctx.text, ctx.dct
    out: list[Timex] = []
    seen = False
    y, q = divmod(dct.year * 4 + (dct.month - 1) // 3 - 1, 4)  # the last completed quarter
    q += 1
    anchor, named = dct, False
    # the last year and month named
    periods = {"y": f"{dct.year:04d}", "m": f"{dct.year:04d}-{dct.month:02d}"}
    period_end: tuple[int, dt.date] | None = None  # (sentence, day) of the last "ended <date>"
    weekdays: dict[int, str] = {}
    nearest: dict[int, dt.date] = {}
    for t in found:
        if t.value[:2] == "@G":
            wd, day = int(t.value[2]), dt.date.fromisoformat(t.value[4:14])
            if wd not in nearest or abs(day - dct) < abs(nearest[wd] - dct):
                nearest[wd] = day
    for k, t in enumerate(found):
        if t.value[:2] in ("@W", "@S", "@G"):
            wd, value = int(t.value[2]), t.value[4:]
            if t.value[1] == "G":
                value = _iso(nearest[wd]) + value[10:]
            elif t.value[1] == "W" and wd in weekdays:
                value = weekdays[wd] + value[10:]
            weekdays.setdefault(wd, value[:10])
            found[k] = Timex(t.start, t.end, t.text, t.type, value)
    i = 0
    while i < len(found):
        t = found[i]
        i += 1
        v, start, end = t.value, t.start, t.end
        try:
            if v == "@Q0":
                v = f"{_yyyy(y)}-Q{q}"
            elif v == "@Q-1":
                v = f"{_yyyy(y - (q == 1))}-Q{(q - 2) % 4 + 1}"
            elif v == "@Q-4D" and period_end and period_end[0] == ctx.sentence(start):
                d = period_end[1]
                v = _iso(_safe_date(_year(d.year - 1), d.month, d.day) or dt.date(d.year - 1, d.month, 28))
            elif v.startswith("@Q-4"):
                several = _SEVERAL_QUARTERS.search(text, *ctx.sentence_span(start))
                v = f"{_yyyy(y - 1)}-Q{q}" if seen and not several else _yyyy(dct.year - 1)
            elif v.startswith("@Y"):
                v = f"{v[2:]}-Q{q}"
            elif v.startswith("@D"):
                base, n = anchor, int(v[2:])
                nxt = found[i] if i < len(found) else None
                if (n and nxt and re.fullmatch(r"\s*", text[end:nxt.start])
                        and re.search(r"day\s+(?:before|after)$", t.text, re.IGNORECASE)
                        and (day := _DAY.fullmatch(nxt.value))):
                    base, end = dt.date.fromisoformat(day.group(1)), nxt.end
                    i += 1
                elif (out and re.fullmatch(r"\s*,\s*", text[out[-1].end:start])
                      and _DAY.fullmatch(out[-1].value)):
                    base, n = anchor, 0  # "Oct. 12, the day before the crash": an appositive restates it
                v = _iso(_add_days(base, n))
            elif v.startswith("@A"):
                n = int(v[3:])
                if v[2] == "y":
                    v = _yyyy(int(periods["y"]) + n)
                else:
                    year, month = _month_add(int(periods["m"][:4]), int(periods["m"][5:7]), n)
                    v = f"{_year(year):04d}-{month:02d}"
            elif v.startswith("@K"):
                v = _week(_add_days(anchor, 7 * int(v[2:])))
            elif v == "@THEN":
                if not named:
                    continue
                v = _iso(anchor)
        except _OutOfCalendar:
            continue
        seen = seen or bool(re.fullmatch(r"\d{4}-Q\d", v))
        if re.match(r"\d{4}(?!\d)", v):
            periods["y"] = v[:4]
            if re.match(r"\d{4}-\d\d(?!\d)", v):
                periods["m"] = v[:7]
        if day := _DAY.fullmatch(v):
            anchor, named = dt.date.fromisoformat(day.group(1)), True
            if _ENDED.search(text, max(0, start - 12), start):
                period_end = ctx.sentence(start), anchor
        out.append(Timex(start, end, text[start:end], t.type, v))
    return out


def tag(text: str, dct: dt.date) -> list[Timex]:
    """Find TIMEX3 expressions in `text` written on `dct`; sorted by start, non-overlapping."""
    ctx = _Ctx(text, dct)
    folded = text.translate(_FOLD).lower()
    cands = []
    for pattern, handler, gate in _GATED_RULES:
        if gate and not any(w in folded for w in gate):
            continue
        for m in _matches(_rule(pattern), text):
            # a rule may mark the extent with a `span` group when context around it is needed to match
            s, e = _trim(text, *(m.span("span") if m.groupdict().get("span") else m.span()))
            if e > s:
                cands.append((s, e, m, handler))
    cands.sort(key=lambda c: (c[0] - c[1], c[0]))  # longest first, then leftmost
    taken = bytearray(len(text) + 1)
    if any(w in folded for w in _URL_GATE):
        for url in _URL.finditer(text):
            taken[url.start():url.end()] = b"\x01" * (url.end() - url.start())
    found: list[Timex] = []
    for s, e, m, handler in cands:
        if any(taken[s:e]):
            continue
        names = [m.group(k) for k in ("mon", "wd") if m.groupdict().get(k)]
        if any(not _CASED.match(n) for n in names) or _in_name(text, s, e):
            continue
        try:
            res = handler(m, ctx)
        except _OutOfCalendar:
            continue
        if res is None:
            continue
        taken[s:e] = b"\x01" * (e - s)
        found.append(Timex(s, e, text[s:e], res[0], res[1]))
    found.sort(key=lambda t: t.start)
    return _resolve_refs(found, ctx)


def calendar_date(value: str) -> tuple[str, str] | None:
    """Event date of a TIMEX3 value: ("2024-06-18","day") | ("2024-06","month") | ("2024","year"), else None
    (weeks, quarters, seasons, decades, durations, REF values, times -> None, except a TIME value like
    2024-06-18T14:00 which gives its day)."""
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:T.*)?", value):
        return m.group(1), "day"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return value, "month"
    if re.fullmatch(r"\d{4}", value):
        return value, "year"
    return None


ISO_PREFIX = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")  # YYYY, YYYY-MM or YYYY-MM-DD


def period(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of an ISO prefix: "2024" -> 2024-01-01..2024-12-31."""
    match = ISO_PREFIX.fullmatch(value)
    if not match:
        raise ValueError(f"not an ISO date: {value!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if day is None:
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day), dt.date(year, month, day)
