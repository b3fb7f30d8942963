"""Event extraction: each dated sentence once per date, found in time linear in the dated sentences."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from index.events import extract_events
from index.passages import first_holding, make_passages, sentence_spans
from index.sources import Document

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
CITIES = ["Lyon", "Oslo", "Rome"]


class _Counted(Sequence[int]):
    """A sequence that counts the items read from it."""

    def __init__(self, items: list[int]) -> None:
        self.items, self.reads = items, 0

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):
        self.reads += 1
        return self.items[i]


def test_finding_the_span_of_an_offset_reads_logarithmically_many_spans() -> None:
    n = 1_000_000
    starts, ends = _Counted(list(range(0, 2 * n, 2))), _Counted(list(range(1, 2 * n, 2)))
    assert first_holding(starts, ends, 2 * 765_432) == 765_432
    assert first_holding(starts, ends, 2 * 765_432 + 1) is None  # between two spans
    assert starts.reads + ends.reads <= 2 * (math.log2(n) + 2)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["word", "U.S.", "Mr. Lee", "said.", "\n\n", "\n", " ", "Ü", "?"]),
                max_size=120).map("".join), st.integers(5, 40))
def test_the_first_holding_span_is_the_one_a_scan_finds(text: str, max_words: int) -> None:
    for spans in (sentence_spans(text, max_words), make_passages("d", text, max_words)):
        starts, ends = [s.start for s in spans], [s.end for s in spans]
        for offset in range(len(text) + 1):
            scan = next((i for i, s in enumerate(spans) if s.start <= offset < s.end), None)
            assert first_holding(starts, ends, offset) == scan


def test_every_dated_sentence_of_a_long_text_is_an_event_of_its_own_sentence() -> None:
    lines = [f"On {MONTHS[i % 12]} {i % 28 + 1}, {2000 + i % 25}, the council met in {CITIES[i % 3]}."
             for i in range(4_000)]
    text = "\n\n".join(" ".join(lines[i:i + 5]) for i in range(0, len(lines), 5))
    events = extract_events(Document("d", "s", "t", "p", "2024-06-17", None, text))
    assert len(events) == len(lines)
    for i, event in enumerate(events):
        sentence = text[event.start:event.end]
        assert sentence == lines[i] and event.timex in sentence
        assert event.date == f"{2000 + i % 25}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
