"""One polite HTTP GET: conditional, size-capped, timed out, redirects followed by hand.

Redirects are followed here rather than by aiohttp so a chain made only of permanent ones (301, 308)
can move the stored URL, while a temporary one (302, 303, 307) never does. aiohttp asks for gzip and
deflate and decompresses; the size cap counts decompressed bytes, so a gzip bomb is cut off too.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot import __version__

PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
               "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")

FetchStatus = Literal["ok", "not_modified", "error"]


def user_agent(contact: str | None = None) -> str:
    """``newsdigest/<version> (feed poller; <contact>)``: names us and our version to every server."""
    return f"newsdigest/{__version__} (feed poller{'; ' + contact if contact else ''})"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a GET gave: a body (``ok``), nothing new (``not_modified``, a 304), or an ``error``."""

    status: FetchStatus
    url: str  # where the answer finally came from
    http_status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when every redirect on the way was permanent
    retry_after: str | None = None  # the raw header of a 429 or 503
    error: str | None = None

    @property
    def label(self) -> str:
        """Short status for logs and the sources table: ``200``, ``304``, ``HTTP 503``, ``timeout``..."""
        if self.status == "error":
            return f"HTTP {self.http_status}" if self.http_status else (self.error or "error").split(":")[0]
        return str(self.http_status)


class TooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Redirect:
    location: str
    permanent: bool


class Fetcher:
    """Shares one aiohttp session; at most ``per_host`` requests to a host and ``concurrency`` overall."""

    def __init__(self, *, timeout: float = 30.0, max_bytes: int = 10_000_000, per_host: int = 2,
                 concurrency: int = 32, contact: str | None = None) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.concurrency = concurrency
        self.headers = {"User-Agent": user_agent(contact)}
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.per_host))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=300)
            # Our own timeout wraps each request once it holds its host's slot (queueing is not "slow").
            self._session = aiohttp.ClientSession(connector=connector, headers=self.headers,
                                                  timeout=aiohttp.ClientTimeout(total=None),
                                                  cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: str = "*/*") -> FetchResult:
        """GET ``url`` with the validators of the last answer; never raises for network or HTTP trouble."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, permanent = url, True
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with self._hosts[_host(current)]:
                    result = await asyncio.wait_for(self._get(current, headers), self.timeout)
            except TimeoutError:
                return FetchResult("error", current, error=f"timeout: no complete answer within {self.timeout:g}s")
            except TooLarge:
                return FetchResult("error", current,
                                   error=f"too large: response over the {self.max_bytes:,} byte cap")
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                return FetchResult("error", current, error=f"network: {type(exc).__name__}: {exc}".rstrip(": "))
            if isinstance(result, _Redirect):
                target = urljoin(current, result.location)
                if urlsplit(target).scheme not in ("http", "https"):
                    return FetchResult("error", current, error=f"redirect: refused target {target!r}")
                permanent = permanent and result.permanent
                current = target
                continue
            return replace(result, moved_to=current) if current != url and permanent else result
        return FetchResult("error", current, error=f"redirect: more than {MAX_REDIRECTS} redirects")

    async def _get(self, url: str, headers: dict[str, str]) -> FetchResult | _Redirect:
        async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
            if resp.status in PERMANENT | TEMPORARY and "Location" in resp.headers:
                return _Redirect(resp.headers["Location"], resp.status in PERMANENT)
            if resp.status == 304:
                return FetchResult("not_modified", url, 304, etag=resp.headers.get("ETag"),
                                   last_modified=resp.headers.get("Last-Modified"))
            if resp.status != 200:
                reason = f"HTTP {resp.status} {resp.reason or ''}".strip()
                return FetchResult("error", url, resp.status, error=reason, retry_after=resp.headers.get("Retry-After"))
            if (resp.content_length or 0) > self.max_bytes:
                raise TooLarge
            body = bytearray()
            async for chunk in resp.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > self.max_bytes:
                    raise TooLarge
            return FetchResult("ok", url, 200, body=bytes(body), content_type=resp.headers.get("Content-Type"),
                               etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"))


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}"
