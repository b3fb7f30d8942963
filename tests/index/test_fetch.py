"""Fetching under limits, against a real HTTP server on 127.0.0.1: size, content type, redirects, private
addresses, timeouts, and conditional requests that download only what changed."""

from __future__ import annotations

import asyncio
import re
from ipaddress import ip_network
from pathlib import Path

import pytest
from aiohttp import web

from index.fetch import Fetcher, FetchError, FetchPolicy, HttpCache, Response
from index.readers.feed import FEED
from index.readers.page import PAGE
from tests.index.web import Site, dead_url, stream_of

LOOPBACK = FetchPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
HTML = "<html><body><p>The pier reopened on Monday.</p></body></html>"


async def get(site_url: str, tmp_path: Path, policy: FetchPolicy = LOOPBACK, mode: str = "network",
              accept=PAGE):
    async with Fetcher(policy, HttpCache(tmp_path), mode) as fetcher:
        return await fetcher.get(site_url, accept)


async def test_page_is_downloaded_and_cached(site: Site, tmp_path: Path) -> None:
    site.pages["/a"] = (HTML, "text/html")
    response = await get(site.url("/a"), tmp_path)
    assert (response.body.decode(), response.content_type) == (HTML, "text/html")
    assert response.origin == "downloaded"
    assert HttpCache(tmp_path).load(site.url("/a")).body == response.body


@pytest.mark.parametrize("declared", [True, False])
async def test_a_body_over_the_limit_is_refused_without_reading_it(
    site: Site, tmp_path: Path, declared: bool,
) -> None:
    big = 50 * 2**20
    site.pages["/big"] = ("x" * big, "text/html") if declared else stream_of(big, "text/html")
    with pytest.raises(FetchError, match=r"/big: larger than the 5 MB limit"):
        await get(site.url("/big"), tmp_path)
    assert not HttpCache(tmp_path).load(site.url("/big"))


async def test_content_types_outside_the_allow_list_are_refused(site: Site, tmp_path: Path) -> None:
    site.pages["/doc.pdf"] = (b"%PDF-1.7", "application/pdf")
    site.pages["/feed"] = ("<rss/>", "application/rss+xml")
    with pytest.raises(FetchError, match=r"content type application/pdf \(expected an HTML page\)"):
        await get(site.url("/doc.pdf"), tmp_path)
    with pytest.raises(FetchError, match="expected an HTML page"):
        await get(site.url("/feed"), tmp_path)
    assert (await get(site.url("/feed"), tmp_path, accept=FEED)).content_type == "application/rss+xml"


async def test_http_errors_and_dead_hosts_are_named(site: Site, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"/missing: HTTP 404 Not Found"):
        await get(site.url("/missing"), tmp_path)
    url = dead_url()
    with pytest.raises(FetchError, match=rf"{url}: cannot connect"):
        await get(url, tmp_path)


async def test_redirects_are_followed_up_to_the_cap(site: Site, tmp_path: Path) -> None:
    site.pages["/end"] = (HTML, "text/html")
    for hop in range(1, 7):
        site.pages[f"/r{hop}"] = _redirect(f"/r{hop - 1}" if hop > 1 else "/end")
    response = await get(site.url("/r5"), tmp_path)
    assert (response.url, response.final_url) == (site.url("/r5"), site.url("/end"))
    with pytest.raises(FetchError, match=r"/r6: more than 5 redirects"):
        await get(site.url("/r6"), tmp_path)


async def test_private_addresses_are_refused_unless_allowed(site: Site, tmp_path: Path) -> None:
    site.pages["/a"] = (HTML, "text/html")
    site.pages["/to-metadata"] = _redirect("http://169.254.169.254/latest/meta-data/")
    refused = "is a private, loopback or reserved address; set allow_private_urls"
    with pytest.raises(FetchError, match=rf"{re.escape(site.url('/a'))}: refused: 127\.0\.0\.1 {refused}"):
        await get(site.url("/a"), tmp_path, FetchPolicy())
    # A name is checked on the addresses it resolves to, when connecting.
    with pytest.raises(FetchError, match=rf"refused: localhost \(127\.0\.0\.1\) {refused}"):
        await get(site.url("/a").replace("127.0.0.1", "localhost"), tmp_path, FetchPolicy())
    assert site.log == []
    # Every redirect hop is checked again: the first host is allowed here, the second is not.
    with pytest.raises(FetchError, match=r"169\.254\.169\.254/latest/meta-data/: refused"):
        await get(site.url("/to-metadata"), tmp_path)
    assert (await get(site.url("/a"), tmp_path, FetchPolicy(allow_private=True))).body.decode() == HTML


async def test_a_slow_server_times_out(site: Site, tmp_path: Path) -> None:
    release = asyncio.Event()

    async def stalled(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text=HTML, content_type="text/html")

    site.pages["/slow"] = stalled
    try:
        with pytest.raises(FetchError, match=r"/slow: no complete response within 0.2 s"):
            await get(site.url("/slow"), tmp_path, FetchPolicy(timeout=0.2, allow_private=True))
    finally:
        release.set()


async def test_conditional_requests_download_only_what_changed(site: Site, tmp_path: Path) -> None:
    site.pages["/a"] = (HTML, "text/html")
    first = await get(site.url("/a"), tmp_path)
    again = await get(site.url("/a"), tmp_path)
    assert site.headers[-1]["If-None-Match"] == first.etag
    assert (again.origin, again.body) == ("not-modified", first.body)
    site.pages["/a"] = (HTML.replace("Monday", "Tuesday"), "text/html")
    changed = await get(site.url("/a"), tmp_path)
    assert changed.origin == "downloaded" and b"Tuesday" in changed.body
    assert site.statuses("/a") == [200, 304, 200]


async def test_fallback_keeps_the_last_copy_and_offline_reads_only_the_cache(
    site: Site, tmp_path: Path,
) -> None:
    site.pages["/a"] = (HTML, "text/html")
    await get(site.url("/a"), tmp_path)
    del site.pages["/a"]
    kept = await get(site.url("/a"), tmp_path, mode="fallback")
    assert kept.origin == "cache" and kept.body.decode() == HTML
    assert kept.note.startswith(f"{site.url('/a')}: HTTP 404 Not Found; using the copy of ")
    requests = len(site.log)
    assert (await get(site.url("/a"), tmp_path, mode="offline")).body.decode() == HTML
    with pytest.raises(FetchError, match="not downloaded yet; run `briefbot refresh`"):
        await get(site.url("/other"), tmp_path, mode="offline")
    assert len(site.log) == requests


def test_prune_deletes_the_copies_of_urls_no_longer_used(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    for url in ("http://a.test/", "http://b.test/"):
        cache.store(Response(url, url, "text/html", b"body"))
    assert cache.prune({"http://a.test/"}) == 1
    assert cache.load("http://a.test/") and not cache.load("http://b.test/")


def _redirect(location: str):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": location})

    return handler
