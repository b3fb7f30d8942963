"""The timeline chart: layout properties of the drawn figure, checked on the seed timeline and on a
40-event timeline (no text overlaps another, every mark inside its axes, every text at least 10 px high
once the chart is scaled to Discord's 400 px), and text drawn verbatim, never read as mathtext."""

from __future__ import annotations

import io
import itertools
import random
from datetime import date, timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from PIL import Image

from index.library import Library
from index.plot import MIN_TEXT_PX, PREVIEW_PX, alt_text, timeline_figure, timeline_png
from index.store import DocumentInfo
from index.timeline import Timeline, TimelineEntry, TimelineQuote

MATH = r"Seoul pledged $5 million in aid and Tokyo $3 million; snake_case x^2 a\b and $5} and $6."
OUTLETS = ["Harbour Times", "Daily Port", "The Quay", "Bay Wire", "Pier Post", "Dock News", "Tide Daily"]


def forty_events() -> Timeline:
    """40 entries from 7 outlets over two runs of days seven months apart, with month entries, long and
    short headlines and one full of mathtext characters."""
    rng = random.Random(4)
    words = ["bridge", "ferry", "harbour", "council", "storm", "crane", "opened", "closed", "pier", "tide"]
    entries, day = [], date(2022, 9, 20)
    for i in range(40):
        day += timedelta(days=200 if i == 25 else rng.choice([0, 1, 1, 2, 3]))
        value = day.isoformat() if i % 9 else day.isoformat()[:7]
        outlets = [rng.choice(OUTLETS) for _ in range(rng.randint(1, 3))]
        quotes = [TimelineQuote("…", DocumentInfo(f"d{i}-{k}", "s", "t", o, None, None), value)
                  for k, o in enumerate(outlets)]
        headline = MATH if i == 3 else " ".join(rng.choice(words) for _ in range(rng.randint(3, 24)))
        entries.append(TimelineEntry(value, "day" if i % 9 else "month", quotes, headline=headline))
    entries.sort(key=lambda e: e.date)
    return Timeline("Harbour $bridge_x^2", None, None, entries)


@pytest.fixture(scope="module", params=["seeds", "forty"])
def timeline(request: pytest.FixtureRequest) -> Timeline:
    if request.param == "forty":
        return forty_events()
    return request.getfixturevalue("seed_library").timeline()


def drawn(timeline: Timeline):
    figure = timeline_figure(timeline)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return figure, canvas.get_renderer()


def texts(figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_no_text_overlaps_and_all_text_is_on_the_chart(timeline: Timeline) -> None:
    figure, renderer = drawn(timeline)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(figure)]
    width, height = figure.bbox.width, figure.bbox.height
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, text
    for (a, one), (b, other) in itertools.combinations(boxes, 2):
        overlap = min(one.x1, other.x1) - max(one.x0, other.x0), min(one.y1, other.y1) - max(one.y0, other.y0)
        assert min(overlap) <= 0.5, (a, b)


def test_every_event_is_inside_its_axes(timeline: Timeline) -> None:
    figure, _ = drawn(timeline)
    marks = 0
    for axes in figure.axes:
        box = axes.bbox
        for line in axes.get_lines():
            if line.get_marker() in ("None", None, "") and line.get_linewidth() < 2:
                continue  # lane guides and date rules
            for x, y in axes.transData.transform(line.get_xydata()):
                assert box.x0 - 0.5 <= x <= box.x1 + 0.5 and box.y0 - 0.5 <= y <= box.y1 + 0.5
                marks += 1
    quotes = sum(len({(q.source.publisher, q.date) for q in e.quotes}) for e in timeline.events)
    assert marks >= quotes


def test_text_is_readable_at_discord_preview_size(timeline: Timeline) -> None:
    figure, _ = drawn(timeline)
    scale = PREVIEW_PX / figure.bbox.width
    for text in texts(figure):
        assert text.get_fontsize() * figure.dpi / 72 * scale >= MIN_TEXT_PX, text.get_text()


def test_png_is_dark_and_wide_enough(timeline: Timeline) -> None:
    image = Image.open(io.BytesIO(timeline_png(timeline))).convert("RGB")
    assert image.width >= 2 * PREVIEW_PX
    assert sum(image.getpixel((2, 2))) < 3 * 80  # a dark background for Discord's dark theme


def test_text_is_never_mathtext_and_headlines_are_verbatim() -> None:
    few = forty_events()
    few.events[:] = few.events[:8]
    drawn_texts = texts(drawn(few)[0])
    assert all(not t.get_parse_math() for t in drawn_texts if "$" in t.get_text() or "^" in t.get_text())
    words = " ".join(t.get_text().replace("\n", " ") for t in drawn_texts)
    assert MATH in words and "Timeline: Harbour $bridge_x^2" in words
    # a dense chart shows each headline's first words, with "…" where it cuts: never other words
    timeline = forty_events()
    shown = [t.get_text().replace("\n", " ") for t in texts(drawn(timeline)[0])]
    for entry in timeline.events:
        assert any(len(s) > 8 and entry.headline.startswith(s.removesuffix("…")) for s in shown), entry
    headlines = [e.headline for e in timeline.events]
    assert all(any(h.startswith(s[:-1]) for h in headlines) for s in shown if s.endswith("…"))


def test_a_dense_chart_keeps_its_headlines_short_not_its_text_small(seed_library: Library) -> None:
    """40 events fit a chart less than 2.5 times as tall as it is wide (it was 5.5 times), one line each;
    the seed timeline's 9 events keep whole headlines under their date lines."""
    figure, _ = drawn(forty_events())
    assert figure.bbox.height <= 2.5 * figure.bbox.width
    seeds = seed_library.timeline()
    words = " ".join(t.get_text().replace("\n", " ") for t in texts(drawn(seeds)[0]))
    assert all(entry.headline in words for entry in seeds.events)


def test_long_gaps_break_the_axis_and_empty_timelines_say_so(seed_library: Library) -> None:
    figure, _ = drawn(seed_library.timeline())
    gaps = [t.get_text() for t in texts(figure) if "later" in t.get_text()]
    # a month or a year sits at its first day: 2000 and 2002 are two years apart, April and May 2024 a month
    assert gaps == ["2 years\nlater", "18 years\nlater", "4 years\nlater", "30 days\nlater", "47 days\nlater"]
    assert len(figure.axes) == 6
    empty, _ = drawn(Timeline("Mars", None, None, []))
    assert "No dated events" in [t.get_text() for t in texts(empty)]


def test_alt_text_lists_the_events_within_discords_limit() -> None:
    timeline = forty_events()
    text = alt_text(timeline)
    assert len(text) <= 1024 and text.startswith("Timeline chart of 40 events")
    assert timeline.events[0].headline in text


def test_a_year_or_a_month_does_not_stretch_the_axis_of_days() -> None:
    """"2022" and "Sep 2022" beside ten days of September sit at their first day, each on its own stretch of
    the axis: the days keep an axis of their own, not a line of a year-long one."""
    def entry(value: str) -> TimelineEntry:
        source = DocumentInfo(f"d-{value}", "s", "t", "Gulf Daily", None, None)
        granularity = {4: "year", 7: "month"}.get(len(value), "day")
        quotes = [TimelineQuote("…", source, value)]
        return TimelineEntry(value, granularity, quotes, headline=f"Event {value}")

    days = [f"2022-09-{d}" for d in range(21, 31)]
    figure, _ = drawn(Timeline("Ian", None, None, [entry("2022"), entry("2022-09"), *map(entry, days)]))
    assert len(figure.axes) == 3
    low, high = sorted(figure.axes[-1].get_ylim())
    assert high - low < 12  # days
