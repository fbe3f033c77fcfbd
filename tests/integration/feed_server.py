"""A local feed server on 127.0.0.1 for the poller tests: each path answers with a scripted behaviour
and every request is recorded (path, headers), so tests see exactly what the fetcher sent."""

from __future__ import annotations

import asyncio
import gzip
import json
import queue
import threading
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def feed_json(items: list[tuple[str, str]], *, base: str = "https://news.example/") -> bytes:
    """A JSON export (a format main reads) with one record per (title, body)."""
    records = [{"title": t, "body": b, "url": f"{base}{n}"} for n, (t, b) in enumerate(items)]
    return json.dumps(records).encode()


def feed_rss(items: list[tuple[str, str]], *, base: str = "https://news.example/",
             encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 feed with one item per (title, description), each with a guid and a link."""
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(base)}{n}</link>"
        f'<guid isPermaLink="false">urn:test:{zlib.crc32(t.encode())}</guid>'
        f"<description>{escape(b)}</description><pubDate>Mon, 02 Mar 2026 07:{n % 60:02d}:00 GMT</pubDate></item>"
        for n, (t, b) in enumerate(items))
    xml = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Test wire</title>'
           f"<link>{escape(base)}</link><description>Test</description>{entries}</channel></rss>")
    return xml.encode(encoding)


def story(n: int) -> tuple[str, str]:
    return (f"Harbour authority approves plan number {n}",
            f"The harbour authority approved plan number {n} on Monday after a long debate. "
            f"Officials said work on stage {n} would begin next spring and take two years to finish.")


@dataclass
class FeedServer:
    """Routes by path; ``requests`` holds (path, headers) of every request, ``hits`` counts by path."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    server: TestServer | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)  # set at shutdown: frees stalled handlers
    inflight: int = 0
    max_inflight: int = 0

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        self.hits[request.path] += 1
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            handler = self.routes.get(request.path)
            if handler is None:
                return web.Response(status=404, text="not found")
            return await handler(request)
        finally:
            self.inflight -= 1

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    # Behaviours ------------------------------------------------------------------------------------

    def static(self, path: str, body: Callable[[], bytes] | bytes, *, etag: str | None = None,
               content_type: str = "application/json", gzip_body: bool = False) -> None:
        """200 with ``body`` (or 304 when the request's If-None-Match is ``etag``)."""

        async def handle(request: web.Request) -> web.StreamResponse:
            if etag is not None and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            data = body() if callable(body) else body
            headers = {"Content-Type": content_type, **({"ETag": etag} if etag else {})}
            if gzip_body:
                headers["Content-Encoding"] = "gzip"
                data = gzip.compress(data)
            return web.Response(body=data, headers=headers)

        self.routes[path] = handle

    def redirect(self, path: str, target: str, status: int) -> None:
        async def handle(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": target})

        self.routes[path] = handle

    def scripted(self, path: str, responses: list[Callable[[], web.StreamResponse]]) -> None:
        """Answer the n-th request with the n-th response (the last one repeats)."""

        async def handle(request: web.Request) -> web.StreamResponse:
            n = self.hits[path] - 1
            return responses[min(n, len(responses) - 1)]()

        self.routes[path] = handle

    def stalled(self, path: str) -> None:
        """Never answers (until the server shuts down): the fetcher must time out."""

        async def handle(request: web.Request) -> web.StreamResponse:
            await self.release.wait()
            return web.Response(text="too late")

        self.routes[path] = handle

    def chunked(self, path: str, size: int) -> None:
        """``size`` bytes without a Content-Length: only counting while reading can cap it."""

        async def handle(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse()
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            block = b"x" * 8192
            for _ in range(size // len(block) + 1):
                try:
                    await resp.write(block)
                except (ConnectionResetError, RuntimeError):  # the client hung up: good
                    break
            return resp

        self.routes[path] = handle

    def slow_ok(self, path: str, body: bytes, pause: float) -> None:
        """200 after ``pause`` seconds (to see how many requests overlap)."""

        async def handle(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(pause)
            return web.Response(body=body, content_type="application/json")

        self.routes[path] = handle


@asynccontextmanager
async def feed_server() -> AsyncIterator[FeedServer]:
    fs = FeedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fs._dispatch)
    fs.server = TestServer(app, host="127.0.0.1")
    await fs.server.start_server()
    try:
        yield fs
    finally:
        fs.release.set()
        await fs.server.close()


def response(status: int = 200, body: bytes = b"", headers: dict[str, Any] | None = None) -> Callable[[], web.Response]:
    return lambda: web.Response(status=status, body=body, headers=headers or {}, content_type="application/json")


@contextmanager
def threaded_feed_server() -> Iterator[FeedServer]:
    """The feed server on its own event loop in a thread, for code that runs ``asyncio.run`` itself (the CLI)."""
    loop = asyncio.new_event_loop()
    ready: queue.Queue[FeedServer | BaseException] = queue.Queue()
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with feed_server() as fs:
                ready.put(fs)
                await stop.wait()
        except BaseException as exc:  # pragma: no cover - start-up failure, reported to the test
            ready.put(exc)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started = ready.get(timeout=60)
    if isinstance(started, BaseException):
        raise started
    try:
        yield started
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        loop.close()
