"""Download web pages and feeds safely, and only when they changed.

Every download is bounded: a total timeout per request, a byte limit enforced while streaming (a 50 MB page
is cut off at the limit, not read), a content-type allow-list, at most `max_redirects` redirects. Hosts
that resolve to private, loopback, link-local, multicast or reserved addresses are refused unless the
policy allows them (tests, or a newsroom's intranet): the check runs on the addresses the connection
actually uses (a checking resolver inside the connector), so a DNS answer that changes between a check and
the connection cannot reach an internal service.

Responses are kept in `<data_dir>/cache/http/`, one file per URL with its ETag/Last-Modified. A later
request sends them back (If-None-Match, If-Modified-Since); a 304 reuses the stored body, so a refresh
downloads only what changed, and a source that is down keeps its last good copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, replace
from functools import cache
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from index.clock import now
from index.sources import SourceError

if TYPE_CHECKING:  # aiohttp is imported when something is downloaded: answering a question never is
    import aiohttp
    from yarl import URL

MB = 2**20
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "briefbot/0.1 (news briefings bot)"
CACHE_DIR = Path("cache") / "http"
# "network": download, fail on error; "fallback": download, else the cached copy; "offline": cache only.
Mode = Literal["network", "fallback", "offline"]


class FetchError(SourceError):
    """A URL could not be fetched or its response is not acceptable; the message names the URL and why."""


class BlockedAddress(OSError):
    """Raised by the resolver: every address of a host is one the policy refuses."""


@dataclass(frozen=True)
class Accept:
    """The content types a request accepts, and how to name them in an error."""

    types: frozenset[str]
    label: str



@dataclass(frozen=True)
class FetchPolicy:
    """Limits of every download, and which private networks may be reached."""

    timeout: float = 20.0  # seconds, per request (each redirect hop is one)
    max_bytes: int = 5 * MB
    max_redirects: int = 5
    concurrency: int = 4  # requests in flight at once
    max_feed_entries: int = 50  # the newest entries of a feed read per refresh
    allow_private: bool = False  # allow every non-public address (config `allow_private_urls`)
    allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()  # or only these

    def allows(self, address: str) -> bool:
        """Whether a connection to this IP address is allowed."""
        ip = ip_address(address)
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
            ip = ip.ipv4_mapped
        if self.allow_private or any(ip.version == n.version and ip in n for n in self.allowed_networks):
            return True
        return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Response:
    """A successful response, downloaded now or earlier (`origin`)."""

    url: str  # as asked for
    final_url: str  # after redirects
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str = ""
    origin: Literal["downloaded", "not-modified", "cache"] = "downloaded"
    note: str | None = None  # why the cached copy was used instead of a download


class HttpCache:
    """The last good response per URL: one file each (a JSON header line, then the body), written whole."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / CACHE_DIR

    def _path(self, url: str) -> Path:
        return self.folder / hashlib.sha256(url.encode()).hexdigest()[:40]

    def load(self, url: str) -> Response | None:
        try:
            header, body = self._path(url).read_bytes().split(b"\n", 1)
            fields = json.loads(header)
            response = Response(**fields, body=body, origin="cache")
        except (OSError, ValueError, TypeError):  # absent, or damaged: as good as absent
            return None
        return response if response.url == url else None

    def store(self, response: Response) -> None:
        """Write atomically (temp file + rename): a reader sees the old copy or the new one, never half."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fields = {k: v for k, v in asdict(response).items() if k not in ("body", "origin", "note")}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(json.dumps(fields).encode() + b"\n" + response.body)
            os.replace(tmp, self._path(response.url))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep: set[str]) -> int:
        """Delete the copies of every URL not in `keep`; returns how many were deleted."""
        wanted = {self._path(url).name for url in keep}
        stale = [p for p in self.folder.glob("*") if p.name not in wanted] if self.folder.exists() else []
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


@cache
def _guarded_resolver() -> type:
    """The class of aiohttp's resolver keeping only the addresses a policy allows (checked at connect
    time); defined when first needed, as aiohttp is imported then."""
    from aiohttp.abc import AbstractResolver, ResolveResult
    from aiohttp.resolver import DefaultResolver

    class GuardedResolver(AbstractResolver):
        def __init__(self, policy: FetchPolicy) -> None:
            self._inner = DefaultResolver()
            self._policy = policy

        async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET,
                          ) -> list[ResolveResult]:
            found = await self._inner.resolve(host, port, family)
            allowed = [r for r in found if self._policy.allows(r["host"])]
            if not allowed:
                raise BlockedAddress(_blocked(host, found[0]["host"] if found else "?"))
            return allowed

        async def close(self) -> None:
            await self._inner.close()

    return GuardedResolver


def _blocked(host: str, address: str) -> str:
    resolved = f" ({address})" if address != host else ""
    return (f"refused: {host}{resolved} is a private, loopback or reserved address; "
            "set allow_private_urls to allow it")


def _check_type(url: str, content_type: str, accept: Accept) -> None:
    if content_type not in accept.types:
        raise FetchError(f"{url}: unsupported content type {content_type} (expected {accept.label})")


class Fetcher:
    """Fetches URLs under a `FetchPolicy` with one HTTP session: `async with Fetcher(...) as fetcher`.

    `stats` counts responses by origin; `used` holds every URL asked for, so a caller can prune the cache.
    """

    def __init__(self, policy: FetchPolicy, cache: HttpCache, mode: Mode = "network") -> None:
        self.policy = policy
        self.cache = cache
        self.mode = mode
        self.stats: Counter[str] = Counter()
        self.used: set[str] = set()
        import asyncio  # imported here: `ask` imports this module (for the source kinds) and never fetches

        self._slots = asyncio.Semaphore(policy.concurrency)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        if self.mode != "offline":
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=_guarded_resolver()(self.policy)),
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
                headers={"User-Agent": USER_AGENT},
            )
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, url: str, accept: Accept) -> Response:
        """The response for `url`: downloaded, or the cached copy when unchanged (304), offline, or (in
        "fallback" mode) when the download fails. Raises `FetchError` with a message for the user."""
        self.used.add(url)
        cached = self.cache.load(url)
        if self.mode == "offline":
            if cached is None:
                raise FetchError(f"{url}: not downloaded yet; run `briefbot refresh`")
            response = cached
        else:
            try:
                async with self._slots:
                    response = await self._download(url, accept, cached)
            except FetchError as exc:
                if self.mode != "fallback" or cached is None:
                    raise
                response = replace(cached, note=f"{exc}; using the copy of {cached.fetched_at}")
        _check_type(response.final_url, response.content_type, accept)  # a cached copy, too
        self.stats[response.origin] += 1
        return response

    async def _download(self, url: str, accept: Accept, cached: Response | None) -> Response:
        import aiohttp
        from yarl import URL

        assert self._session is not None, "use `async with Fetcher(...)`"
        headers = {"Accept": ", ".join(sorted(accept.types))}
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        target = URL(url)
        for _ in range(self.policy.max_redirects + 1):
            self._check_url(target)
            try:
                async with self._session.get(target, headers=headers, allow_redirects=False) as resp:
                    if resp.status in REDIRECTS:
                        if "Location" not in resp.headers:
                            raise FetchError(f"{target}: HTTP {resp.status} redirect without a Location")
                        target = resp.url.join(URL(resp.headers["Location"]))
                        continue
                    if resp.status == 304 and cached is not None:
                        return replace(cached, origin="not-modified")
                    return await self._read(url, resp, accept)
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, BlockedAddress):
                    raise FetchError(f"{target}: {exc.os_error}") from None
                raise FetchError(f"{target}: cannot connect ({exc.os_error.strerror or exc.os_error})"
                                 ) from None
            except TimeoutError:
                raise FetchError(f"{target}: no complete response within {self.policy.timeout:g} s") from None
            except aiohttp.ClientError as exc:
                raise FetchError(f"{target}: download failed ({type(exc).__name__}: {exc})") from None
        raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")

    def _check_url(self, url: URL) -> None:
        """Refuse other schemes, and IP literals the policy refuses (names are checked when resolved)."""
        if url.scheme not in ("http", "https") or not url.host:
            raise FetchError(f"{url}: only http:// and https:// URLs can be fetched")
        try:
            literal = ip_address(url.host)
        except ValueError:
            return
        if not self.policy.allows(str(literal)):
            raise FetchError(f"{url}: {_blocked(url.host, str(literal))}")

    async def _read(self, url: str, resp: aiohttp.ClientResponse, accept: Accept) -> Response:
        final = str(resp.url)
        if not 200 <= resp.status < 300:
            raise FetchError(f"{final}: HTTP {resp.status} {resp.reason or ''}".rstrip())
        _check_type(final, resp.content_type, accept)
        limit = self.policy.max_bytes
        too_large = f"{final}: larger than the {limit / MB:g} MB limit"
        if resp.content_length is not None and resp.content_length > limit:
            raise FetchError(too_large)
        body = bytearray()
        async for chunk in resp.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > limit:
                raise FetchError(too_large)
        response = Response(url, final, resp.content_type, bytes(body), resp.headers.get("ETag"),
                            resp.headers.get("Last-Modified"), now())
        self.cache.store(response)
        return response
