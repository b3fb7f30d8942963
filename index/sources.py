"""Articles as `Document`s: one set of rules, whatever reader found them.

A reader (`index.readers`: a folder's files, a JSON Lines dump, a web page, a feed) hands each article it
finds - its text and whatever metadata came with it - to an `Articles` collector, which applies the rules
every source shares:

- The text is cleaned (`index.clean`) unless the reader has done it; an article with no text is skipped.
- Invalid Unicode (a lone surrogate, which JSON can spell "\\ud800") becomes U+FFFD, with a warning.
- `published` is a calendar date or nothing: an ISO date or timestamp, a TOML date, or a written date with
  day, month and year ("June 3, 2022", "Tue, 05 Mar 2024 10:00:00 GMT"). Clock-relative words ("yesterday",
  "in 3 days", "Tuesday"), a month alone and numbers (`-1`, `1e308`) are refused with a warning naming the
  article: a stored date must not change from one day to the next.
- Without a date from the metadata, the article's dateline gives it ("VALMORA, March 3, 2025 - ...").
- Without a title, a headline line on top of the text is the title; an article without one either is cited
  by its file name (or record), marked `(untitled)`: its first sentence is no headline.

A document the rules cannot build is skipped with a warning that names it (`index.isolation`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from index.clean import clean
from index.errors import UserError
from index.isolation import Skipped, Stage, attempt
from index.scopes import OPERATOR

T = TypeVar("T")
UNTITLED = "(untitled)"
_SURROGATE = re.compile("[\ud800-\udfff]")


class SourceError(UserError):
    """A source cannot be read at all (missing path, unreadable manifest, dead URL)."""


@dataclass(frozen=True)
class Document:
    """One article: metadata and its clean text (see `index.clean`)."""

    id: str
    source: str
    title: str
    publisher: str
    published: str | None  # ISO date, YYYY-MM-DD
    url: str | None
    text: str
    scope: str = OPERATOR  # whose source it came from (`index.scopes`)

    @cached_property
    def digest(self) -> str:
        """Content hash of everything stored about the document, to detect changes."""
        fields = (self.title, self.publisher, self.published or "", self.url or "", self.text)
        return hashlib.sha1("\0".join(fields).encode()).hexdigest()


@dataclass
class ReadResult:
    """The documents read, notes on how (`warnings`), and what could not be read (`skipped`)."""

    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.documents += other.documents
        self.warnings += other.warnings
        self.skipped += other.skipped


def source_name(path: Path) -> str:
    """Default name of a source: its folder or file name without extensions."""
    return path.name.split(".")[0] or path.resolve().name


def is_untitled(title: str) -> bool:
    """Whether a title is the stand-in of an article that has none (its file name, marked)."""
    return title.endswith(f" {UNTITLED}")


# ------------------------------------------------------------------------------------------ publication date

_DATEPARSER = {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"]}


def calendar_date(value: object) -> str:
    """The ISO day (YYYY-MM-DD) of a publication date; `ValueError` (with the reason) unless it names one
    calendar day by itself."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__} is not a date")
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    if re.fullmatch(r"[\s\d.eE+-]*", text):  # "-1", "1e308", "20220603": numbers, not dates
        raise ValueError(f"{text!r} is a number, not a date")
    import dateparser  # slow to import; only written-out dates need it

    parsed = dateparser.parse(text, settings=_DATEPARSER)
    if parsed is None:
        raise ValueError(f"{text!r} is not a calendar date (a day, month and year)")
    return parsed.date().isoformat()


# "VALMORA, March 3, 2025 -", "LONDON, 3 March 2025 (Reuters) -", "NEW YORK, March 3, 2025 /PRNewswire/ --",
# "Jan. 5, 2025 (Reuters) -": a place, a date, an agency, then a dash, at the start of a line
_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?"
          r"|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
_DAY_DATE = (rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}")
_PLACE = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
_DATELINE_DATE = re.compile(
    rf"(?:{_PLACE}\s*,\s*)?(?P<date>{_DAY_DATE})\s*(?:\([^()\n]{{1,30}}\)\s*|/[^/\n]{{1,30}}/\s*)?"
    r"(?:-{1,2}|[—–])\s")
_DATELINE_LINES = 3  # a headline (and a byline) may come first


def dateline_date(text: str) -> str | None:
    """The day a dateline at the start of one of the first lines of `text` gives, if it has a year."""
    for line in text.lstrip().split("\n")[:_DATELINE_LINES * 2]:
        if match := _DATELINE_DATE.match(line.strip()):
            try:
                return calendar_date(match["date"])
            except ValueError:
                return None
    return None


# --------------------------------------------------------------------------------------------------- titles

# A dateline alone on a line ("CNN —", "New York CNN Business —", "WASHINGTON (AP) —") names no story.
_BARE_DATELINE = re.compile(r"[^\n]{1,60}[—–]")
_HEADLINE_WORDS = 20


def headline(text: str) -> str | None:
    """The first line of `text` when it reads as a headline: a short line of its own paragraph that does
    not end a sentence and is not a bare dateline. None for text that starts with its first sentence."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    lines = [p for p in paragraphs if not _BARE_DATELINE.fullmatch(p)]
    if len(lines) < 2:  # a one-paragraph article has no headline above its text
        return None
    first = lines[0]
    if "\n" in first or len(first.split()) > _HEADLINE_WORDS or re.search(r"[.,;:]$", first):
        return None
    return None if _DATELINE_DATE.match(first) else first


# ------------------------------------------------------------------------------------------------- articles

# An article's metadata besides its text, as `Articles.add` takes it (a manifest's and a record's fields)
FIELDS = ("title", "publisher", "published", "url")


@dataclass
class Articles:
    """Collects the articles of one source as `Document`s, by the rules of this module."""

    source: str
    result: ReadResult = field(default_factory=ReadResult)

    def warn(self, where: str, message: str) -> None:
        self.result.warnings.append(f"{where}: {message}")

    def skip(self, where: str, stage: Stage, reason: str) -> None:
        self.result.skipped.append(Skipped(where, stage, reason))

    def attempt(self, where: str, stage: Stage, work: Callable[[], T]) -> T | None:
        """`work()`, or None with `where` skipped for the reason it failed."""
        outcome = attempt(where, stage, work)
        if isinstance(outcome, Skipped):
            self.result.skipped.append(outcome)
            return None
        return outcome

    def add(self, *, doc_id: str, where: str, name: str, text: str, cleaned: bool = False,
            title: object = None, publisher: object = None, published: object = None, url: object = None,
            ) -> Document | None:
        """Add an article found at `where` (a file, a record `file:line`, a URL), called `name` when it
        has no title; `text` is cleaned here unless `cleaned`. Returns the document, or None if skipped."""
        text = self._valid(where, "text", text) or ""
        day = None
        if published not in (None, ""):
            try:
                day = calendar_date(published)
            except ValueError as exc:
                self.warn(where, f"published ignored: {exc}")
        if not cleaned:
            on = date.fromisoformat(day) if day else None  # captions without a credit are told by their date
            text = self.attempt(where, "clean", lambda: clean(text, on))
            if text is None:
                return None
        if not text.strip():
            self.skip(where, "read", "no article text")
            return None
        title_text = self._field(where, "title", title) or headline(text) or f"{name} {UNTITLED}"
        document = Document(
            id=self._valid(where, "id", doc_id),
            source=self.source,
            title=title_text,
            publisher=self._field(where, "publisher", publisher) or self.source,
            published=day or dateline_date(text),
            url=self._field(where, "url", url),
            text=text,
        )
        self.result.documents.append(document)
        return document

    def _field(self, where: str, name: str, value: object) -> str | None:
        """A metadata field as text: strings as they are, numbers written out, anything else ignored."""
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.warn(where, f"{name} ignored: a {type(value).__name__} is not text")
            return None
        return self._valid(where, name, str(value).strip()) or None

    def _valid(self, where: str, name: str, value: str) -> str:
        """`value` as valid Unicode: lone surrogates (which UTF-8 cannot encode) become U+FFFD."""
        if _SURROGATE.search(value):
            self.warn(where, f"invalid Unicode in the {name} replaced by U+FFFD")
            return _SURROGATE.sub("\ufffd", value)
        return value


def decode(data: bytes, where: str, articles: Articles) -> str | None:
    """Text of a file's bytes: UTF-8, else Windows-1252/latin-1 with a warning; None (skipped) for binary
    data."""
    if b"\0" in data[:8192]:
        articles.skip(where, "read", "binary data, not text")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        articles.warn(where, "not UTF-8, read as Windows-1252")
        return data.decode("cp1252", errors="replace")
