"""Feeds and article pages end to end, served by a real HTTP server on 127.0.0.1: add a feed, index it, ask,
change one article, refresh (only it is re-embedded), remove it; and bad sources that change nothing."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path

import pytest

import index.readers.page
from index.fetch import Fetcher, FetchPolicy, Response
from index.library import Library
from index.readers.html import extract_html
from index.registry import RegistryError
from index.sources import SourceError
from index.store.generations import Generations
from tests.index.web import ARTICLES, TRAM_QUESTION, Site, article, dead_url, serve_news, stream_of


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """A library with one local source (so that the index never becomes empty), allowed to fetch from
    127.0.0.1."""
    local = tmp_path / "local"
    local.mkdir()
    (local / "choir.txt").write_text("The school choir of Dunmore won the regional contest in March.")
    return Library(tmp_path / "data", default_sources=[local], fetch_policy=FetchPolicy(allow_private=True))


def doc_id(site: Site, path: str) -> str:
    return f"coast/{site.url(path)}"


async def test_feed_add_index_ask_change_refresh_remove(site: Site, library: Library) -> None:
    feed = serve_news(site)
    entry = await asyncio.to_thread(library.add_source, feed, name="coast", added_by="discord:1 (mod)")
    assert (entry.name, entry.kind, entry.location) == ("coast", "feed", feed)
    assert entry.added_by == "discord:1 (mod)"
    requests = len(site.log)
    first = await asyncio.to_thread(library.reindex)
    assert len(site.log) == requests  # reindexing reads the copies downloaded when the feed was added
    coast = first.report.sources["coast"]
    assert sorted(coast.added) == sorted(doc_id(site, path) for path in ARTICLES)
    assert first.warnings == []
    assert library.registry.get("coast").documents == 3

    answer = library.ask(TRAM_QUESTION)
    assert answer.answered
    top = answer.passages[0]
    assert "spring of 2027" in top.quote
    assert (top.source.url, top.source.publisher, top.source.published) == (
        site.url("/news/tram"), "Norrhaven Post", "2024-06-12")
    store = library.searcher().store
    fallback = store.documents[doc_id(site, "/news/library")]
    assert (fallback.publisher, fallback.published) == ("Coast Wire", "2024-06-14")

    # One article changes: the refresh downloads only it and re-embeds only its changed passage.
    title, publisher, published, paragraphs = ARTICLES["/news/tram"]
    changed = [paragraphs[0], paragraphs[1].replace("spring of 2027", "autumn of 2028")]
    site.pages["/news/tram"] = (article(title, publisher, published, changed), "text/html")
    before = library.embedder.encoded
    result = await asyncio.to_thread(library.refresh)
    assert list(result.report.sources) == ["coast"]
    coast = result.report.sources["coast"]
    assert (coast.added, coast.changed, coast.removed) == ([], [doc_id(site, "/news/tram")], [])
    assert library.embedder.encoded - before == result.report.embedded == coast.passages_added >= 1
    assert result.fetched == {"not-modified": 3, "downloaded": 1}
    assert site.statuses("/news/harbour")[-1] == 304 and site.statuses("/news/tram")[-1] == 200
    assert "autumn of 2028" in library.ask(TRAM_QUESTION).passages[0].quote

    await asyncio.to_thread(library.remove_source, "coast")
    gone = await asyncio.to_thread(library.reindex)
    coast = gone.report.sources["coast"]
    assert sorted(coast.removed) == sorted(doc_id(site, path) for path in ARTICLES)
    assert coast.passages_removed == first.report.sources["coast"].passages_added
    assert ("operator", "coast") not in library.searcher().store.passage_counts()
    assert all(not hit.source.id.startswith("coast/") for hit in library.ask(TRAM_QUESTION).passages)


async def test_pages_that_fail_keep_their_last_copy(site: Site, library: Library) -> None:
    feed = serve_news(site)
    await asyncio.to_thread(library.add_source, feed, name="coast")
    await asyncio.to_thread(library.reindex)
    del site.pages["/news/harbour"]
    result = await asyncio.to_thread(library.refresh)
    assert result.report.generation is None  # nothing changed
    [warning] = result.warnings
    assert warning.startswith(f"{site.url('/news/harbour')}: HTTP 404 Not Found; using the copy of")
    del site.pages["/feed.xml"]  # a dead feed keeps its last documents too
    result = await asyncio.to_thread(library.refresh)
    assert result.report.generation is None
    assert any(w.startswith(f"{feed}: HTTP 404") for w in result.warnings)
    assert library.registry.get("coast").documents == 3


async def test_a_single_article_page_is_a_url_source(site: Site, library: Library) -> None:
    serve_news(site)
    entry = await asyncio.to_thread(library.add_source, site.url("/news/tram"))
    assert (entry.name, entry.kind) == ("127-0-0-1", "url")
    result = await asyncio.to_thread(library.reindex)
    assert result.report.sources["127-0-0-1"].added == [f"127-0-0-1/{site.url('/news/tram')}"]
    assert library.ask(TRAM_QUESTION).passages[0].source.url == site.url("/news/tram")


async def test_bad_sources_are_refused_and_change_nothing(site: Site, library: Library) -> None:
    feed = serve_news(site)
    await asyncio.to_thread(library.add_source, feed, name="coast")
    await asyncio.to_thread(library.reindex)
    site.pages["/huge"] = stream_of(50 * 2**20, "text/html")
    site.pages["/report.pdf"] = (b"%PDF-1.7 binary", "application/pdf")
    site.pages["/broken.xml"] = ("<rss><channel><item><title>broken", "application/rss+xml")
    site.pages["/empty"] = ("<html><head><title>Gallery</title></head><body><img src=a.jpg></body></html>",
                           "text/html")
    registry = library.registry.list()
    generation = Generations(library.data_dir).current()
    cases = [
        (dead_url(), "bad", None, "cannot connect"),
        (site.url("/missing"), "bad", None, "HTTP 404 Not Found"),
        (site.url("/huge"), "bad", None, "larger than the 5 MB limit"),
        (site.url("/report.pdf"), "bad", None, "content type application/pdf"),
        (site.url("/broken.xml"), "bad", None, "not a valid RSS or Atom feed"),
        (site.url("/news/tram"), "bad", "feed", r"text/html \(expected an RSS or Atom feed\)"),
        (site.url("/empty"), "bad", None, "no article text found"),
        ("ftp://example.com/feed", "bad", "feed", "needs an http:// or https:// URL"),
    ]
    for url, name, kind, message in cases:
        with pytest.raises(SourceError, match=message):
            await asyncio.to_thread(library.add_source, url, name=name, kind=kind)
        assert library.registry.list() == registry
        assert Generations(library.data_dir).current() == generation
    requests = len(site.log)
    with pytest.raises(RegistryError, match="a source named 'coast' already exists"):
        await asyncio.to_thread(library.add_source, site.url("/news/tram"), name="coast")
    assert len(site.log) == requests  # refused before downloading anything
    assert library.registry.list() == registry


async def test_a_feed_is_read_newest_first_up_to_a_cap_holding_few_pages_at_once(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a feed of 12 entries, the newest 5 are read (a warning says so), and no more downloaded pages are
    in memory at once than the fetcher's concurrency (plus the feed itself): each page becomes its article
    as soon as it arrives."""
    days = [7, 3, 12, 1, 9, 5, 11, 2, 10, 4, 8, 6]  # the publication day of each entry, in feed order
    items = ""
    for day in days:
        path = f"/news/{day}"
        paragraph = f"The harbour council met on June {day} and spoke about the ferry timetable. " * 20
        site.pages[path] = (article(f"Council, June {day}", "Coast Wire", None, [paragraph]), "text/html")
        items += (f"<item><title>Council, June {day}</title><link>{site.url(path)}</link>"
                  f"<pubDate>{day:02d} Jun 2024 09:00:00 GMT</pubDate></item>")
    site.pages["/feed.xml"] = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Coast Wire</title>'
                               f"{items}</channel></rss>", "application/rss+xml")
    alive: weakref.WeakSet[Response] = weakref.WeakSet()
    held = []
    download = Fetcher._read

    async def tracked(self: Fetcher, *args: object) -> Response:
        response = await download(self, *args)
        alive.add(response)
        return response

    def extract(body: bytes) -> tuple:
        held.append(len(alive))
        return extract_html(body)

    monkeypatch.setattr(Fetcher, "_read", tracked)
    monkeypatch.setattr(index.readers.page, "extract_html", extract)
    policy = FetchPolicy(allow_private=True, concurrency=2, max_feed_entries=5)
    library = Library(tmp_path / "data", default_sources=[], fetch_policy=policy)
    await asyncio.to_thread(library.add_source, site.url("/feed.xml"), name="coast")
    assert sorted(int(path.split("/")[-1]) for path, _ in site.log if path.startswith("/news/")) == [
        8, 9, 10, 11, 12]
    assert len(held) == 5 and max(held) <= 1 + policy.concurrency
    result = await asyncio.to_thread(library.reindex)
    assert [d.split("/news/")[1] for d in result.report.added] == ["12", "9", "11", "10", "8"]  # feed order
    assert f"{site.url('/feed.xml')}: 12 entries; reading the newest 5 (max_feed_entries)" in result.warnings
