from pathlib import Path

import pytest

from index.dates import period
from index.library import Library
from index.timeline import parse_bound


def dates(timeline) -> list[str]:
    out: list[str] = []
    for entry in timeline.events:
        if not out or out[-1] != entry.date:
            out.append(entry.date)
    return out


def test_seed_timeline_in_order(seed_library: Library) -> None:
    timeline = seed_library.timeline()
    assert dates(timeline) == ["2000", "2002", "2020", "2024-04", "2024-05", "2024-06-17", "2024-06-18"]
    by_date = {e.date: e for e in reversed(timeline.events)}  # the first entry of each date
    assert "Putin’s first visit to North Korea since 2000" in by_date["2000"].summary
    assert by_date["2002"].summary.startswith("Set up in 2002")
    assert "vice-ministerial level in 2020" in by_date["2020"].summary
    assert "Biden" in by_date["2024-04"].summary and by_date["2024-04"].granularity == "month"
    may = by_date["2024-05"]
    assert {q.source.publisher for q in may.quotes} == {"Benzinga", "South China Morning Post"}
    assert all("Li" in q.quote and "Yoon" in q.quote for q in may.quotes)
    june_18 = " ".join(q.quote for e in timeline.events if e.date == "2024-06-18" for q in e.quotes)
    assert "will be in Seoul on Tuesday" in june_18
    assert "Putin will travel to North Korea on Tuesday" in june_18
    for entry in timeline.events:
        for quote in entry.quotes:
            assert quote.source.published == "2024-06-17"  # reported on, kept apart from the event date


def test_topic_and_range(seed_library: Library) -> None:
    putin = seed_library.timeline("Putin")
    assert dates(putin) == ["2000", "2024-06-18"]
    assert all("Putin" in q.quote for e in putin.events for q in e.quotes)
    assert dates(seed_library.timeline(since="2024-05", until="June 17, 2024")) == ["2024-05", "2024-06-17"]
    assert dates(seed_library.timeline(until="2010")) == ["2000", "2002"]
    assert seed_library.timeline("football results").events == []


@pytest.mark.parametrize(("since", "until", "message"), [
    ("2024-06", "2024-05", "after"), ("someday", None, "cannot read the date"), (None, "2024-13", "cannot"),
])
def test_bad_ranges_are_refused(seed_library: Library, since, until, message) -> None:
    with pytest.raises(ValueError, match=message):
        seed_library.timeline(since=since, until=until)


def test_bounds_cover_whole_periods() -> None:
    assert period("2024") == (parse_bound("2024", end=False), parse_bound("2024", end=True))
    assert parse_bound("May 2024", end=True).isoformat() == "2024-05-31"
    assert parse_bound("2024-02", end=True).isoformat() == "2024-02-29"


def test_outlets_that_disagree_on_a_date_are_flagged(tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    sentence = "The new harbour bridge was opened by the mayor on {}, after four years of construction."
    (folder / "a.txt").write_text(sentence.format("Tuesday"))
    (folder / "b.txt").write_text(sentence.format("Wednesday"))
    (folder / "manifest.toml").write_text(
        '["a.txt"]\npublisher = "Harbour Times"\npublished = "2024-03-08"\n'
        '["b.txt"]\npublisher = "Daily Port"\npublished = "2024-03-08"\n'
    )
    [entry] = Library(tmp_path / "data", default_sources=[folder]).timeline().events
    assert len(entry.quotes) == 2
    assert entry.disagreement == "Harbour Times: 2024-03-05; Daily Port: 2024-03-06"


def test_undated_articles_keep_only_absolute_dates(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("The treaty was signed on June 3, 2019. The talks resume on Tuesday.")
    [entry] = Library(tmp_path / "data", default_sources=[folder]).timeline().events
    assert (entry.date, entry.granularity) == ("2019-06-03", "day")
