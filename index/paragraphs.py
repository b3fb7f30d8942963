"""What each paragraph of an article's clean text is: prose, a headline, a label, a photo caption, a credit.

Cleaning (`index.clean`) drops what may never be quoted. What is left still holds lines that are part of
the page but say nothing by themselves: a headline or the title of a linked story ("Loretta Lynn dies at
90"), a bare label ("What Happened:"), a photo caption that ends with its credit ("... on Tuesday. Matthew
Brown/AP"), a byline or credit ("Contributing: Kelly Tyko, USA TODAY"). Such a line is never the sentence
that answers a question nor a dated event; a paragraph that opens with a label ("Why It Matters: The
summit ...") is prose after its label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

import sentencex


class Role(Enum):
    PROSE = "prose"
    HEADING = "heading"
    LABEL = "label"
    CAPTION = "caption"
    CREDIT = "credit"


# A photo credit: "Matthew Brown/AP", "Robyn Beck/AFP/Getty Images", "(Photo by Gado/Getty Images)",
# "... - Source: CNN", "Image via Shutterstock", "Contributing: Kelly Tyko, USA TODAY".
_AGENCIES = r"(?:AP|AFP|Reuters|Getty Images|Shutterstock|Bloomberg|EPA|CNN|ABC|NBC|CBS|Sipa|Alamy|Pool|" \
            r"Sputnik|Xinhua|Anadolu Agency|NurPhoto|SOPA Images|LightRocket|USA TODAY(?: Sports| Network)?)"
_CREDIT = re.compile(
    r"(?:\(?(?i:photo|image|picture|video)s? (?i:by|via|credit|courtesy(?: of)?):? .{1,100}\)?"
    r"|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,4}(?:/[A-Z][\w.&'’ -]{0,40})+"
    r"|(?:.{0,60}[-–—,] )?(?:Source: )?" + _AGENCIES + r"(?: Photo)?"
    r"|(?:Contributing|Contributors?|Reporting by|Edited by|Written by):? .{0,120}"
    r"|By [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}(?:,? .{0,60})?"
    r"|(?i:special|exclusive) (?:for|to) USA TODAY)",
)
_END = re.compile(r"[.!?…][\"”’)\]]*$")
_LABEL = re.compile(r"[A-Z][\w'’-]*(?: [\w'’-]+){0,4}:")
# A section label in title case before a whole sentence: "What Happened: The talks ...".
_SECTION = re.compile(r"(?:[A-Z][\w'’-]*|of|the|and|to|in|a)(?: (?:[A-Z][\w'’-]*|of|the|and|to|in|a)){0,4}: "
                      r"(?=[A-Z\"“‘'])")
HEADING_MAX_WORDS = 25


@dataclass(frozen=True)
class Paragraph:
    start: int  # offsets in the text
    end: int
    role: Role
    body: int  # where the prose starts: after a leading label ("What Happened: "), else `start`


def paragraphs(text: str, title: str | None = None) -> Iterator[Paragraph]:
    """The paragraphs (lines) of a clean text with their role; `title` is the article's, if known."""
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + line.index(stripped[0])
        role, body = role_of(stripped, title)
        yield Paragraph(start, start + len(stripped), role, start + body)


def role_of(line: str, title: str | None = None) -> tuple[Role, int]:
    """The role of one stripped line, and the offset where its prose begins (after a leading label)."""
    if not _END.search(line) and _CREDIT.fullmatch(line):
        return Role.CREDIT, 0
    label = _LABEL.match(line)
    if label and label.end() == len(line):
        return Role.LABEL, 0
    sentences = [s.strip() for s in sentencex.segment("en", line) if s.strip()]
    if len(sentences) > 1 and not _END.search(sentences[-1]) and _CREDIT.fullmatch(sentences[-1]):
        return Role.CAPTION, 0
    if title and line == title.strip():
        return Role.HEADING, 0
    if len(sentences) == 1 and not _END.search(line) and not line.endswith(":") and ":" not in line \
            and len(line.split()) <= HEADING_MAX_WORDS:
        return Role.HEADING, 0
    section = _SECTION.match(line)
    return Role.PROSE, section.end() if section and len(line[section.end():].split()) >= 5 else 0


def prose_spans(text: str, title: str | None = None) -> list[tuple[int, int]]:
    """The spans of `text` that are prose: paragraphs of that role, each from after its label."""
    return [(p.body, p.end) for p in paragraphs(text, title) if p.role is Role.PROSE]
