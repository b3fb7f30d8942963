from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.question_time import Window, question_window

THURSDAY = date(2022, 6, 16)


@pytest.mark.parametrize(("question", "window"), [
    # ISO week 24 of 2022 is Monday 13 to Sunday 19 June; nothing after the asking day is published yet.
    ("Which automaker recalled 2.9 million vehicles this week?",
     Window(date(2022, 6, 10), THURSDAY, "this week")),
    ("What NFL star announced his retirement on Tuesday?",
     Window(date(2022, 6, 11), THURSDAY, "Tuesday")),
    ("Which show was recently green lit for a new season?",
     Window(date(2022, 5, 14), THURSDAY, "recently")),
    ("What did the Fed decide last month?", Window(date(2022, 4, 28), date(2022, 6, 7), "last month")),
])
def test_relative_time_words_give_a_publication_window(question: str, window: Window) -> None:
    assert question_window(question, THURSDAY) == window


@pytest.mark.parametrize("question", [
    "Which show received the most nominations for the 2022 Emmy Awards?",  # the year is written
    "How long did the attack of January 6, 2021 last?",
    "Which country joined NATO?",  # no time at all
    "What will Apple unveil next month?",  # nothing about the future is published yet
    "How long was the war, in years?",
])
def test_no_window_without_a_relative_time(question: str) -> None:
    assert question_window(question, THURSDAY) is None


_QUESTION_WORDS = ["What", "happened", "this", "last", "next", "week", "month", "year", "on", "Tuesday",
                   "today", "yesterday", "recently", "now", "winter", "quarter", "the", "day", "before", "?"]


@given(st.lists(st.sampled_from(_QUESTION_WORDS), max_size=12).map(" ".join),
       st.dates() | st.sampled_from([date.min, date(1, 1, 31), date(9999, 12, 1), date.max]))
@settings(max_examples=300, deadline=None)
def test_any_question_asked_on_any_day(question: str, asked: date) -> None:
    """Total from the first day of the calendar to the last: a window, inside the calendar, or None."""
    window = question_window(question, asked)
    assert window is None or window.start <= window.end <= asked


@pytest.mark.parametrize("asked", [date.min, date.max])
def test_windows_at_the_ends_of_the_calendar(asked: date) -> None:
    window = question_window("What happened this week, recently?", asked)
    assert window is not None and window.end == asked
