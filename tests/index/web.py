"""A real HTTP server on 127.0.0.1 for the fetching tests: pages that can change while it runs."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Site:
    """Serves `pages` (path -> (body, content type), or a handler of its own) with ETags, answering
    If-None-Match with 304; `log` records (path, status) of every request, `headers` their headers."""

    base: str = ""
    pages: dict[str, tuple[str | bytes, str] | Handler] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def statuses(self, path: str) -> list[int]:
        return [status for p, status in self.log if p == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        page = self.pages.get(request.path)
        if page is None:
            response: web.StreamResponse = web.Response(status=404, text="not found")
        elif callable(page):
            response = await page(request)
        else:
            body, content_type = page
            data = body.encode() if isinstance(body, str) else body
            etag = f'"{hashlib.sha1(data).hexdigest()[:16]}"'
            if request.headers.get("If-None-Match") == etag:
                response = web.Response(status=304, headers={"ETag": etag})
            else:
                response = web.Response(body=data, content_type=content_type, headers={"ETag": etag})
        self.log.append((request.path, response.status))
        return response


@asynccontextmanager
async def serving() -> AsyncIterator[Site]:
    """A `Site` served on 127.0.0.1 (a free port) for the duration of the block."""
    site = Site()
    app = web.Application()
    app.router.add_get("/{path:.*}", site.handle)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        site.base = str(server.make_url("")).rstrip("/")
        yield site


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def stream_of(total: int, content_type: str) -> Handler:
    """A handler that streams `total` bytes in 1 MB chunks without a Content-Length, until the client
    hangs up (which is what a size limit should make it do)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        chunk = b"x" * 2**20
        try:
            for _ in range(total // len(chunk)):
                await response.write(chunk)
        except ConnectionError:
            pass
        return response

    return handler


# A small news site: three articles and an RSS feed of them.
TRAM_QUESTION = "When will the Norrhaven tram line open?"
ARTICLES = {
    "/news/harbour": ("Port Ellen harbour reopens after storm", "Harbour Gazette", "2024-06-10", [
        "The harbour of Port Ellen reopened on Monday, three weeks after a winter storm tore away part of "
        "its northern pier. Fishing boats returned to their moorings before dawn.",
        "Engineers from the county council inspected the repaired pier on Sunday and declared it safe. "
        "The repairs cost about 1.2 million pounds, most of it paid by the national flood fund.",
    ]),
    "/news/tram": ("Norrhaven approves tram line", "Norrhaven Post", "2024-06-12", [
        "The city council of Norrhaven approved the new tram line on Wednesday after a two-year debate. "
        "The line will link the central station with the university campus and the western hospital.",
        "The first trams will run in the spring of 2027, the transport department said, and the line is "
        "expected to carry about 40,000 passengers a day once all eleven stops are open.",
    ]),
    # No publisher and no date in the page: the feed's title and the entry's date stand in.
    "/news/library": ("Old town library restored", None, None, [
        "The old town library has been restored by volunteers over eighteen months, and its reading room "
        "opened to the public again this week with a collection of maritime charts.",
        "The volunteers repaired the oak shelves, rewired the lamps and catalogued more than nine "
        "thousand books, many of them donated by families of former sailors.",
    ]),
}


def article(title: str, publisher: str | None, published: str | None, paragraphs: list[str]) -> str:
    meta = (f'<meta property="og:site_name" content="{publisher}">' if publisher else "") + (
        f'<meta property="article:published_time" content="{published}">' if published else "")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title>{meta}</head><body><nav>Home | News | Sport</nav>"
            f"<article><h1>{title}</h1>{body}</article></body></html>")


def serve_news(site: Site) -> str:
    """Serve the articles and an RSS feed of them; returns the feed's URL."""
    items = ""
    for path, (title, *_rest, paragraphs) in ARTICLES.items():
        site.pages[path] = (article(title, *_rest, paragraphs), "text/html")
        items += (f"<item><title>{title}</title><link>{site.url(path)}</link>"
                  "<pubDate>Fri, 14 Jun 2024 09:00:00 GMT</pubDate></item>")
    site.pages["/feed.xml"] = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Coast Wire</title>'
                               f"<link>{site.base}</link>{items}</channel></rss>", "application/rss+xml")
    return site.url("/feed.xml")
