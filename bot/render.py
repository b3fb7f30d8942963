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
from typing import Any
from urllib.parse import quote as percent_encode

import discord

from index import Answer, DocumentInfo, Hit, SourceEntry, Timeline, TimelineEntry, citation, human_date


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


def escape(text: str) -> str:
    """`text` shown literally: no markdown, masked links, mentions, channel links or mass pings.

    Backslash escapes and zero-width spaces are invisible, so the rendered text is still verbatim.
    """
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
    """A citation body: publisher, title and date (`index.search.citation`), linked to the article URL.

    A URL too long to leave room for the text is left out rather than cut (a cut URL is a wrong link).
    """
    url = doc.url if len(link("", doc.url)) <= limit // 2 else None
    return link(clip(citation(doc), limit - len(link("", url))), url)


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


MIN_DESCRIPTION = 1500  # characters kept for the quotes however long the citations are
FIELD_NAME = 100


def answer_embed(answer: Answer, page: Page) -> discord.Embed:
    """One page of an answer: quotes with the answering sentence bold, then numbered citations.

    Quote [n] in the description matches field [n]; each field cites publisher, title, date and link
    and lists the outlets that "also reported" the same passage.
    """
    title = clip(answer.question, LIMITS.title)
    if not answer.answered:
        return discord.Embed(title=title, description=escape(answer.answer), color=NOT_COVERED_COLOR)
    hits = answer.passages[page.start:page.stop]
    numbers = range(page.start + 1, page.stop + 1)
    footer = (f"Page {page.number + 1}/{page.count} · " if page.count > 1 else "") + \
        "Quoted verbatim from the briefings"
    field_room = (LIMITS.total - len(title) - len(footer) - MIN_DESCRIPTION) // max(1, len(hits))
    fields = []
    for number, hit in zip(numbers, hits, strict=True):
        name = f"[{number}] " + clip(hit.source.publisher or hit.source.title, FIELD_NAME)
        fields.append((name, _citation_field(hit, min(LIMITS.field_value, field_room - len(name)))))
    used = len(title) + len(footer) + sum(len(n) + len(v) for n, v in fields)
    embed = discord.Embed(title=title, description=_quotes(hits, numbers, min(LIMITS.description,
                                                                              LIMITS.total - used)),
                          color=COLOR)
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return embed


def _quotes(hits: Sequence[Hit], numbers: range, room: int) -> str:
    """The quotes, each prefixed by its citation number, sharing `room` characters fairly."""
    parts: list[str] = []
    for i, (number, hit) in enumerate(zip(numbers, hits, strict=True)):
        prefix = f"**[{number}]** "
        separator = 2 if i else 0
        share = (room - sum(len(p) + 2 for p in parts)) // (len(hits) - i) - len(prefix) - separator
        parts.append(prefix + highlighted_quote(hit, max(share, 1)))
    return "\n\n".join(parts)


def _citation_field(hit: Hit, budget: int) -> str:
    main = cite(hit.source, budget // 2 if hit.also_reported_by else budget)
    if not hit.also_reported_by:
        return main
    label = "\nAlso reported by: "
    others = "; ".join(citation(doc) for doc in hit.also_reported_by)
    return main + label + clip(others, budget - len(main) - len(label))


def sources_embed(entries: Sequence[SourceEntry]) -> discord.Embed:
    """The registered sources, one field each (the first 25), with their indexed counts."""
    embed = discord.Embed(title="Sources", color=COLOR)
    if not entries:
        embed.description = "No sources are registered."
        return embed
    shown = entries[:LIMITS.fields]
    for entry in shown:
        indexed = entry.last_indexed or "never"
        embed.add_field(
            name=clip(entry.name, LIMITS.field_name),
            value=clip(f"{entry.kind} · {entry.documents} documents · {entry.passages} passages · "
                       f"indexed {indexed}", LIMITS.field_value),
            inline=False,
        )
    if len(entries) > len(shown):
        embed.set_footer(text=f"Showing {len(shown)} of {len(entries)} sources")
    return embed


def timeline_embed(timeline: Timeline) -> discord.Embed:
    """One field per event, in date order (the first 25 that fit in 6000 characters): the date as people
    write it, the event's headline (the verbatim clause of its best quote, "…" where words are left out)
    as a block quote, and the outlets that report it. Every outlet's whole sentence is one click away
    (`timeline_quotes_embed`), so the message stays short."""
    title = clip(f"Timeline: {timeline.topic}" if timeline.topic else "Timeline", LIMITS.title)
    embed = discord.Embed(title=title, color=COLOR)
    span = _span(timeline)
    if not timeline.events:
        about = f" about {escape(timeline.topic)}" if timeline.topic else ""
        embed.description = f"The briefings date no events{about}" + (f" in {span}" if span else "") + "."
        return embed
    used = len(title) + FOOTER_ROOM
    shown = 0
    for event in timeline.events[:LIMITS.fields]:
        name, value = _event_heading(event), _headline_value(event)
        if used + len(name) + len(value) > LIMITS.total:
            break
        embed.add_field(name=name, value=value, inline=False)
        used += len(name) + len(value)
        shown += 1
    count = len(timeline.events)
    footer = f"{count} dated events" + (f", showing the first {shown}" if shown < count else "")
    embed.set_footer(text=footer + (f" · {span}" if span else "") + " · headlines quoted verbatim")
    return embed


FOOTER_ROOM = 120
HEADLINE_ROOM = 300  # characters of a headline in a field (headlines are ~140)


def _span(timeline: Timeline) -> str:
    if not (timeline.since or timeline.until):
        return ""
    return " – ".join(human_date(d.isoformat()) if d else "…" for d in (timeline.since, timeline.until))


def _event_heading(event: TimelineEntry) -> str:
    return clip(human_date(event.date) + (" · ⚠️ outlets date it differently" if event.disagreement else ""),
                LIMITS.field_name, escaped=False)


def _outlets(event: TimelineEntry) -> list[str]:
    return list(dict.fromkeys(q.source.publisher or q.source.title for q in event.quotes))


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


def embed_length(embed: discord.Embed | dict[str, Any]) -> int:
    """The characters Discord counts towards the 6000 total (title, description, fields, footer, author)."""
    data = embed.to_dict() if isinstance(embed, discord.Embed) else embed
    fields = data.get("fields", [])
    return (len(data.get("title", "")) + len(data.get("description", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in fields)
            + len(data.get("footer", {}).get("text", "")) + len(data.get("author", {}).get("name", "")))


def within_limits(embed: discord.Embed) -> bool:
    """True if `embed` satisfies every Discord embed limit (used by tests and as a last-line assert)."""
    data = embed.to_dict()
    fields = data.get("fields", [])
    return (len(data.get("title", "")) <= LIMITS.title
            and len(data.get("description", "")) <= LIMITS.description
            and len(fields) <= LIMITS.fields
            and all(len(f["name"]) <= LIMITS.field_name and len(f["value"]) <= LIMITS.field_value
                    for f in fields)
            and len(data.get("footer", {}).get("text", "")) <= LIMITS.footer
            and embed_length(data) <= LIMITS.total)


def message(text: str) -> str:
    """A short plain message (errors, notices) escaped and cut to the 2000-character content limit."""
    return clip(text, LIMITS.content)
