"""The timeline as a chart a newsroom could publish: a true time axis, one lane per outlet, headlines.

Pure: a `Timeline` in, a matplotlib `Figure` or PNG bytes out (no pyplot: no display, no global state
shared between threads). Time runs down a vertical axis, so the chart stays readable in a narrow column
(Discord shows it ~400 px wide): every text is at least `MIN_TEXT_PX` high at that width. The axis is
broken into segments where the events are far apart (2000 and 2024 do not squeeze a week of events into a
line); within a segment, time is linear, and a month or a year sits at its first day ("2022" does not
stretch a segment of ten days over a year). Each outlet has a lane (a colour and a marker shape, so the
legend reads without colour too) with a mark where it dates the event: a dot for a day, a bar for a month or
a year. Each event's headline (a verbatim clause of a quote, `TimelineEntry.headline`) is wrapped at word
boundaries beside the axis, placed as near its date as the headlines above and below allow (an isotonic
regression of the label positions), with a leader line to its date. A chart of many events gives each
headline fewer lines (`LINE_BUDGET`), cut after a whole word with "…" and opened by its date, so 40 events
make a chart about twice as tall as wide, not a strip shrunk to nothing in Discord's preview. The colours
suit Discord's dark theme.

No text is ever read as mathtext: quotes are full of "$5 million" and "snake_case".
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from index.timeline import Timeline, TimelineEntry, human_date, most_reported, outlet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_EVENTS = 40
MAX_LANES = 6  # outlets beyond the five that report most share the last lane
WIDTH_IN = 6.4
DPI = 150
PREVIEW_PX = 400  # Discord's embed image width
MIN_TEXT_PX = 10  # at PREVIEW_PX wide
FONT = "DejaVu Sans"  # shipped with matplotlib: the same metrics on every machine
# The smallest font that is MIN_TEXT_PX high once the figure is scaled to PREVIEW_PX wide, plus a margin.
FONT_PT = round(MIN_TEXT_PX * WIDTH_IN * 72 / PREVIEW_PX + 0.4, 1)
LINE = 1.25  # line height, in font sizes
GAP_PT = 7  # between two headlines
# Lines of text (date lines and headlines) the events share: a chart of many events keeps each headline short,
# so that 40 events are not a strip 6 times as tall as it is wide, shrunk to nothing in Discord's preview.
LINE_BUDGET = 64
ELLIPSIS = "…"
BACKGROUND, TEXT, MUTED, RULE, WARN = "#2b2d31", "#dbdee1", "#a3a9b3", "#4e5058", "#f28b82"
# Okabe-Ito's colour-blind-safe palette (its dark blue swapped for a lighter one on the dark background).
LANES = [("#56B4E9", "o"), ("#E69F00", "s"), ("#3DDC97", "^"), ("#F0E442", "D"), ("#CC79A7", "v"),
         ("#BBBBBB", "P")]
# A gap between two events longer than this share of the time a segment covers breaks the axis there.
BREAK_SHARE = 0.15
MIN_BREAK = timedelta(days=14)


@dataclass
class _Label:
    entry: TimelineEntry
    lines: list[str]
    first: date
    last: date
    inline: bool = False  # the date opens the headline's first line instead of a line of its own

    @property
    def height(self) -> float:  # points: the date line and the headline
        return (len(self.lines) + (not self.inline)) * FONT_PT * LINE


def _segments(labels: list[_Label]) -> list[list[_Label]]:
    """Labels (in date order) cut at each gap longer than `MIN_BREAK` and than `BREAK_SHARE` of the time
    the segment covers, then each part cut again in the same way."""
    if len(labels) < 2:
        return [labels]
    span = max(x.last for x in labels) - labels[0].first
    reach = labels[0].last
    for i in range(1, len(labels)):
        gap = labels[i].first - reach
        if gap > MIN_BREAK and gap > span * BREAK_SHARE:
            return _segments(labels[:i]) + _segments(labels[i:])
        reach = max(reach, labels[i].last)
    return [labels]


def _gap_words(days: int) -> str:
    """The time skipped at an axis break, in two short lines."""
    if days >= 330:
        years = round(days / 365.25)
        return f"{years} year{'s' if years > 1 else ''}\nlater"
    if days >= 60:
        return f"{round(days / 30.44)} months\nlater"
    return f"{days} days\nlater"


def _width(text: str, size: float = FONT_PT, weight: str = "normal") -> float:
    """Width in points of one line of `text` in `FONT` at `size`."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family=FONT, size=size, weight=weight)
    return TextToPath().get_text_width_height_descent(text, font, ismath=False)[0]


def _wrap(text: str, width_pt: float, size: float, first_pt: float | None = None) -> list[str]:
    """Greedy word wrap measured with the font's own metrics (the first line `first_pt` wide, if given); a
    word wider than a line is cut."""

    def fits(s: str) -> bool:
        return _width(s, size) <= (first_pt if first_pt is not None and not lines else width_pt)

    lines: list[str] = []
    line = ""
    for word in text.split():
        if not line and lines == [] and first_pt is not None and not fits(word):
            lines.append("")  # not even the first word fits beside the date: start below it
        while not fits(word):  # a URL or a long number: cut it
            cut = max(1, next(k for k in range(len(word), 0, -1) if fits(word[:k])))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _shorten(lines: list[str], count: int, width_pt: float) -> list[str]:
    """The first `count` lines, the last ending in "…" where words are left out (whole words only)."""
    if len(lines) <= count:
        return lines
    kept, last = lines[:count - 1], lines[count - 1].split()
    while len(last) > 1 and _width(" ".join(last) + ELLIPSIS) > width_pt:
        last.pop()
    return [*kept, " ".join(last).rstrip(ELLIPSIS + " ,;:") + ELLIPSIS]


def _place(wanted: list[float], heights: list[float], top: float, bottom: float) -> list[float]:
    """Label centres as near `wanted` as possible, in order, `GAP_PT` apart, within [top, bottom].

    Shifting each centre by the room the labels above it need turns "never overlap" into "non-decreasing",
    which an isotonic regression solves exactly (least squares); a constant bound keeps it optimal.
    """
    import numpy as np
    from scipy.optimize import isotonic_regression

    steps = [(a + b) / 2 + GAP_PT for a, b in itertools.pairwise(heights)]
    offsets = np.concatenate([[0.0], np.cumsum(steps)])
    fitted = isotonic_regression(np.array(wanted) - offsets).x
    fitted = np.clip(fitted, top + heights[0] / 2, bottom - offsets[-1] - heights[-1] / 2)
    return list(fitted + offsets)


def _lanes(entries: list[TimelineEntry]) -> dict[str, int]:
    """Outlet -> lane, the outlets reporting most events first; the rest share the last lane."""
    counts: dict[str, int] = {}
    for entry in entries:
        for name in {outlet(q.source) for q in entry.quotes}:
            counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts, key=lambda o: (-counts[o], o))
    if len(ranked) <= MAX_LANES:
        return {o: i for i, o in enumerate(ranked)}
    return {o: min(i, MAX_LANES - 1) for i, o in enumerate(ranked)}


def timeline_figure(timeline: Timeline) -> Figure:
    """The chart of `timeline` (see the module docstring); an empty timeline gives a chart that says so."""
    # Imported here: matplotlib takes a quarter of a second to import, and most processes never draw.
    from matplotlib.figure import Figure

    entries = most_reported(timeline.events, MAX_EVENTS)
    lanes = _lanes(entries)
    labels = sorted((_Label(e, [], *_span(e)) for e in entries), key=lambda x: (x.first, x.last))
    segments = _segments(labels) if labels else []
    breaks = [_gap_words((segments[i][0].first - max(x.last for x in segments[i - 1])).days)
              for i in range(1, len(segments))]
    chart = _Chart(timeline, lanes, labels, segments, breaks)
    figure = Figure(figsize=(WIDTH_IN, chart.height / 72), dpi=DPI, facecolor=BACKGROUND)
    chart.draw(figure, skipped=len(timeline.events) - len(entries))
    return figure


def _span(entry: TimelineEntry) -> tuple[date, date]:
    """Where the entry sits on the time axis: the first and last of the days its outlets date it, a month or
    a year counting as its first day. "2022" or "Sep 2022" beside the last ten days of September would
    otherwise stretch the axis over the whole period and squeeze those days into a line; its bar runs on
    to the end of its axis segment."""
    days = [_period(q.date)[0] for q in entry.quotes] or [_period(entry.date)[0]]
    return min(days), max(days)


class _Chart:
    """Geometry in points from the figure's top-left corner, then the drawing."""

    def __init__(self, timeline: Timeline, lanes: dict[str, int], labels: list[_Label],
                 segments: list[list[_Label]], breaks: list[str]) -> None:
        self.timeline, self.lanes, self.labels, self.segments, self.breaks = \
            timeline, lanes, labels, segments, breaks
        self.width = WIDTH_IN * 72
        self.margin = 0.4 * FONT_PT
        self.lane_count = max(lanes.values(), default=0) + 1
        widest = max([_width("Sep 2022"), *(_width(line) for b in breaks for line in b.splitlines())])
        self.axis_left = self.margin + widest + 0.8 * FONT_PT
        self.lanes_width = self.lane_count * 1.25 * FONT_PT + 0.6 * FONT_PT
        self.text_left = self.axis_left + self.lanes_width + 1.2 * FONT_PT
        self._headlines(labels)
        title = f"Timeline: {timeline.topic}" if timeline.topic else "Timeline of the briefings"
        self.title = _wrap(title, self.width - 2 * self.margin, FONT_PT * 1.15)
        outlets = sorted(lanes, key=lambda o: (lanes[o], o))
        self.legend = outlets if len(outlets) <= MAX_LANES else [*outlets[:MAX_LANES - 1], "other outlets"]
        self.columns = 2
        rows = -(-len(self.legend) // self.columns)
        self.head = self.margin + len(self.title) * FONT_PT * 1.15 * LINE + rows * FONT_PT * 1.6 + FONT_PT
        self.break_height = 2.8 * FONT_PT
        self.heights = [sum(x.height + GAP_PT for x in s) + FONT_PT for s in segments]
        self.body = (sum(self.heights) + self.break_height * len(breaks)) if labels else 3 * FONT_PT
        self.foot = self.margin + 3 * FONT_PT
        self.height = self.head + self.body + self.foot

    def _headlines(self, labels: list[_Label]) -> None:
        """Wrap each headline in the lines its share of `LINE_BUDGET` allows: a date line and up to the rest;
        with fewer than three lines each, the date opens the first line."""
        width = self.width - self.text_left - self.margin
        share = LINE_BUDGET // max(1, len(labels))
        for label in labels:
            if share >= 3:
                label.lines = _shorten(_wrap(label.entry.headline, width, FONT_PT), share - 1, width)
                continue
            label.inline = True
            first = width - _width(self._heading(label) + "  ", weight="bold")
            lines = _wrap(label.entry.headline, width, FONT_PT, first_pt=first)
            label.lines = _shorten(lines, share, width if share > 1 else first)

    @staticmethod
    def _heading(label: _Label) -> str:
        return human_date(label.entry.date) + (" · dates differ" if label.entry.disagreement else "")

    def fx(self, points: float) -> float:
        return points / self.width

    def fy(self, points_from_top: float) -> float:
        return 1 - points_from_top / self.height

    def text(self, figure: Figure, x: float, y: float, s: str, **style) -> None:
        figure.text(self.fx(x), self.fy(y), s, parse_math=False, family=FONT, color=style.pop("color", TEXT),
                    fontsize=style.pop("fontsize", FONT_PT), **style)

    def draw(self, figure: Figure, skipped: int) -> None:
        from matplotlib.lines import Line2D

        y = self.margin
        for line in self.title:
            self.text(figure, self.margin, y, line, va="top", fontsize=FONT_PT * 1.15, weight="bold")
            y += FONT_PT * 1.15 * LINE
        y += FONT_PT * 0.3
        column = (self.width - 2 * self.margin) / self.columns
        for i, name in enumerate(self.legend):
            x, row_y = self.margin + column * (i % self.columns), y + (i // self.columns) * FONT_PT * 1.6
            color, marker = LANES[i]
            figure.add_artist(Line2D([self.fx(x + FONT_PT * 0.5)], [self.fy(row_y + FONT_PT * 0.55)],
                                     marker=marker, color=color, markersize=FONT_PT * 0.7,
                                     transform=figure.transFigure))
            name = _wrap(name, column - 2 * FONT_PT, FONT_PT)[0]
            self.text(figure, x + FONT_PT * 1.3, row_y, name, va="top")
        if not self.labels:
            self.text(figure, self.width / 2, self.head + FONT_PT, "No dated events", ha="center", va="top",
                      color=MUTED)
            return
        wanted, anchors = self._segments(figure)
        centres = _place(wanted, [x.height for x in self.labels], self.head, self.head + self.body)
        for label, centre, anchor in zip(self.labels, centres, anchors, strict=True):
            self._label(figure, label, centre - label.height / 2, anchor)
        if skipped:
            note = f"The {len(self.labels)} events reported by most outlets; {skipped} more in the message."
            self.text(figure, self.margin, self.height - self.margin, note, va="bottom", color=MUTED)

    def _segments(self, figure: Figure) -> tuple[list[float], list[tuple]]:
        """Draw each axis segment with its lanes and marks; the wanted label centres and leader anchors."""
        import matplotlib.dates as mdates
        from matplotlib.lines import Line2D

        wanted: list[float] = []
        anchors: list[tuple] = []
        top = self.head
        for number, (segment, height) in enumerate(zip(self.segments, self.heights, strict=True)):
            ax = figure.add_axes((self.fx(self.axis_left), self.fy(top + height), self.fx(self.lanes_width),
                                  height / self.height))
            # A day d covers [d - 0.5, d + 0.5] on the axis: its mark and its tick sit at its middle.
            first, last = segment[0].first, max(x.last for x in segment)
            pad = max(0.8, (last - first).days * 0.06)
            top_y, bottom_y = mdates.date2num(first) - pad, mdates.date2num(last) + pad
            ax.set_ylim(bottom_y, top_y)  # time runs down
            ax.set_xlim(-0.7, self.lane_count - 0.3)
            self._style(ax, segment, height)
            for label in segment:
                middle = (mdates.date2num(label.first) + mdates.date2num(label.last)) / 2
                ax.axhline(middle, color=RULE, linewidth=0.6, zorder=1)
                for quote in label.entry.quotes:
                    color, marker = LANES[self.lanes[outlet(quote.source)]]
                    lane = self.lanes[outlet(quote.source)]
                    start, end = (mdates.date2num(d) for d in _period(quote.date))
                    if end == start:  # a day: a mark
                        ax.plot(lane, start, marker=marker, color=color, markersize=FONT_PT * 0.7,
                                markeredgecolor=BACKGROUND, markeredgewidth=0.8, zorder=3)
                    else:  # a month or a year: a bar over all of it that the segment shows
                        shown = [max(start - 0.5, top_y), min(end + 0.5, bottom_y)]
                        ax.plot([lane, lane], shown, color=color, linewidth=FONT_PT * 0.5,
                                solid_capstyle="butt", zorder=2)
                # axes fractions count from the segment's bottom
                wanted.append(top + (1 - ax.transLimits.transform((0, middle))[1]) * height)
                anchors.append((ax, middle))
            top += height
            if number < len(self.breaks):  # the broken axis: two short slashes across it, the time skipped
                middle = top + self.break_height / 2
                for dy in (-3, 3):
                    xs = [self.fx(self.axis_left - 5), self.fx(self.axis_left + 5)]
                    ys = [self.fy(middle + dy + 3), self.fy(middle + dy - 3)]
                    figure.add_artist(Line2D(xs, ys, color=MUTED, linewidth=1.5,
                                             transform=figure.transFigure))
                self.text(figure, self.axis_left - FONT_PT * 0.8, middle, self.breaks[number], ha="right",
                          va="center", color=MUTED, style="italic", linespacing=1.1)
                top += self.break_height
        return wanted, anchors

    def _style(self, ax, segment: list[_Label], height: float) -> None:
        """A bare axis: the time line on the left with its ticks, faint lane guides, no frame."""
        import matplotlib.dates as mdates
        from matplotlib.ticker import FixedLocator, FuncFormatter

        ax.set_facecolor(BACKGROUND)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_color(MUTED)
        ax.spines["left"].set_linewidth(1.5)
        ax.xaxis.set_visible(False)
        first, last = segment[0].first, max(x.last for x in segment)
        if all(x.entry.granularity != "day" for x in segment):  # ticks at the months or years themselves
            ax.yaxis.set_major_locator(FixedLocator(sorted({mdates.date2num(x.first) for x in segment})))
            unit = "year" if all(x.entry.granularity == "year" for x in segment) else "month"
        else:
            most = max(1, int(height // (2.5 * FONT_PT)))
            ax.yaxis.set_major_locator(mdates.AutoDateLocator(minticks=1, maxticks=min(most, 6)))
            days = (last - first).days
            unit = "day" if days <= 92 else "month" if days <= 3 * 365 else "year"
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _tick(mdates.num2date(value).date(),
                                                                              unit)))
        ax.tick_params(axis="y", colors=MUTED, labelsize=FONT_PT, labelcolor=MUTED)
        for lane in range(self.lane_count):
            ax.axvline(lane, color=RULE, linewidth=0.6, zorder=0)

    def _label(self, figure: Figure, label: _Label, y: float, anchor: tuple) -> None:
        """The date line and the wrapped headline at `y`, with a leader line from the event's date."""
        from matplotlib.patches import ConnectionPatch

        heading = self._heading(label)
        self.text(figure, self.text_left, y, heading, va="top", weight="bold",
                  color=WARN if label.entry.disagreement else TEXT)
        lines, below = label.lines, y + FONT_PT * LINE
        if label.inline:
            if lines[0]:
                indent = _width(heading + "  ", weight="bold")
                self.text(figure, self.text_left + indent, y, lines[0], va="top")
            lines = lines[1:]
        if lines:
            self.text(figure, self.text_left, below, "\n".join(lines), va="top", linespacing=LINE)
        ax, middle = anchor
        figure.add_artist(ConnectionPatch(
            xyA=(self.lane_count - 0.3, middle), coordsA=ax.transData,
            xyB=(self.fx(self.text_left - FONT_PT * 0.4), self.fy(y + FONT_PT * LINE / 2)),
            coordsB=figure.transFigure, color=RULE, linewidth=0.8))


def _period(value: str) -> tuple[date, date]:
    from index.dates import period

    return period(value)


def _tick(day: date, unit: str) -> str:
    """A tick label: "2024", "Sep 2022" or "28 Sep" (the year is in every event's date line)."""
    iso = day.isoformat()
    return human_date(iso[:4] if unit == "year" else iso[:7]) if unit != "day" else \
        human_date(iso).rsplit(" ", 1)[0]


def timeline_png(timeline: Timeline) -> bytes:
    """The chart as PNG bytes."""
    out = io.BytesIO()
    timeline_figure(timeline).savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()


def alt_text(timeline: Timeline, limit: int = 1024) -> str:
    """A text alternative to the chart (Discord shows it to screen readers), within `limit` characters."""
    entries = most_reported(timeline.events, MAX_EVENTS)
    if not entries:
        return "Timeline chart: no dated events."
    outlets = sorted({outlet(q.source) for e in entries for q in e.quotes})
    head = (f"Timeline chart of {len(entries)} events from {human_date(entries[0].date)} to "
            f"{human_date(entries[-1].date)}, one lane per outlet ({', '.join(outlets)}).")
    parts = [head]
    for entry in entries:
        part = f" {human_date(entry.date)}: {entry.headline}"
        if sum(map(len, parts)) + len(part) > limit - 2:
            parts.append(" …")
            break
        parts.append(part)
    return "".join(parts)[:limit]
