"""Web sources as `Document`s: an article page (kind "url") or an RSS/Atom feed (kind "feed").

A feed's documents are the article pages its current entries link to, each fetched like a "url" source;
the entry's title and date and the feed's title stand in for what trafilatura cannot find in the page.
Document ids are `<source>/<link>`, stable for as long as the entry's link is. An entry whose page fails
is a warning naming its URL (its cached copy is used when there is one); a feed none of whose entries can
be read is an error, so the caller keeps what it had indexed rather than dropping the whole feed.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from index.fetch import (
    FEED,
    PAGE,
    PAGE_OR_FEED,
    Accept,
    Fetcher,
    FetchError,
    FetchPolicy,
    HttpCache,
    Mode,
    Response,
)
from index.sources import ReadResult, SourceError, add_document, extract_html

WEB_KINDS = ("url", "feed")
_ACCEPT: dict[str | None, Accept] = {"url": PAGE, "feed": FEED, None: PAGE_OR_FEED}


@dataclass(frozen=True)
class WebSource:
    name: str
    url: str
    kind: str | None  # None: a page or a feed, whichever the response is


@dataclass(frozen=True)
class _Entry:
    link: str
    title: str | None
    published: str | None
    publisher: str | None


@dataclass
class WebRead:
    """What reading some web sources gave: per source its kind and documents, or the error."""

    results: dict[str, ReadResult | SourceError] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # "url" or "feed", for the sources read
    stats: Counter[str] = field(default_factory=Counter)  # responses by origin (see `Response.origin`)
    used: set[str] = field(default_factory=set)  # every URL asked for


def is_url(location: str) -> bool:
    return bool(re.match(r"(?i)https?://", location))


def default_name(url: str) -> str:
    """A source name from a URL's host: `https://www.example.com/rss` -> `example-com`."""
    host = (urlsplit(url).hostname or "web").removeprefix("www.")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", host).strip("-")[:64] or "web"


def read_web_sources(sources: Sequence[WebSource], policy: FetchPolicy, cache: HttpCache, mode: Mode,
                     ) -> WebRead:
    """Read web sources concurrently in one HTTP session (blocking: call it off any event loop)."""
    return asyncio.run(_read_all(sources, policy, cache, mode))


async def _read_all(sources: Sequence[WebSource], policy: FetchPolicy, cache: HttpCache, mode: Mode,
                    ) -> WebRead:
    read = WebRead()
    async with Fetcher(policy, cache, mode) as fetcher:
        outcomes = await asyncio.gather(*(_read_or_error(fetcher, source) for source in sources))
    for source, outcome in zip(sources, outcomes, strict=True):
        if isinstance(outcome, SourceError):
            read.results[source.name] = outcome
        else:
            read.kinds[source.name], read.results[source.name] = outcome
    read.stats, read.used = fetcher.stats, fetcher.used
    return read


async def _read_or_error(fetcher: Fetcher, source: WebSource) -> tuple[str, ReadResult] | SourceError:
    try:
        return await read_web(fetcher, source)
    except SourceError as exc:
        return exc


async def read_web(fetcher: Fetcher, source: WebSource) -> tuple[str, ReadResult]:
    """The kind found ("url" or "feed") and the documents of one web source."""
    response = await fetcher.get(source.url, _ACCEPT[source.kind])
    result = ReadResult()
    _note(result, response)
    if response.content_type in PAGE.types:
        _add_page(result, source.name, source.url, response, None)
        if not result.documents:
            raise FetchError(f"{source.url}: no article text found on the page")
        return "url", result
    entries = _entries(response, result.warnings)
    pages = await asyncio.gather(*(_page_or_error(fetcher, entry.link) for entry in entries))
    for entry, page in zip(entries, pages, strict=True):
        if isinstance(page, FetchError):
            result.warnings.append(str(page))
            continue
        _note(result, page)
        _add_page(result, source.name, entry.link, page, entry)
    if not result.documents:
        first = f": {result.warnings[0]}" if result.warnings else ""
        raise FetchError(f"{source.url}: none of the feed's {len(entries)} entries could be read{first}")
    return "feed", result


async def _page_or_error(fetcher: Fetcher, url: str) -> Response | FetchError:
    try:
        return await fetcher.get(url, PAGE)
    except FetchError as exc:
        return exc


def _note(result: ReadResult, response: Response) -> None:
    if response.note:
        result.warnings.append(response.note)


def _add_page(result: ReadResult, source: str, link: str, page: Response, entry: _Entry | None) -> None:
    text, meta = extract_html(page.body)
    fallback = entry or _Entry(link, None, None, None)
    add_document(
        result, page.final_url, f"{source}/{link}", source, text, meta.title or fallback.title,
        meta.publisher or fallback.publisher or urlsplit(page.final_url).hostname,
        meta.published or fallback.published, page.final_url,
    )


def _entries(response: Response, warnings: list[str]) -> list[_Entry]:
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
            warnings.append(f"{response.url}: entry {number} has no web link, skipped")
            continue
        stamp: time.struct_time | None = item.get("published_parsed") or item.get("updated_parsed")
        published = date(*stamp[:3]).isoformat() if stamp else item.get("published")
        entries.setdefault(link, _Entry(link, item.get("title"), published, publisher))
    if not entries:
        if parsed.bozo:
            raise FetchError(f"{response.url}: not a valid RSS or Atom feed ({parsed.bozo_exception})")
        raise FetchError(f"{response.url}: the feed has no entries that link to a web page")
    return list(entries.values())
