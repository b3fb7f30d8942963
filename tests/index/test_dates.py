"""Tests for the rule-based TIMEX3 tagger (index.dates)."""

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.dates import Timex, calendar_date, tag

DCT = dt.date(2024, 6, 17)  # a Monday


def values(text: str, dct: dt.date = DCT) -> list[tuple[str, str, str]]:
    return [(t.text, t.type, t.value) for t in tag(text, dct)]


def value_of(text: str, phrase: str, dct: dt.date = DCT) -> str:
    """Value of the timex whose text is `phrase`."""
    found = {t.text: t.value for t in tag(text, dct)}
    assert phrase in found, (phrase, found)
    return found[phrase]


# --- seed sentences (DCT 2024-06-17) ---------------------------------------------------------------------

def test_seed_future_weekday():
    assert value_of("The minister will be in Seoul on Tuesday for talks.", "Tuesday") == "2024-06-18"


def test_seed_weekday_equal_to_publication_day():
    assert value_of("Wang said in Beijing on Monday that ties were strong.", "Monday") == "2024-06-17"


def test_seed_past_month_name():
    text = "In April, a summit between the two leaders was held in Tokyo."
    assert value_of(text, "April") == "2024-04"


def test_seed_last_month():
    assert value_of("Exports fell 3 percent last month.", "last month") == "2024-05"


def test_seed_since_year():
    assert value_of("It is his first visit to the country since 2000.", "2000") == "2000"


def test_seed_years_in_one_sentence():
    text = "Set up in 2002, the office was upgraded to vice-ministerial level in 2020."
    assert values(text) == [("2002", "DATE", "2002"), ("2020", "DATE", "2020")]


def test_seed_two_decades_is_a_duration():
    found = values("Trade could double in two decades, officials said.")
    assert found == [("two decades", "DURATION", "P20Y")]


# --- weekdays ------------------------------------------------------------------------------------------

def test_past_weekday_by_tense():
    assert value_of("The plant closed on Friday.", "Friday") == "2024-06-14"


def test_future_weekday_by_tense():
    assert value_of("The ministers will meet again on Friday.", "Friday") == "2024-06-21"


@pytest.mark.parametrize(("phrase", "expected"),
                         [("last Monday", "2024-06-10"), ("next Monday", "2024-06-24")])
def test_modified_weekday_equal_to_publication_day(phrase: str, expected: str):
    assert value_of(f"They met {phrase}.", phrase) == expected


def test_weekday_with_date_picks_matching_year():
    # 26 Oct was a Monday in 1998, not in 1997 or 1999
    dct = dt.date(1998, 10, 25)
    assert value_of("The vote is on Monday, Oct. 26.", "Monday, Oct. 26", dct) == "1998-10-26"


# --- months and year rollover --------------------------------------------------------------------------

def test_future_month_rolls_into_next_year():
    assert value_of("The talks will resume in January.", "January", dt.date(2024, 12, 10)) == "2025-01"


def test_last_month_name_rolls_back_a_year():
    assert value_of("Prices rose sharply last December.", "last December", dt.date(2024, 1, 5)) == "2023-12"


def test_past_vs_future_month_name():
    assert value_of("He visited in October.", "October") == "2023-10"
    assert value_of("He will visit in October.", "October") == "2024-10"


def test_month_day_without_year_is_near_the_publication_date():
    assert value_of("Shares closed higher on Dec. 28.", "Dec. 28", dt.date(2025, 1, 2)) == "2024-12-28"
    assert value_of("The offer expires Jan. 3.", "Jan. 3", dt.date(2024, 12, 30)) == "2025-01-03"


def test_explicit_dates():
    text = "June 18, 2024 and 18 June and 2024-06-18 and 6/18/2024"
    assert [v for _, _, v in values(text)] == ["2024-06-18"] * 4


# --- weeks, quarters, seasons, decades ----------------------------------------------------------------

def test_iso_weeks():
    text = "Sales rose this week and will rise next week, after a dip last week."
    assert [v for _, _, v in values(text)] == ["2024-W25", "2024-W26", "2024-W24"]


def test_quarters():
    dct = dt.date(1998, 10, 27)
    assert value_of("Profit rose in the third quarter.", "the third quarter", dct) == "1998-Q3"
    assert value_of("Third-quarter profit rose.", "Third-quarter", dct) == "1998-Q3"
    text = "Revenue rose in the fourth quarter of 1997."
    assert value_of(text, "the fourth quarter of 1997", dct) == "1997-Q4"


def test_seasons():
    assert value_of("Prices fell last summer.", "last summer", dt.date(1998, 2, 1)) == "1997-SU"
    assert value_of("It opens this spring.", "this spring", dt.date(1998, 2, 1)) == "1998-SP"


def test_decade():
    assert values("It was built in the 1990s.") == [("the 1990s", "DATE", "199")]


# --- relative expressions and durations ---------------------------------------------------------------

def test_deictic_days():
    text = "Yesterday it rained, today it is dry and tomorrow it snows."
    assert [v for _, _, v in values(text)] == ["2024-06-16", "2024-06-17", "2024-06-18"]


def test_relative_months_and_years():
    text = "A month earlier it rained. Earlier this month it snowed. Next year it will not."
    assert [v for _, _, v in values(text)] == ["2024-05", "2024-06", "2025"]


def test_reference_words():
    text = "He is now in charge and was recently promoted."
    assert values(text) == [("now", "DATE", "PRESENT_REF"), ("recently", "DATE", "PAST_REF")]


def test_durations():
    text = "It lasted three years, then two days, then several weeks, in the past 12 months."
    assert [(t, v) for t, ty, v in values(text) if ty == "DURATION"] == [
        ("three years", "P3Y"), ("two days", "P2D"), ("several weeks", "PXW"), ("the past 12 months", "P12M")]


def test_ago_gives_a_date():
    assert value_of("He left three years ago.", "three years ago") == "2021"


def test_ages_are_not_durations():
    assert values("The 6-year-old boy and a 52-year-old man.") == []


def test_sets_and_times():
    text = "It is published daily and each Thursday; the vote closed at 10:35 a.m. yesterday."
    found = values(text)
    assert ("daily", "SET", "P1D") in found and ("each Thursday", "SET", "XXXX-WXX-4") in found
    assert ("10:35 a.m.", "TIME", "2024-06-17T10:35") in found


def test_lowercase_month_words_are_not_dates():
    assert values("Protesters march and may rally.") == []


def test_spans_are_sorted_and_disjoint():
    text = "On Monday, June 17, 2024, the third quarter ended; last week and next year."
    found = tag(text, DCT)
    assert all(isinstance(t, Timex) and text[t.start:t.end] == t.text for t in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


# --- calendar_date ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2024-06-18", ("2024-06-18", "day")),
    ("2024-06-18T14:00", ("2024-06-18", "day")),
    ("2024-06", ("2024-06", "month")),
    ("2024", ("2024", "year")),
    ("2024-W25", None), ("2024-Q2", None), ("2023-SU", None), ("199", None),
    ("PRESENT_REF", None), ("P2D", None), ("XXXX-WXX-4", None),
])
def test_calendar_date(value: str, expected: tuple[str, str] | None):
    assert calendar_date(value) == expected


# --- robustness ----------------------------------------------------------------------------------------

_WORDS = ["on", "Monday", "last", "next", "week", "June", "18", "2024", "the", "third", "quarter", "ago",
          "two", "years", "will", "said", "May", "1990s", "summer", "a", "year", "earlier", "today", ",", "."]


@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
@settings(max_examples=300, deadline=None)
def test_tag_never_fails_and_spans_are_consistent(words: list[str], dct: dt.date):
    text = " ".join(words)
    found = tag(text, dct)
    assert all(text[t.start:t.end] == t.text and t.type in ("DATE", "TIME", "DURATION", "SET") for t in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert all(not t.value.startswith("@") for t in found)
