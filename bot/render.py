"""Discord rendering: pure functions from core objects (answers, sources, timelines) to embeds.

Everything shown comes verbatim from the briefings; this module only escapes, arranges and, where a text
is longer than Discord allows, cuts it at a sentence or word boundary with "…". Article text is hostile
input: it must never ping anyone, render as markdown, or hide a link behind other text, so every quoted
or cited string goes through `escape`. Discord does not enforce embed limits itself (an oversized embed
is a 400 error), so every function here stays within all of `LIMITS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as percent_encode

import discord

from index import (
    OPERATOR,
    Answer,
    DocumentInfo,
    Hit,
    SourceEntry,
    Timeline,
    TimelineEntry,
    human_date,
    is_untitled,
    most_reported,
    outlet,
    web_kinds,
)


@dataclass(frozen=True)
class Limits:
    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    total: int = 6000
    content: int = 2000


LIMITS = Limits()
ELLIPSIS = "…"
COLOR = 0x2B6CB0
NOT_COVERED_COLOR = 0x718096

# Every character with a markdown meaning (incl. the backslash itself, so one pass never double-escapes).
_MARKDOWN = re.compile(r"[\\*_~|`>#\-\[\]()]")
# `<@id>`, `<@&id>`, `<#id>`, `</cmd:id>`, `<:emoji:id>`, `<a:emoji:id>`, `<t:stamp>`: a zero-width space
# after "<" keeps them from rendering as mentions/links; the same after "@" for @everyone/@here.
_ANGLE = re.compile(r"<(?=[@#:/]|[at]:)")
_MASS_MENTION = re.compile(r"@(?=everyone|here)")
_ZWSP = "\u200b"
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\s")
# A bare URL as Discord finds one in text (its own rule, minus the angle brackets that delimit it here).
_URL = re.compile(r"https?://[^\s<>]+[^<>.,:;\"')\]\s]")


def escape(text: str) -> str:
    """`text` shown literally: no markdown, masked links, mentions, channel links or mass pings.

    Backslash escapes and zero-width spaces are invisible, so the rendered text is still verbatim. A bare
    URL is shown as a link: inside it nothing is escaped (a backslash would show and break the link), and
    it is wrapped in <...>, Discord's own link delimiters, so that the escape of a character right after it
    is not read as part of it.
    """
    parts = []
    last = 0
    for url in _URL.finditer(text):
        if _MASS_MENTION.search(url.group()):
            continue  # escaped as text: it must not ping, whatever a client does with the link
        parts.append(_escape_plain(text[last:url.start()]))
        parts.append(f"<{url.group()}>")
        last = url.end()
    parts.append(_escape_plain(text[last:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    text = _MASS_MENTION.sub("@" + _ZWSP, _ANGLE.sub("<" + _ZWSP, text))
    return _MARKDOWN.sub(lambda m: "\\" + m.group(0), text)


def clip(text: str, limit: int, *, escaped: bool = True, from_end: bool = False) -> str:
    """The longest prefix of `text` (suffix if `from_end`) whose escaped form plus "…" fits `limit`.

    The cut falls at a sentence end if one is in the last third of the kept text, else at a word
    boundary; the result is escaped unless `escaped` is False. Text that fits is returned whole.
    """
    render = escape if escaped else (lambda s: s)
    if len(render(text)) <= limit:
        return render(text)
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:max(limit, 0)]
    budget = limit - len(ELLIPSIS)
    raw = text[::-1] if from_end else text
    keep = budget
    while keep > 0 and len(render(_orient(raw[:keep], from_end))) > budget:
        keep -= max(1, (len(render(_orient(raw[:keep], from_end))) - budget) // 2)
    piece = _boundary(raw[:keep], from_end, next_char=raw[keep:keep + 1])
    body = render(_orient(piece, from_end))
    return ELLIPSIS + body if from_end else body + ELLIPSIS


def _orient(text: str, reversed_: bool) -> str:
    return text[::-1] if reversed_ else text


def _boundary(piece: str, from_end: bool, next_char: str) -> str:
    """Shorten `piece` (reversed if `from_end`) to end at a sentence or word boundary, when one is near.

    Only the cut side is stripped, so whitespace at the other end (a seam with the bold sentence) stays.
    """
    if not piece or next_char.isspace() or next_char == "":
        return piece.rstrip()
    if not from_end:
        ends = [m.end() for m in _SENTENCE_END.finditer(piece)]
        if ends and ends[-1] >= len(piece) * 2 / 3:
            return piece[:ends[-1]].rstrip()
    space = max(piece.rfind(" "), piece.rfind("\n"))
    return (piece[:space] if space >= len(piece) // 2 else piece).rstrip()


def highlighted_quote(hit: Hit, limit: int) -> str:
    """The passage with its answering sentence in bold, escaped, within `limit` characters.

    The sentence is kept first; what fits of the text after it, then before it, is added around it.
    """
    start, end = hit.highlight
    before, sentence, after = hit.quote[:start], hit.quote[start:end], hit.quote[end:]
    # Whitespace inside ** stops Discord from rendering bold, so it moves outside the markers.
    lead = sentence[:len(sentence) - len(sentence.lstrip())]
    trail = sentence[len(sentence.rstrip()):]
    before, after, sentence = before + lead, trail + after, sentence.strip()
    if not sentence:
        return clip(hit.quote, limit)
    bold = "**" + clip(sentence, max(limit - 4, 1)) + "**"
    rest = limit - len(bold)
    tail = clip(after, rest) if after.strip() and rest > 0 else ""
    rest -= len(tail)
    head = clip(before, rest, from_end=True) if before.strip() and rest > 0 else ""
    return head + bold + tail


def link(text: str, url: str | None) -> str:
    """`text` (already escaped) as a masked link to an http(s) `url`, or plain when there is no safe URL."""
    if not url or not re.match(r"https?://[^\s]+$", url):
        return text
    safe = percent_encode(url, safe=":/?#&=%+;,@!$'*~.-_")
    return f"[{text}]({safe})"


def cite(doc: DocumentInfo, limit: int) -> str:
    """A citation: publisher and title, linked to the article URL, then the date.

    A URL too long to leave room for the text is left out rather than cut (a cut URL is a wrong link).
    """
    url = doc.url if len(link("", doc.url)) <= limit // 2 else None
    date = f" · {escape(doc.published)}" if doc.published else ""
    title = clip(doc.title, TITLE, escaped=False)
    if title and not is_untitled(doc.title):  # the stand-in of a missing title (its file name) is no headline
        title = f"“{title}”"
    name = " — ".join(part for part in (doc.publisher, title) if part)
    return link(clip(name, limit - len(link("", url)) - len(date)), url) + date


@dataclass(frozen=True)
class Page:
    """Which passages of an answer one embed shows: `number` (0-based) of `count` pages."""

    number: int
    count: int
    start: int
    stop: int


def page_of(answer: Answer, number: int, per_page: int) -> Page:
    count = max(1, math.ceil(len(answer.passages) / per_page))
    number = min(max(number, 0), count - 1)
    return Page(number, count, number * per_page, min(len(answer.passages), (number + 1) * per_page))


# An answer is read on a phone: 400 px wide, one screen shows about 720 px of messages. There a line of
# embed text holds about 34 characters (bold or quoted; 38 plain), the title about 28, and besides the
# title, the description and the Sources, the message takes about 270 px (name, paddings, footer, two rows
# of buttons): 25 lines of 18 px are left. bench/embeds.py measures the real heights in a Discord mock.
PHONE_CHARS = 34
PHONE_TITLE_CHARS = 28
PHONE_LINES = 27
ANSWER_LINE = 350  # characters of the answering sentence
QUOTE = 240  # characters of a further passage's quote, its context included
QUOTE_MIN_LINES = 3
TITLE = 48  # characters of an article title in the Sources list
SOURCES = 800  # characters of the Sources list
FIELD_NAME = 100  # characters of a name (an outlet) in a line of quotes
_MASKED_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\([^)]*\)")


def phone_lines(markdown: str, chars: int = PHONE_CHARS) -> int:
    """Lines `markdown` takes on a phone (an estimate by characters, see `PHONE_CHARS`)."""
    lines = 0
    for line in markdown.split("\n"):
        shown = _MASKED_LINK.sub(r"\1", line.removeprefix("> "))
        shown = re.sub(r"\\(.)", r"\1", shown.replace("**", "").replace(_ZWSP, ""))
        lines += max(1, math.ceil(len(shown) / chars))
    return lines


def answer_embed(answer: Answer, page: Page) -> discord.Embed:
    """One page of an answer, for a phone screen: on the first page the answering sentence alone, in bold,
    with its citation number; then each further passage as a block quote of its highlighted sentence with
    at most one sentence of context; then one "Sources" line per article, linked, with the numbers of
    the passages it backs (its own and those it "also reported").
    """
    title = clip(answer.question, LIMITS.title)
    if not answer.answered:
        return discord.Embed(title=title, description=escape(answer.answer), color=NOT_COVERED_COLOR)
    hits = answer.passages[page.start:page.stop]
    numbers = list(range(page.start + 1, page.stop + 1))
    footer = (f"Page {page.number + 1}/{page.count} · " if page.count > 1 else "") + \
        "Quoted verbatim from the briefings"
    sources = _sources(hits, numbers)
    room = min(LIMITS.description, LIMITS.total - len(title) - len(footer) - len(sources) - 16)
    lines = PHONE_LINES - phone_lines(title, PHONE_TITLE_CHARS) - phone_lines(sources) - 1
    embed = discord.Embed(title=title, description=_quotes(hits, numbers, page.start == 0, room, lines),
                          color=COLOR)
    embed.add_field(name="Sources", value=sources, inline=False)
    embed.set_footer(text=footer)
    return embed


def _quotes(hits: Sequence[Hit], numbers: Sequence[int], leads: bool, room: int, lines: int) -> str:
    """The answer line (when `leads`) and the block quotes, sharing `room` characters and about `lines`
    lines of a phone screen (each quote gets at least `QUOTE_MIN_LINES`)."""
    parts: list[str] = []
    for i, (number, hit) in enumerate(zip(numbers, hits, strict=True)):
        mark = f" [{number}]"
        share = (room - sum(len(p) + 2 for p in parts)) // (len(hits) - i) - len(mark) - 2
        left = lines - sum(phone_lines(p) + 1 for p in parts)
        fit = max(QUOTE_MIN_LINES, left // (len(hits) - i) - 1) * PHONE_CHARS - len(mark)
        if i == 0 and leads:
            parts.append(_answer_line(hit, max(min(share, ANSWER_LINE), 1)) + mark)
        else:
            parts.append(_block_quote(context_quote(hit, max(min(share, QUOTE, fit), 1)) + mark))
    return "\n\n".join(parts)


def _answer_line(hit: Hit, limit: int) -> str:
    sentence = hit.quote[hit.highlight[0]:hit.highlight[1]].strip() or hit.quote.strip()
    return "**" + clip(sentence, max(limit - 4, 1)) + "**"


def _block_quote(text: str) -> str:
    """`text` as one Discord block quote: every line prefixed, a paragraph break shown as a line break."""
    lines = [line for line in text.split("\n") if line.strip()]
    return "\n".join("> " + line for line in lines)


def context_quote(hit: Hit, limit: int) -> str:
    """The highlighted sentence in bold with at most one sentence of context, where it fits in `limit`: the
    one before it, or when it opens the passage, the one after. Whole sentences are quoted as they are; a
    sentence too long for `limit` is cut with "…"."""
    start, end = hit.highlight
    spans = list(hit.sentences) or [(0, len(hit.quote))]
    inside = next((i for i, (a, b) in enumerate(spans) if a <= start < b), None)
    if inside is not None:
        near = spans[inside - 1] if inside > 0 else spans[inside + 1] if inside + 1 < len(spans) else None
        if near is not None and len(escape(hit.quote[min(start, near[0]):max(end, near[1])])) <= limit - 8:
            start, end = min(start, near[0]), max(end, near[1])
    view = Hit(hit.quote[start:end], hit.score, hit.source, hit.passage_id,
               (hit.highlight[0] - start, hit.highlight[1] - start))
    return highlighted_quote(view, limit)


def _sources(hits: Sequence[Hit], numbers: Sequence[int]) -> str:
    """One line per article: the numbers of the passages it backs, then its linked citation."""
    cited: dict[str, tuple[DocumentInfo, list[int]]] = {}
    for number, hit in zip(numbers, hits, strict=True):
        for doc in (hit.source, *hit.also_reported_by):
            entry = cited.setdefault(doc.id, (doc, []))
            if number not in entry[1]:
                entry[1].append(number)
    lines: list[str] = []
    for shown, (doc, cites) in enumerate(cited.values()):
        line = "[" + ", ".join(map(str, cites)) + "] " + cite(doc, SOURCES // 4)
        if sum(len(x) + 1 for x in lines) + len(line) > SOURCES - 20:  # room for the line below
            lines.append(f"… and {len(cited) - shown} more")
            break
        lines.append(line)
    return "\n".join(lines)


def sources_embed(entries: Sequence[SourceEntry]) -> discord.Embed:
    """The sources answered where it is asked, one field each (the first 25): what it is (marked when it
    is this server's own, not shared by every server), how much of it is indexed and when it was last
    indexed, as a Discord timestamp that each reader sees in their own zone ("2 hours ago")."""
    embed = discord.Embed(title="Sources", color=COLOR)
    if not entries:
        embed.description = "No sources are registered."
        return embed
    if any(entry.scope != OPERATOR for entry in entries):
        embed.description = "Shared sources are answered in every server; this server's own only here."
    shown = entries[:LIMITS.fields]
    for entry in shown:
        indexed = (discord.utils.format_dt(datetime.fromisoformat(entry.last_indexed), "R")
                   if entry.last_indexed else "never")
        whose = "" if entry.scope == OPERATOR else "this server's · "
        embed.add_field(
            name=clip(entry.name, LIMITS.field_name),
            value=f"{whose}{_what_source(entry)} · {_count(entry.documents, 'document')} · "
                  f"{_count(entry.passages, 'passage')} · indexed {indexed}",
            inline=False,
        )
    if len(entries) > len(shown):
        embed.set_footer(text=f"Showing {len(shown)} of {len(entries)} sources")
    return embed


_WEB_KIND_WORDS = {"url": "web page", "feed": "news feed"}


def _what_source(entry: SourceEntry) -> str:
    """What a source is, in a reader's words: a web page or a feed (linked), a file a moderator uploaded,
    or the article files the bot was set up with."""
    if entry.kind in web_kinds():  # the address cut to leave room for the rest of the field
        return f"{_WEB_KIND_WORDS.get(entry.kind, entry.kind)} {clip(entry.location, 800)}"
    if entry.added_by.startswith("discord:"):  # Discord adds files only by upload
        return "uploaded file"
    return "article files"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def timeline_embed(timeline: Timeline) -> discord.Embed:
    """One field per event, in date order (all, or the `EMBED_EVENTS` reported by most outlets, as far as
    6000 characters go): the date as people write it, the event's headline (the verbatim clause of its best
    quote, "…" where words are left out) as a block quote, and the outlets that report it. Every event and
    every outlet's whole sentence is one click away (`timeline_quotes_embed`), so the message stays short."""
    title = clip(f"Timeline: {timeline.topic}" if timeline.topic else "Timeline", LIMITS.title)
    embed = discord.Embed(title=title, color=COLOR)
    span = _span(timeline)
    if not timeline.events:
        about = f" about {escape(timeline.topic)}" if timeline.topic else ""
        embed.description = f"The briefings date no events{about}" + (f" in {span}" if span else "") + "."
        return embed
    used = len(title) + FOOTER_ROOM
    shown = 0
    for event in most_reported(timeline.events, EMBED_EVENTS):
        name, value = _event_heading(event), _headline_value(event)
        if used + len(name) + len(value) > LIMITS.total:
            break
        embed.add_field(name=name, value=value, inline=False)
        used += len(name) + len(value)
        shown += 1
    count = len(timeline.events)
    footer = f"{count} dated events" + (f", showing the {shown} most reported" if shown < count else "")
    embed.set_footer(text=footer + (f" · {span}" if span else "") + " · headlines quoted verbatim")
    return embed


FOOTER_ROOM = 120
EMBED_EVENTS = 10  # fields: 25 made a message five phone screens tall
HEADLINE_ROOM = 300  # characters of a headline in a field (headlines are ~140)


def _span(timeline: Timeline) -> str:
    if not (timeline.since or timeline.until):
        return ""
    return " – ".join(human_date(d.isoformat()) if d else "…" for d in (timeline.since, timeline.until))


def _event_heading(event: TimelineEntry) -> str:
    return clip(human_date(event.date) + (" · ⚠️ outlets date it differently" if event.disagreement else ""),
                LIMITS.field_name, escaped=False)


def _outlets(event: TimelineEntry) -> list[str]:
    return list(dict.fromkeys(outlet(q.source) for q in event.quotes))


def _headline_value(event: TimelineEntry) -> str:
    """"> headline" and "— Outlet, Outlet" (with how many quotes there are when more than one)."""
    outlets = _outlets(event)
    count = f" · {len(event.quotes)} quotes" if len(event.quotes) > 1 else ""
    who = "— " + clip(", ".join(outlets), FIELD_NAME) + count
    return "> " + clip(event.headline or event.summary, HEADLINE_ROOM) + "\n" + who


def timeline_quote_pages(timeline: Timeline) -> list[range]:
    """The entries each page of full quotes shows: as many as fit one embed, in order."""
    pages: list[range] = []
    start, used = 0, 0
    for number, event in enumerate(timeline.events):
        size = len(_event_heading(event)) + len(_quotes_value(event))
        if number > start and (used + size > LIMITS.total - FOOTER_ROOM - LIMITS.title
                               or number - start == LIMITS.fields):
            pages.append(range(start, number))
            start, used = number, 0
        used += size
    return [*pages, range(start, len(timeline.events))] if timeline.events else [range(0)]


def timeline_quotes_embed(timeline: Timeline, number: int) -> tuple[discord.Embed, int]:
    """Page `number` of every outlet's whole quote, entry by entry; returns the embed and the page count."""
    pages = timeline_quote_pages(timeline)
    number = min(max(number, 0), len(pages) - 1)
    title = clip(("All quotes: " + timeline.topic) if timeline.topic else "All quotes", LIMITS.title)
    embed = discord.Embed(title=title, color=COLOR)
    for index in pages[number]:
        event = timeline.events[index]
        embed.add_field(name=_event_heading(event), value=_quotes_value(event), inline=False)
    if not timeline.events:
        embed.description = "The briefings date no events."
    embed.set_footer(text=f"Page {number + 1}/{len(pages)} · quoted verbatim from the briefings")
    return embed, len(pages)


def _quotes_value(event: TimelineEntry) -> str:
    """Each quote as a block quote with its outlet and the day it was reported, sharing the field."""
    lines: list[str] = []
    budget = LIMITS.field_value
    for i, quote in enumerate(event.quotes):
        share = (budget - sum(len(line) + 1 for line in lines)) // (len(event.quotes) - i) - 1
        reported = f", reported {human_date(quote.source.published)}" if quote.source.published else ""
        dated = f", dates it {human_date(quote.date)}" if event.disagreement else ""
        who = "\n— " + clip(quote.source.publisher or quote.source.title, FIELD_NAME) + reported + dated
        if share <= len(who) + 6:
            break
        lines.append("> " + clip(quote.quote, share - len(who) - 2) + who)
    return "\n".join(lines) or ELLIPSIS


def message(text: str) -> str:
    """A short plain message (errors, notices) escaped and cut to the 2000-character content limit."""
    return clip(text, LIMITS.content)
