"""The time a question is about, from its own words: "this week", "on Tuesday", "recently", "this month".

News questions are asked about the news of the moment. "Which automaker recalled 2.9 million vehicles this
week?" names no date, but asked on 2022-06-16 it is about articles published that week, and an article of
2019 about another recall is the wrong answer however well its words match. The question is tagged with
the project's own TimeML tagger against the day it is asked; a relative expression ("this week",
"Tuesday", "recently", "now") gives the window of publication dates its answer is most likely in.

Only expressions without a written year count: "the January 6, 2021 attack" or "the 2022 Emmy nominations"
are often asked about long after the date they name, so they say nothing about when the answer was
reported. The window is a preference for ranking, never a filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.dates import period, tag

# An event of a given day is reported from that day on, mostly within the week; a weekly news quiz asks
# about the week's news on its last days, so the window opens a few days before the named period.
BEFORE = timedelta(days=3)
AFTER = timedelta(days=7)
RECENT = timedelta(days=30)  # "recently", "now": the last month's news
_YEAR = re.compile(r"\b\d{4}\b|'\d\d\b")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Window:
    """Publication dates (inclusive) an answer to a question is expected in, and the words that said so."""

    start: date
    end: date
    text: str


def question_window(question: str, asked: date) -> Window | None:
    """The publication window of the news `question` asks about, asked on `asked`; None when its words name
    no relative time. Several expressions give the window that covers them all."""
    spans: list[tuple[date, date, str]] = []
    for timex in tag(question, asked):
        if timex.type != "DATE" or _YEAR.search(timex.text):
            continue
        named = _period(timex.value, asked)
        if named is not None:
            spans.append((*named, timex.text))
    if not spans:
        return None
    start = _plus(min(s for s, _, _ in spans), -BEFORE)
    end = min(_plus(max(e for _, e, _ in spans), AFTER), asked)
    if start > end:  # a future period ("next month"): nothing about it is published yet
        return None
    return Window(start, end, ", ".join(t for _, _, t in spans))


def _period(value: str, asked: date) -> tuple[date, date] | None:
    """First and last day of a TIMEX3 DATE value, None for what is not a period of the calendar."""
    if value in ("PAST_REF", "PRESENT_REF"):
        return _plus(asked, -RECENT), asked
    if week := _WEEK.fullmatch(value):
        monday = date.fromisocalendar(int(week[1]), int(week[2]), 1)
        return monday, _plus(monday, timedelta(days=6))
    try:
        return period(value)
    except ValueError:  # seasons, quarters, decades, FUTURE_REF
        return None


def _plus(day: date, delta: timedelta) -> date:
    """`day` moved by `delta`, held inside the calendar (a window opens no earlier than 0001-01-01)."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min
