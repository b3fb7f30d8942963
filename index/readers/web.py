"""Web sources: each URL read by the web reader of the content type it serves (`index.readers.page`,
`index.readers.feed`, or any other registered `WebReader`).

A source added with a kind accepts only that reader's content types; one added without is read by the
reader whose types include the response's. Sources are read concurrently in one HTTP session
(`index.fetch.Fetcher`: bounded downloads, conditional requests, a cache of the last good copy). A source
that cannot be read at all is a `SourceError`, so the caller keeps what it had indexed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from index.fetch import Accept, Fetcher, FetchPolicy, HttpCache, Mode, Response
from index.readers import web_readers
from index.sources import Articles, ReadResult, SourceError


@dataclass(frozen=True)
class WebSource:
    name: str
    url: str
    kind: str | None  # None: whichever web reader the response's content type calls for


@dataclass
class WebRead:
    """What reading some web sources gave: per source its kind and documents, or the error."""

    results: dict[str, ReadResult | SourceError] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # the kind found, for the sources read
    stats: Counter[str] = field(default_factory=Counter)  # responses by origin (see `Response.origin`)
    used: set[str] = field(default_factory=set)  # every URL asked for


def is_url(location: str) -> bool:
    return bool(re.match(r"(?i)https?://", location))


def default_name(url: str) -> str:
    """A source name from a URL's host: `https://www.example.com/rss` -> `example-com`."""
    host = (urlsplit(url).hostname or "web").removeprefix("www.")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", host).strip("-")[:64] or "web"


def note(articles: Articles, response: Response) -> None:
    """Warn when a response is a cached copy used because the download failed."""
    if response.note:
        articles.result.warnings.append(response.note)


def read_web_sources(sources: Sequence[WebSource], policy: FetchPolicy, cache: HttpCache, mode: Mode,
                     ) -> WebRead:
    """Read web sources concurrently in one HTTP session (blocking: call it off any event loop)."""
    import asyncio  # imported here, as in index.fetch

    return asyncio.run(_read_all(sources, policy, cache, mode))


async def _read_all(sources: Sequence[WebSource], policy: FetchPolicy, cache: HttpCache, mode: Mode,
                    ) -> WebRead:
    import asyncio

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
    """The kind found and the documents of one web source."""
    readers = web_readers()
    if source.kind is not None and source.kind not in readers:
        raise SourceError(f"{source.url}: no reader for the source kind {source.kind!r}")
    candidates = [readers[source.kind]] if source.kind else list(readers.values())
    accept = Accept(frozenset().union(*(r.accept.types for r in candidates)),
                    " or ".join(r.accept.label for r in candidates))
    response = await fetcher.get(source.url, accept)
    reader = next(r for r in candidates if response.content_type in r.accept.types)
    articles = Articles(source.name)
    note(articles, response)
    await reader.read(source.url, response, fetcher, articles)
    return reader.name, articles.result
