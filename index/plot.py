"""The timeline as a picture: one row per entry in date order, the date on the axis, the quote beside it.

Pure: a `Timeline` in, PNG bytes out (a matplotlib `Figure` without pyplot: no display, no global state
shared between threads). Rows are evenly spaced, so events weeks apart stay readable beside events decades
apart; the gap is written on the axis instead. Labels are verbatim prefixes of the quoted sentences,
shortened with an ellipsis.
"""

from __future__ import annotations

import io
import textwrap

from index.timeline import Timeline

MAX_ROWS = 30
LABEL_CHARS = 150
_MARKERS = {"year": "s", "month": "D", "day": "o"}


def _label(text: str) -> str:
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return "\n".join(textwrap.wrap(short, 90))


def timeline_png(timeline: Timeline) -> bytes:
    """A PNG of the timeline's first `MAX_ROWS` entries; an empty timeline gives a picture that says so."""
    entries = timeline.events[:MAX_ROWS]
    rows = max(len(entries), 1)
    # Imported here: matplotlib takes a quarter of a second to import, and most processes never draw.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 1.2 + 0.55 * rows), dpi=100)
    axis = figure.subplots()
    axis.set_title(f"Timeline: {timeline.topic}" if timeline.topic else "Timeline of the briefings",
                   loc="left")
    for side in ("right", "top", "bottom"):
        axis.spines[side].set_visible(False)
    axis.get_xaxis().set_visible(False)
    axis.set_xlim(0, 1)
    axis.set_ylim(rows - 0.5, -0.5)
    if not entries:
        axis.text(0.5, 0, "No dated events", ha="center", va="center")
        axis.set_yticks([])
    for row, entry in enumerate(entries):
        color = "tab:red" if entry.disagreement else "tab:blue"
        axis.plot(0.02, row, _MARKERS[entry.granularity], color=color, markersize=7, clip_on=False)
        outlets = sorted({q.source.publisher for q in entry.quotes})
        note = f"  [{', '.join(outlets)}]" + ("  dates disagree" if entry.disagreement else "")
        axis.text(0.05, row, _label(entry.summary) + note, va="center", fontsize=8)
    axis.set_yticks(range(len(entries)), [e.date for e in entries], fontsize=9)
    if len(timeline.events) > MAX_ROWS:
        axis.text(0.05, rows - 0.1, f"… and {len(timeline.events) - MAX_ROWS} more", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
