"""What each paragraph of an article's clean text is: prose, a headline, a bare label or a photo caption.

Cleaning (`index.clean`) drops what may never be quoted, photo captions included (`index.captions`). What
is left still holds lines that are part of the page but say nothing by themselves: a headline or the title
of a linked story ("Loretta Lynn dies at 90"), a bare label ("What Happened:"). Such a line is never the
sentence that answers a question nor a dated event. A line that opens with a label ("Why It Matters: The
summit ...") is prose after its label (`strip_label`). Captions are recognised here too, for text that was
cleaned before captions were furniture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum

import sentencex

from index.captions import is_caption


class Role(Enum):
    PROSE = "prose"
    HEADING = "heading"
    LABEL = "label"
    CAPTION = "caption"


# "What Happened:", "Why It Matters:", "The Bottom Line:", "UPDATE:": two to five capitalised words (short
# function words allowed) or one word in capitals, then a colon, at the start of a sentence.
_LABEL_WORDS = (r"(?:[A-Z][\w'’]*(?:\s+(?:[A-Z][\w'’]*|a|an|the|of|to|in|it|is|for|and|on|at|by)){1,4}"
                r"|[A-Z]{3,}(?:\s+[A-Z]{2,}){0,3})\s*:")
_LABEL = re.compile(_LABEL_WORDS + r"\s+(?=\S)")
_BARE_LABEL = re.compile(_LABEL_WORDS + r"\s*|(?:[A-Z][\w'’-]*)(?: [\w'’-]+){0,4}:")
_END = re.compile(r"[.!?…][\"”’)\]]*$")
HEADING_MAX_WORDS = 25


def strip_label(sentence: str) -> int:
    """Where the sentence starts after a label line's label ("What Happened: The talks..." -> 15)."""
    match = _LABEL.match(sentence)
    return match.end() if match else 0


@dataclass(frozen=True)
class Paragraph:
    start: int  # offsets in the text
    end: int
    role: Role
    body: int  # where the prose starts: after a leading label ("What Happened: "), else `start`


def paragraphs(text: str, title: str | None = None, published: date | None = None) -> Iterator[Paragraph]:
    """The paragraphs (lines) of a clean text with their role; `title` and `published` are the article's,
    if known."""
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + line.index(stripped[0])
        role = role_of(stripped, title, published)
        body = strip_label(stripped) if role is Role.PROSE else 0
        yield Paragraph(start, start + len(stripped), role, start + body)


def role_of(line: str, title: str | None = None, published: date | None = None) -> Role:
    """The role of one stripped line (`published`: the article's publication date, if known)."""
    if _BARE_LABEL.fullmatch(line):
        return Role.LABEL
    if is_caption(line, published):
        return Role.CAPTION
    # A line that is the title is its headline, unless it ends as a sentence does: an untitled article is
    # titled by its first line (`index.sources`), which may be prose.
    if title and line == title.strip() and not re.search(r"[.!][\"”’)\]]*$", line):
        return Role.HEADING
    if not _END.search(line) and ":" not in line and len(line.split()) <= HEADING_MAX_WORDS \
            and len([s for s in sentencex.segment("en", line) if s.strip()]) == 1:
        return Role.HEADING
    return Role.PROSE


def prose_spans(text: str, title: str | None = None, published: date | None = None) -> list[tuple[int, int]]:
    """The spans of `text` that are prose: paragraphs of that role, each from after its label."""
    return [(p.body, p.end) for p in paragraphs(text, title, published) if p.role is Role.PROSE]
