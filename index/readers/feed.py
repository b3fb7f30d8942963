"""An RSS or Atom feed (source kind "feed"): the article pages its entries link to.

Each page is read as a "url" source's; the entry's title and date and the feed's title stand in for what
the page does not say. Document ids are `<source>/<link>`, stable for as long as the entry's link is.

Bounded whatever the feed holds: only the newest `FetchPolicy.max_feed_entries` entries are read (with a
warning naming how many were left), and each page is turned into its article as soon as it arrives, so no
more downloaded pages are held at once than are being downloaded (`FetchPolicy.concurrency`). An entry
whose page fails is skipped with a warning naming its URL (its cached copy is used when there is one); a
feed none of whose entries can be read is an error, so the caller keeps what it had indexed rather than
dropping the whole feed.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from index.fetch import Accept, Fetcher, FetchError, Response
from index.readers import register
from index.readers.page import PAGE, add_page
from index.readers.web import is_url, note
from index.sources import Articles, ReadResult

FEED = Accept(frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                         "application/xml", "text/xml"}), "an RSS or Atom feed")


@dataclass(frozen=True)
class _Entry:
    link: str
    title: str | None
    published: str | None
    publisher: str | None
    stamp: tuple[int, ...] | None  # when the entry was published or updated, for "newest first"


class Feed:
    name = "feed"
    accept = FEED

    async def read(self, url: str, response: Response, fetcher: Fetcher, articles: Articles) -> None:
        entries = _entries(response, articles)
        cap = fetcher.policy.max_feed_entries
        if len(entries) > cap:
            articles.warn(url, f"{len(entries)} entries; reading the newest {cap} (max_feed_entries)")
            # the newest (a stable sort: undated entries after the dated ones), read in feed order
            newest = {e.link for e in sorted(entries, key=lambda e: e.stamp or (), reverse=True)[:cap]}
            entries = [e for e in entries if e.link in newest]
        pages: list[ReadResult] = [ReadResult() for _ in entries]
        import asyncio  # imported here, as in index.fetch

        await asyncio.gather(*(_read_entry(fetcher, entry, Articles(articles.source, page))
                               for entry, page in zip(entries, pages, strict=True)))
        for page in pages:  # in feed order, whatever order the pages arrived in
            articles.result.extend(page)
        if not articles.result.documents:
            first = f": {articles.result.skipped[0]}" if articles.result.skipped else ""
            raise FetchError(f"{url}: none of the feed's {len(entries)} entries could be read{first}")


async def _read_entry(fetcher: Fetcher, entry: _Entry, articles: Articles) -> None:
    """Download one entry's page and make its article at once. Nothing is awaited in between, so a page is
    dropped before another task runs: no more pages are held than are being downloaded (`concurrency`)."""
    try:
        page = await fetcher.get(entry.link, PAGE)
    except FetchError as exc:
        articles.skip(entry.link, "read", str(exc).removeprefix(f"{entry.link}: "))
        return
    note(articles, page)
    articles.attempt(entry.link, "read", lambda: add_page(
        articles, f"{articles.source}/{entry.link}", page, title=entry.title, publisher=entry.publisher,
        published=entry.published))


def _entries(response: Response, articles: Articles) -> list[_Entry]:
    """The entries of a feed that link to a web page, in feed order, each link once."""
    import feedparser  # only feeds need it

    # A stream, never a string: feedparser would take a string for a URL or a file name and open it.
    parsed = feedparser.parse(io.BytesIO(response.body),
                              response_headers={"content-location": response.final_url})
    publisher = parsed.feed.get("title")
    entries: dict[str, _Entry] = {}
    for number, item in enumerate(parsed.entries, 1):
        link = urljoin(response.final_url, item.get("link") or "")
        if not item.get("link") or not is_url(link):
            articles.skip(f"{response.url} entry {number}", "read", "no web link")
            continue
        stamp: time.struct_time | None = item.get("published_parsed") or item.get("updated_parsed")
        published = date(*stamp[:3]).isoformat() if stamp else item.get("published")
        entries.setdefault(link, _Entry(link, item.get("title"), published, publisher,
                                        tuple(stamp[:6]) if stamp else None))
    if not entries:
        if parsed.bozo:
            raise FetchError(f"{response.url}: not a valid RSS or Atom feed ({parsed.bozo_exception})")
        raise FetchError(f"{response.url}: the feed has no entries that link to a web page")
    return list(entries.values())


register(Feed())
