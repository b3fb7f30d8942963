"""Rendering of answers, sources and timelines: escaping of hostile article text, and Discord's limits."""

from __future__ import annotations

import re
from datetime import date

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import (
    ELLIPSIS,
    LIMITS,
    answer_embed,
    clip,
    escape,
    highlighted_quote,
    message,
    page_of,
    sources_embed,
    timeline_embed,
    timeline_quote_pages,
    timeline_quotes_embed,
)
from index.registry import SourceEntry
from index.search import NOT_COVERED, Answer, Hit
from index.store import DocumentInfo
from index.timeline import Timeline, TimelineEntry, TimelineQuote
from tests.helpers import within_limits

SCMP = DocumentInfo("d1", "seeds", "Chinese officials' trip", "South China Morning Post", "2024-06-17",
                    "https://www.scmp.com/news/article/1")
HOSTILE = ("@everyone @here <@123456789012345678> <@&123456789012345678> <#123456789012345678> "
           "[click me](https://evil.example/x) **bold** __u__ ~~s~~ ||spoiler|| `code` \\*star\\* "
           "> quote\n# Heading\n- item </cmd:1> <t:1718600000:R> <:emoji:1>")


def unescape(markdown: str) -> str:
    """What Discord displays for escaped text: backslash escapes removed, zero-width spaces dropped, a URL
    in <...> shown without its brackets."""
    parts = re.split(r"<(https?://[^\s<>]+)>", markdown)
    shown = [part if i % 2 else re.sub(r"\\(.)", r"\1", part, flags=re.S) for i, part in enumerate(parts)]
    return "".join(shown).replace("\u200b", "")


def hit(quote: str, sentence: str, source: DocumentInfo = SCMP,
        also: list[DocumentInfo] | None = None) -> Hit:
    start = quote.index(sentence)
    sentences = tuple(m.span() for m in re.finditer(r"[^.!?\s][^.!?]*[.!?]*", quote))
    return Hit(quote, 0.7, source, "p1", (start, start + len(sentence)), also or [], sentences)


def answer(*hits: Hit, question: str = "When will Putin travel to North Korea?") -> Answer:
    return Answer(question, bool(hits), "“…”" if hits else NOT_COVERED, list(hits), {})


def test_escape_neutralizes_markdown_mentions_and_links() -> None:
    escaped = escape(HOSTILE)
    assert unescape(escaped) == HOSTILE  # verbatim once rendered
    shown = escaped.replace("\\", "")
    for live in ("@everyone", "@here", "<@1", "<@&", "<#", "</", "<t:", "<:"):
        assert live not in shown, live
    # Every markdown character outside a URL is preceded by a backslash; nothing pings.
    assert re.search(r"(?<!\\)[*_~|`\[\]()]", re.sub(r"<https?://[^>]*>", "", escaped)) is None
    assert "@\u200beveryone" in escaped and "<\u200b@123" in escaped


def test_escape_cannot_be_undone_by_backslashes_in_the_article() -> None:
    # A backslash in the text must not cancel the escape of the next character.
    escaped = escape("\\[x\\](https://evil.example)")
    assert escaped == "\\\\\\[x\\\\\\]\\(<https://evil.example>\\)"


@pytest.mark.parametrize("text", ["Short enough.", "x" * 10])
def test_clip_keeps_text_that_fits(text: str) -> None:
    assert clip(text, 100) == escape(text)


def test_clip_cuts_at_sentence_then_word_boundaries() -> None:
    text = "First sentence is here. Second one is a bit longer than that and goes on."
    assert clip(text, 32) == "First sentence is here." + ELLIPSIS  # a sentence end in the last third
    assert clip(text, 60).endswith(" is a bit longer than…")  # else a word boundary
    words = "alpha beta gamma delta epsilon zeta eta theta"
    cut = clip(words, 20)
    assert cut.endswith(ELLIPSIS) and len(cut) <= 20 and words.startswith(cut[:-1])
    assert cut[:-1].split()[-1] in words.split()  # no half word
    tail = clip(words, 20, from_end=True)
    assert tail.startswith(ELLIPSIS) and words.endswith(tail[1:]) and tail[1:].split()[0] in words.split()


def test_clip_counts_escapes_against_the_limit() -> None:
    assert len(clip("*" * 5000, 1024)) <= 1024


@given(st.text(min_size=0, max_size=3000), st.integers(min_value=1, max_value=2000))
@settings(max_examples=200, deadline=None)
def test_clip_always_fits(text: str, limit: int) -> None:
    assert len(clip(text, limit)) <= limit
    assert len(clip(text, limit, from_end=True)) <= limit


def test_highlight_bolds_the_answering_sentence() -> None:
    quote = "Talks were held. Meanwhile, Putin will travel to North Korea on Tuesday. More follows."
    rendered = highlighted_quote(hit(quote, "Meanwhile, Putin will travel to North Korea on Tuesday."), 1000)
    assert rendered == ("Talks were held. **Meanwhile, Putin will travel to North Korea on Tuesday.** "
                        "More follows.")


def test_highlight_of_a_huge_quote_keeps_the_sentence_within_limit() -> None:
    sentence = "Putin will travel to North Korea on Tuesday."
    quote = "word " * 20000 + sentence + " more" * 20000  # a 200k-character "passage"
    rendered = highlighted_quote(hit(quote, sentence), 1000)
    assert len(rendered) <= 1000
    assert f"**{sentence}**" in rendered
    assert rendered.startswith(ELLIPSIS) and rendered.endswith(ELLIPSIS)


def test_answer_embed_leads_with_the_answer_then_quotes_then_one_line_per_article() -> None:
    benzinga = DocumentInfo("d2", "seeds", "Talks", "Benzinga", "2024-06-17", None)
    sentence = "Meanwhile, Putin will travel to North Korea on Tuesday, the Kremlin said."
    answer_quote = "Talks were held. " + sentence
    second = "It is his first visit in decades. Moscow seeks closer ties. A third sentence follows here."
    hits = [hit(answer_quote, sentence, also=[benzinga]), hit(second, "Moscow seeks closer ties.")]
    data = answer_embed(answer(*hits), page_of(answer(*hits), 0, 3)).to_dict()
    assert data["title"] == escape("When will Putin travel to North Korea?")
    first, rest = data["description"].split("\n\n", 1)
    assert first == f"**{escape(sentence)}** [1]"  # the answering sentence alone, first
    # A further passage: a block quote of its highlight with one sentence of context, then its number.
    assert rest == "> It is his first visit in decades. **Moscow seeks closer ties.** [2]"
    assert [f["name"] for f in data["fields"]] == ["Sources"]
    # One line per article (SCMP backs [1] and [2], Benzinga reported [1] too), linked where it has a URL.
    assert unescape(data["fields"][0]["value"]).splitlines() == [
        "[1, 2] [South China Morning Post — “Chinese officials' trip”](https://www.scmp.com/news/article/1)"
        " · 2024-06-17",
        "[1] Benzinga — “Talks” · 2024-06-17"]


def test_an_untitled_article_is_cited_by_its_file_name_not_quoted_as_a_headline() -> None:
    """As `index.citation` cites it: the stand-in title (the file name, marked) is no headline."""
    untitled = DocumentInfo("d4", "notes", "brief.txt (untitled)", "notes", "2024-06-17", None)
    quote = "Putin will travel to North Korea on Tuesday."
    one = answer(hit(quote, quote, source=untitled))
    data = answer_embed(one, page_of(one, 0, 3)).to_dict()
    assert unescape(data["fields"][0]["value"]) == "[1] notes — brief.txt (untitled) · 2024-06-17"


def test_bare_urls_in_article_text_are_links_never_escaped_inside() -> None:
    url = "https://example.org/a_b*c/d_e?x=1&y=2"
    quote = f"See {url}. The answer is here."
    data = answer_embed(answer(hit(quote, quote)), page_of(answer(hit(quote, quote)), 0, 3)).to_dict()
    assert f"<{url}>" in data["description"]
    assert unescape(data["description"]).startswith(f"**See {url}. The answer is here.**")


def test_not_covered_is_said_plainly() -> None:
    embed = answer_embed(answer(), page_of(answer(), 0, 3))
    assert embed.description == escape(NOT_COVERED) and not embed.fields


def test_hostile_article_cannot_inject_a_link_or_ping() -> None:
    evil = DocumentInfo("d3", "evil", "[Free](https://evil.example) @everyone", "<@&1234567890123456789>",
                        None, "javascript:alert(1)")
    quote = HOSTILE + " The answer is here."
    embed = answer_embed(answer(hit(quote, "The answer is here.", source=evil)),
                         page_of(answer(hit(quote, "The answer is here.")), 0, 3))
    data = embed.to_dict()
    visible = " ".join([data["description"], *(f["name"] + f["value"] for f in data["fields"])])
    assert "](https://evil" not in visible.replace("\\", "") or "\\]\\(https://evil" in visible
    assert "javascript:" not in visible  # not a link
    assert "@everyone" not in visible and "<@&" not in visible


def test_a_page_of_huge_passages_stays_within_every_limit() -> None:
    long = "x" * 60 + " "
    hits = [hit((long * 2000) + "Answer. " + (long * 2000), "Answer.",
                source=DocumentInfo(f"d{i}", "s", "T" * 5000, "P" * 5000, "2024",
                                    "https://e.com/" + "a" * 3000),
                also=[DocumentInfo(f"o{j}", "s", "O" * 5000, "Q" * 300, None, None) for j in range(30)])
            for i in range(10)]
    big = answer(*hits, question="?" * 5000)
    for number in range(2):
        embed = answer_embed(big, page_of(big, number, 10))
        assert within_limits(embed), embed.to_dict().keys()
        assert embed.fields[0].value.splitlines()[-1].startswith("… and ")


def test_pages() -> None:
    quote = "One sentence."
    five = answer(*[hit(quote, quote)] * 5)
    assert [(p.number, p.count, p.start, p.stop) for p in (page_of(five, n, 2) for n in (0, 2, 9))] == [
        (0, 3, 0, 2), (2, 3, 4, 5), (2, 3, 4, 5)]
    embed = answer_embed(five, page_of(five, 1, 2))
    # Further pages hold block quotes only, numbered on from the previous page.
    assert embed.description == "> **One sentence.** [3]\n\n> **One sentence.** [4]"
    assert unescape(embed.fields[0].value).startswith("[3, 4] [South China Morning Post")
    assert embed.footer.text is not None and embed.footer.text.startswith("Page 2/3")


def test_sources_embed() -> None:
    entries = [SourceEntry(f"s{i}", "folder", "/x", "cli", "2024", None, i, 2 * i, "operator" if i else "111")
               for i in range(30)]
    embed = sources_embed(entries)
    assert len(embed.fields) == LIMITS.fields and within_limits(embed)
    assert embed.description == "Shared sources are answered in every server; this server's own only here."
    assert embed.fields[0].value == "this server's · article files · 0 documents · 0 passages · indexed never"
    assert embed.fields[1].value == "article files · 1 document · 2 passages · indexed never"
    assert embed.footer.text == "Showing 25 of 30 sources"
    assert sources_embed([]).description == "No sources are registered."


def test_sources_say_what_each_is_and_when_it_was_indexed_in_the_readers_zone() -> None:
    """No internal words (a folder, a kind's name); the time a Discord timestamp each reader sees in their
    own zone, relative ('2 hours ago')."""
    indexed = "2026-11-29T17:16:22+00:00"
    entries = [
        SourceEntry("seeds", "folder", "/srv/briefbot/seeds", "default", "2024", indexed, 2, 17),
        SourceEntry("notes", "folder", "/srv/data/uploads/notes", "discord:42 (mod)", "2024", indexed, 1, 1),
        SourceEntry("tram", "url", "https://news.example/tram", "cli", "2024", indexed, 1, 4),
        SourceEntry("wire", "feed", "https://news.example/feed.xml", "cli", "2024", indexed, 1200, 9000),
    ]
    values = [field.value for field in sources_embed(entries).fields]
    stamp = "<t:1795972582:R>"
    assert values == [
        f"article files · 2 documents · 17 passages · indexed {stamp}",
        f"uploaded file · 1 document · 1 passage · indexed {stamp}",
        f"web page <https://news.example/tram> · 1 document · 4 passages · indexed {stamp}",
        f"news feed <https://news.example/feed.xml> · 1,200 documents · 9,000 passages · indexed {stamp}",
    ]
    assert not any(word in value for value in values for word in ("folder", "url", "/srv"))


def test_timeline_embed_quotes_headlines_with_dates_for_people() -> None:
    benzinga = DocumentInfo("d2", "seeds", "Talks", "Benzinga", "2024-06-17", None)
    events = [
        TimelineEntry("2024-06-18", "day", [
            TimelineQuote("Putin will travel to North Korea on Tuesday.", SCMP, "2024-06-18")],
            headline="Putin will travel to North Korea on Tuesday"),
        TimelineEntry("2024-06", "month", [
            TimelineQuote("\"@everyone talks [in](https://evil.example) June,\" he said.", SCMP, "2024-06"),
            TimelineQuote("Talks in July.", benzinga, "2024-07")], disagreement="Benzinga: 2024-07",
            headline="\"@everyone talks [in](https://evil.example) June,\" he said…"),
    ]
    embed = timeline_embed(Timeline("Putin", date(2024, 6, 1), None, events))
    assert embed.title == "Timeline: Putin"
    assert [f.name for f in embed.fields] == ["18 Jun 2024", "Jun 2024 · ⚠️ outlets date it differently"]
    assert unescape(embed.fields[0].value) == \
        "> Putin will travel to North Korea on Tuesday\n— South China Morning Post"
    assert unescape(embed.fields[1].value).splitlines() == [
        "> \"@everyone talks [in](https://evil.example) June,\" he said…",
        "— South China Morning Post, Benzinga · 2 quotes"]
    assert "@everyone" not in embed.fields[1].value and "](" not in embed.fields[1].value
    assert "“\"" not in embed.fields[1].value  # no doubled quote marks
    assert embed.footer.text == "2 dated events · 1 Jun 2024 – … · headlines quoted verbatim"

    quotes, pages = timeline_quotes_embed(Timeline("Putin", None, None, events), 0)
    assert pages == 1 and [f.name for f in quotes.fields] == [f.name for f in embed.fields]
    assert unescape(quotes.fields[1].value).splitlines() == [
        "> \"@everyone talks [in](https://evil.example) June,\" he said.",
        "— South China Morning Post, reported 17 Jun 2024, dates it Jun 2024",
        "> Talks in July.", "— Benzinga, reported 17 Jun 2024, dates it Jul 2024"]


def test_a_long_timeline_shows_its_most_reported_events_not_its_first_days() -> None:
    """30 events: the message shows ten, among them the landfall three outlets report on the 25th day,
    not the first ten days; "All quotes" holds every one."""
    def event(day: int, outlets: list[str]) -> TimelineEntry:
        value = f"2022-09-{day:02d}"
        quotes = [TimelineQuote(f"Event {day}.", DocumentInfo(f"d{day}{o}", "s", "t", o, None, None), value)
                  for o in outlets]
        return TimelineEntry(value, "day", quotes, headline=f"Event {day}")

    landfall = ["Gulf Daily", "Wire", "Port Post"]
    events = [event(d, landfall if d == 25 else ["Gulf Daily"]) for d in range(1, 31)]
    timeline = Timeline("Ian", None, None, events)
    embed = timeline_embed(timeline)
    days = [int(f.name.split()[0]) for f in embed.fields]
    assert len(days) == 10 and 25 in days and days == sorted(days)
    assert embed.footer.text.startswith("30 dated events, showing the 10 most reported")
    pages = range(len(timeline_quote_pages(timeline)))
    assert sum(len(timeline_quotes_embed(timeline, n)[0].fields) for n in pages) == 30


def test_timeline_embeds_stay_within_limits_and_empty() -> None:
    quote = TimelineQuote("q" * 5000, SCMP, "2024-01-01")
    many = [TimelineEntry(f"2024-01-{i % 28 + 1:02d}", "day", [quote] * 5, "d" * 5000, "h" * 500)
            for i in range(40)]
    timeline = Timeline("t" * 1000, None, None, many)
    embed = timeline_embed(timeline)
    assert within_limits(embed) and 0 < len(embed.fields) <= 25
    assert "most reported" in (embed.footer.text or "")
    pages = timeline_quote_pages(timeline)
    assert [i for page in pages for i in page] == list(range(40))
    for number in range(len(pages)):
        page, count = timeline_quotes_embed(timeline, number)
        assert within_limits(page) and count == len(pages)
        assert page.footer.text.startswith(f"Page {number + 1}/")
    empty = timeline_embed(Timeline("Mars", None, date(2024, 12, 31), []))
    assert empty.description == "The briefings date no events about Mars in … – 31 Dec 2024."


def test_message_fits_content_limit() -> None:
    assert len(message("@everyone " + "x" * 5000)) <= LIMITS.content
    assert isinstance(answer_embed(answer(), page_of(answer(), 0, 1)), discord.Embed)
