"""``newsdigest bench --feeds N``: feed polling throughput against a local feed server.

The server runs in a child process (its CPU is not ours) on several loopback addresses (127.0.0.2...),
so the per-host limit behaves as with many publishers. The same feeds are polled by the real poller
(cold: every feed new; unchanged: 304s; one new item per feed), and, as the baseline, by a naive
sequential loop without conditional GET, parsing and storing everything each time.
"""

from __future__ import annotations

import asyncio
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ITEMS = 20  # stories per feed
HOSTS = 25
HEADING = "## Feed polling"


# The server (child process) ------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "world-news-2026-01-28.txt"


def sample_paragraphs() -> list[str]:
    """Real news paragraphs (the bundled sample dump's longer lines): what feed items carry."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if len(line.split()) >= 15]


def _item(paragraphs: list[str], feed: int, n: int) -> str:
    """One RSS 2.0 item: a headline and three real paragraphs as escaped HTML, like most news feeds.

    The feed and item numbers make each item its own story (no two fingerprints alike)."""
    from email.utils import format_datetime
    from xml.sax.saxutils import escape

    start = (feed * 7 + n * 3) % len(paragraphs)
    body = [paragraphs[(start + k) % len(paragraphs)] for k in range(3)]
    title = " ".join(body[0].split()[:9]).rstrip(",.;:") + f" (report {feed}-{n})"
    html = "".join(f"<p>{p}</p>" for p in body) + f"<p>Desk {feed} filed report {n}.</p>"
    when = format_datetime(datetime(2026, 1, 28, tzinfo=UTC) + timedelta(minutes=n))
    return (f"<item><title>{escape(title)}</title><link>https://feeds.example/{feed}/{n}</link>"
            f'<guid isPermaLink="false">urn:bench:{feed}:{n}</guid><pubDate>{when}</pubDate>'
            f"<description>{escape(html)}</description></item>")


def rss_feed(paragraphs: list[str], feed: int, first: int) -> bytes:
    """Feed ``feed`` with items ``first`` .. ``first + ITEMS - 1``, newest first."""
    items = "".join(_item(paragraphs, feed, i) for i in reversed(range(first, first + ITEMS)))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench desk {feed}</title>'
            f"<link>https://feeds.example/{feed}/</link><language>en</language>{items}</channel></rss>").encode()


def serve(feeds: int, hosts: int) -> None:
    """Serve /feed/<n>.xml (RSS 2.0) with ETags; POST /bump adds one item to every feed. Prints the port."""
    from aiohttp import web

    version = {"n": 0}
    paragraphs = sample_paragraphs()

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        etag = f'"{n}-{version["n"]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=rss_feed(paragraphs, n, version["n"]), content_type="application/rss+xml",
                            charset="utf-8", headers={"ETag": etag})

    async def bump(request: web.Request) -> web.Response:
        version["n"] += 1
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_post("/bump", bump)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        first = web.TCPSite(runner, "127.0.0.2", 0)
        await first.start()
        port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        for h in range(3, hosts + 2):
            await web.TCPSite(runner, f"127.0.0.{h}", port).start()
        print(port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# The client (this process) -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Round:
    label: str
    feeds: int
    wall: float
    cpu: float
    new: int
    ok: int

    @property
    def per_second(self) -> float:
        return self.feeds / self.wall if self.wall else 0.0

    @property
    def cpu_ms_per_feed(self) -> float:
        return 1000 * self.cpu / self.feeds if self.feeds else 0.0


async def _measure(label: str, feeds: int, work: Callable[[], Awaitable[tuple[int, int]]]) -> Round:
    w0, c0 = time.perf_counter(), time.process_time()  # process time counts the worker threads too
    new, ok = await work()
    return Round(label, feeds, time.perf_counter() - w0, time.process_time() - c0, new, ok)


async def _bench(n: int, port: int, database_url: str | None, tmp: Path) -> list[Round]:
    import aiohttp

    from bot.app.bootstrap import bootstrap
    from bot.app.settings import load_settings
    from bot.ingest.revisions import RevisionFinder
    from bot.ingest.service import parse_fetched, store_parsed
    from bot.sources.config import SourceDefaults
    from bot.sources.poller import Poller
    from bot.sources.registry import SourceRegistry

    urls = [f"http://127.0.0.{2 + i % HOSTS}:{port}/feed/{i}.xml" for i in range(n)]
    settings = load_settings(data_dir=tmp)
    rounds: list[Round] = []

    def app_for(name: str) -> Any:
        return bootstrap(settings, database_url=database_url or f"sqlite:///{tmp / name}.sqlite3")

    app = app_for("poller")
    clock = {"now": datetime.now(UTC)}
    registry = SourceRegistry(app.sessions, SourceDefaults())
    for url in urls:
        registry.add(url, every=600, now=clock["now"])
    poller = Poller(app, registry, clock=lambda: clock["now"])

    async def poll_round() -> tuple[int, int]:
        outcomes = []
        while batch := await poller.poll_due():  # batches of [sources] batch
            outcomes += batch
        clock["now"] += timedelta(seconds=600)
        return sum(o.new for o in outcomes), sum(o.ok for o in outcomes)

    async def bump() -> None:
        async with aiohttp.ClientSession() as s, s.post(f"http://127.0.0.2:{port}/bump") as r:
            await r.read()

    rounds.append(await _measure("newsdigest poller: first poll (all new)", n, poll_round))
    rounds.append(await _measure("newsdigest poller: unchanged feeds (304)", n, poll_round))
    await bump()
    rounds.append(await _measure("newsdigest poller: one new item per feed", n, poll_round))
    await poller.close()
    app.close()

    base_app = app_for("baseline")
    finder = RevisionFinder()

    async def naive_round() -> tuple[int, int]:
        new = ok = 0
        async with aiohttp.ClientSession() as session:
            for url in urls:  # one at a time, no validators: what a cron + curl script does
                async with session.get(url) as resp:
                    body = await resp.read()
                parsed = parse_fetched(body, name=url)
                if isinstance(parsed, tuple):
                    result = store_parsed(base_app, base_app.topics, finder, url, *parsed)
                    new, ok = new + result.new, ok + (result.status != "rejected")
        return new, ok

    rounds.append(await _measure("baseline: sequential, no conditional GET: first poll", n, naive_round))
    rounds.append(await _measure("baseline: sequential, no conditional GET: unchanged feeds", n, naive_round))
    base_app.close()
    return rounds


def run_feeds(n: int, *, database_url: str | None, output: Path | None, machine: str, date: str) -> int:
    server = subprocess.Popen([sys.executable, "-m", "bot.cli.bench_feeds", "--serve", str(n), str(HOSTS)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            rounds = asyncio.run(_bench(n, port, database_url, Path(tmp)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    backend = "PostgreSQL" if database_url and database_url.startswith("postgres") else "SQLite"
    lines = [
        f"{HEADING}", "",
        f"{date}; {machine}. `newsdigest bench --feeds {n}`: {n} RSS 2.0 feeds of {ITEMS} items (real news "
        f"paragraphs from the bundled sample, as escaped HTML) on {HOSTS} loopback hosts (server in a child "
        f"process), {backend} store, default [sources] settings. CPU is this process (fetching, feedparser, "
        "HTML parsing, storing, tagging); peak RSS is the whole run's.", "",
        "| run | feeds/s | CPU ms per feed | new stories | feeds ok |", "|---|---:|---:|---:|---:|",
        *(f"| {r.label} | {r.per_second:.1f} | {r.cpu_ms_per_feed:.1f} | {r.new} | {r.ok}/{r.feeds} |"
          for r in rounds),
        "", f"Peak RSS: {peak_mb:.0f} MB.", "", *_reading(rounds), "",
    ]
    for r in rounds:
        print(f"feeds    {r.label}: {r.per_second:.1f} feeds/s, CPU {r.cpu_ms_per_feed:.1f} ms/feed, "
              f"{r.new} new, {r.ok}/{r.feeds} ok")
    print(f"feeds    peak RSS {peak_mb:.0f} MB")
    if output is not None:
        write_section(output, "\n".join(lines))
        print(f"# wrote the feed polling section of {output}")
    return 0 if all(r.ok == r.feeds for r in rounds) else 1


def _reading(rounds: list[Round]) -> list[str]:
    """How to read the table: the unchanged-feeds rows side by side, and what the first poll measures."""
    by = {r.label: r for r in rounds}
    ours, base = by.get("newsdigest poller: unchanged feeds (304)"), by.get(
        "baseline: sequential, no conditional GET: unchanged feeds")
    if not ours or not base or not base.per_second or not ours.cpu_ms_per_feed:
        return []
    return [f"Unchanged feeds (the common case between polls): {ours.per_second / base.per_second:.1f}x the "
            f"baseline's feeds/s at 1/{base.cpu_ms_per_feed / ours.cpu_ms_per_feed:.1f} of its CPU per feed, "
            "and nothing downloaded or parsed again. A first poll costs what storing its stories costs "
            "(parsing, fingerprints, revisions, topic tagging; SQLite takes one writer at a time), so it "
            "matches the baseline."]


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the ``## Feed polling`` section of a Markdown report, leaving the rest."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(old, section), encoding="utf-8")


def replace_section(text: str, section: str) -> str:
    """``text`` with the section that starts with the same heading line as ``section`` replaced (or added)."""
    heading = section.split("\n", 1)[0]
    head, found, rest = text.partition(f"\n{heading}\n")
    if not found:
        return (text.rstrip() + "\n\n" if text.strip() else "") + section.rstrip() + "\n"
    # Up to the next heading of any level: the dated "###" measurements written by hand under a
    # generated section stay when a bench rewrites it.
    tail = re.split(r"\n(?=#{1,6} )", rest, maxsplit=1)
    after = "\n" + tail[1] if len(tail) == 2 else ""
    return head.rstrip() + "\n\n" + section.rstrip() + "\n" + after


def kept_section(text: str, heading: str = HEADING) -> str | None:
    """A section of an existing report (so the summarizer bench keeps it when rewriting the rest)."""
    _, found, rest = text.partition(f"\n{heading}\n")
    return heading + "\n" + rest.split("\n## ", 1)[0] if found else None


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--serve":
    serve(int(sys.argv[2]), int(sys.argv[3]))
