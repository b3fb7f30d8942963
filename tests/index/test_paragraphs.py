"""Roles of an article's paragraphs: headlines, labels and photo captions are not prose."""

from __future__ import annotations

import pytest

from index.paragraphs import Role, paragraphs, prose_spans, role_of, strip_label


@pytest.mark.parametrize(("line", "role"), [
    ("Chinese senior officials' South Korea trip to coincide with Putin's Pyongyang visit", Role.HEADING),
    ("What Happened:", Role.LABEL),
    ("Residents clear mud from the main street on Tuesday. Matthew Brown/AP", Role.CAPTION),
    ("A washed out bridge at Rescue Creek. National Park Service/AP", Role.CAPTION),
    ("Image via Shutterstock", Role.CAPTION),
    ("Here's the latest:", Role.LABEL),
    ("By the end of the year, prices rose.", Role.PROSE),
    ("What Happened: The talks will involve vice ministers from both countries.", Role.PROSE),
    ("Arizona: $4.84", Role.PROSE),
    ("Seoul says North Korea may have sent nearly 5 million artillery shells to Russia.", Role.PROSE),
])
def test_paragraph_roles(line: str, role: Role) -> None:
    assert role_of(line) is role


def test_a_section_label_is_not_part_of_the_sentence() -> None:
    line = "What Happened: The talks will involve vice ministers from both countries."
    assert line[strip_label(line):] == "The talks will involve vice ministers from both countries."
    assert strip_label("He said: we will win, and soon.") == 0  # not a label, a sentence
    assert strip_label("Arizona: $4.84") == 0


def test_paragraphs_of_a_text_with_their_offsets() -> None:
    text = "Bridge opens\n\nWhy It Matters: The bridge cuts the trip to ten minutes.\n\nImage via Getty"
    found = list(paragraphs(text))
    assert [p.role for p in found] == [Role.HEADING, Role.PROSE, Role.CAPTION]
    assert [text[a:b] for a, b in prose_spans(text)] == ["The bridge cuts the trip to ten minutes."]
    # A line equal to the article's title is its headline, even with a question mark.
    assert role_of("Is the bridge worth it?", "Is the bridge worth it?") is Role.HEADING
