"""Cut a document's clean text into passages: the units that are embedded, retrieved and quoted.

Passages are whole sentences (sentencex knows "U.S." and "Mr." are not sentence ends), about
`max_words` long, preferring to end where a paragraph ends. When a cut has to fall inside a paragraph,
the next passage repeats the last sentence so that no statement loses its context. Offsets are kept, so
a passage is always a verbatim slice of the clean text, and its id is a hash of its content.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sentencex

MAX_WORDS = 80
_WORD = re.compile(r"\S+")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    paragraph: int
    words: int


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences of one document; `text == clean_text[start:end]`."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # sentence spans relative to `text`

    @property
    def text_hash(self) -> str:
        """Hash of the text alone: equal texts share one embedding."""
        return text_hash(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha1(_utf8(text)).hexdigest()[:20]


def _utf8(text: str) -> bytes:
    """UTF-8 of any str: a lone surrogate (which JSON can spell, "\\ud800") is kept, not an error."""
    return text.encode("utf-8", "surrogatepass")


def sentence_spans(text: str, max_words: int = MAX_WORDS) -> list[Span]:
    """Sentence spans of `text`, never crossing a paragraph (blank line) nor longer than `max_words`."""
    spans: list[Span] = []
    for paragraph, block in enumerate(re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text)):
        offset = block.start()
        # sentencex takes only valid Unicode; U+FFFD for a lone surrogate keeps every offset
        for sentence in sentencex.segment("en", _SURROGATE.sub("\ufffd", block.group())):
            stripped = sentence.strip()
            if stripped:
                start = offset + sentence.index(stripped[0])
                spans.extend(_word_windows(text, start, start + len(stripped), paragraph, max_words))
            offset += len(sentence)
    return spans


def first_holding(starts: Sequence[int], ends: Sequence[int], offset: int) -> int | None:
    """Index of the first span holding `offset` (start <= offset < end), by bisection: the spans are in text
    order, their starts and ends non-decreasing (sentences, and passages even where they overlap)."""
    i = bisect.bisect_right(ends, offset)
    return i if i < len(starts) and starts[i] <= offset else None


def _word_windows(text: str, start: int, end: int, paragraph: int, max_words: int) -> list[Span]:
    """Split a run-on "sentence" (a list, a table row, a 100k-character line) into word windows."""
    words = list(_WORD.finditer(text, start, end))
    return [
        Span(words[i].start(), words[min(i + max_words, len(words)) - 1].end(), paragraph,
             min(max_words, len(words) - i))
        for i in range(0, len(words), max_words)
    ]


def make_passages(doc_id: str, text: str, max_words: int = MAX_WORDS) -> list[Passage]:
    """Passages of one document's clean text, in order."""
    spans = sentence_spans(text, max_words)
    passages: list[Passage] = []
    seen: set[str] = set()
    i = 0
    while i < len(spans):
        j, words = i + 1, spans[i].words
        while j < len(spans) and words + spans[j].words <= max_words:
            words += spans[j].words
            j += 1
        # Prefer ending at the last paragraph break, if that keeps the passage at least half full.
        for k in range(j - 1, i, -1):
            if spans[k].paragraph != spans[k - 1].paragraph:
                if sum(s.words for s in spans[i:k]) >= max_words // 2:
                    j = k
                break
        chunk = spans[i:j]
        start, end = chunk[0].start, chunk[-1].end
        passage_text = text[start:end]
        pid = hashlib.sha1(_utf8(f"{doc_id}\0{passage_text}")).hexdigest()[:20]
        if pid not in seen:
            seen.add(pid)
            sentences = tuple((s.start - start, s.end - start) for s in chunk)
            passages.append(Passage(pid, doc_id, start, end, passage_text, sentences))
        inside_paragraph = j < len(spans) and spans[j].paragraph == spans[j - 1].paragraph
        i = j - 1 if inside_paragraph and j - 1 > i else j
    return passages
