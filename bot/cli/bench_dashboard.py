"""``newsdigest bench --dashboard N``: dashboard page times at volume, beside them without the history indexes.

Fills a fresh SQLite database with N synthetic stories (two topics each), ``channels`` channels and
``runs`` posted digests per channel (five stories delivered by each), then times each page over real
HTTP against the dashboard (median of five requests after a warm-up). The baseline column drops the
indexes migrations 0004 and 0008 added (runs by time, by channel and by outcome; deliveries by story)
and times the same pages again: with them, the pages that read history stay flat as the tables grow;
without them they scan.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.store.models import ArticleRow, ArticleTopicRow, ChannelRow, DeliveredRow, DigestRunRow

HISTORY_INDEXES = ("ix_delivered_article_id", "ix_digest_runs_channel_claimed", "ix_digest_runs_claimed_at",
                "ix_digest_runs_channel_status_id")  # and 0008's
TOPICS = ("ukraine", "russia", "china", "iran", "economy", "energy", "defense", "sanctions")
WORDS = ("gold", "oil", "grain", "talks", "summit", "strike", "court", "vote", "market", "port")
BATCH = 5000


def _fill(app: Any, stories: int, channels: int, runs: int) -> tuple[int, str]:
    """Bulk-insert the synthetic newsroom; returns (a delivered story id, a channel key)."""
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / max(stories, 1)
    with app.engine.begin() as conn:
        for lo in range(0, stories, BATCH):
            rows: list[dict[str, Any]] = []
            for i in range(lo, min(lo + BATCH, stories)):
                word = WORDS[i % len(WORDS)]
                title = f"Story {i}: {word} {TOPICS[i % len(TOPICS)]} report"
                rows.append({"id": i + 1, "fingerprint": f"{i:064x}", "title": title,
                             "body": f"{title}. A {word} paragraph.", "blocks": [{"kind": "paragraph",
                                                                                  "text": f"A {word} paragraph."}],
                             "credits": ["Reuters"], "truncated": False, "ingested_at": start + step * i})
            conn.execute(insert(ArticleRow), rows)
            conn.execute(insert(ArticleTopicRow), [
                {"article_id": r["id"], "topic": t, "score": 2.0 + (r["id"] % 7)}
                for r in rows for t in {TOPICS[r["id"] % len(TOPICS)], TOPICS[(r["id"] * 3) % len(TOPICS)]}])
        conn.execute(insert(ChannelRow), [
            {"id": c + 1, "platform": "console", "workspace": "bench", "channel": f"desk{c}",
             "topics": list(TOPICS[:3]), "created_at": start} for c in range(channels)])
        run_id, delivered = 0, set()
        for c in range(channels):
            run_rows: list[dict[str, Any]] = []
            done: list[dict[str, int]] = []
            for r in range(runs):
                run_id += 1
                at = start + timedelta(days=r * 365 / max(runs, 1), minutes=c)
                run_rows.append({"id": run_id, "channel_id": c + 1, "local_date": date.fromordinal(
                    at.date().toordinal()), "kind": "extra", "status": "posted", "marker": f"m{run_id}",
                    "claimed_at": at, "posted_at": at, "window_end": at, "story_count": 5, "attempts": 1,
                    "message_ids": [f"m{run_id}.md"]})
                for k in range(5):
                    article = 1 + (run_id * 5 + k) % max(stories, 1)
                    if (c, article) not in delivered:
                        delivered.add((c, article))
                        done.append({"channel_id": c + 1, "article_id": article, "run_id": run_id})
            conn.execute(insert(DigestRunRow), run_rows)
            if done:
                conn.execute(insert(DeliveredRow), done)
    return 1 + (5 * 5) % max(stories, 1), f"console:bench:desk{channels // 2}"


async def _time_pages(app: Any, pages: list[str], repeats: int) -> dict[str, float]:
    """Median milliseconds per page over HTTP (a served dashboard, open on loopback)."""
    import aiohttp

    from bot.app.serve import build_service, console_factory
    from bot.web.server import Dashboard

    service = build_service(app, [console_factory()])
    dashboard = Dashboard(app, bind_host="127.0.0.1")
    dashboard.bind(service)
    await dashboard.start(0)
    out: dict[str, float] = {}
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for page in pages:
                times = []
                for attempt in range(repeats + 1):
                    started = time.perf_counter()
                    async with http.get(f"{dashboard.url.rstrip('/')}{page}") as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"{page}: HTTP {response.status}")
                    if attempt:  # the first is a warm-up (caches, first query plans)
                        times.append(time.perf_counter() - started)
                out[page] = statistics.median(times) * 1000
    finally:
        await dashboard.stop()
    return out


def run_dashboard_bench(stories: int, *, channels: int = 1000, runs: int = 30, repeats: int = 5) -> str:
    """Build the database, time the pages with and without the history indexes; the report as Markdown."""
    from bot.app.bootstrap import bootstrap
    from bot.app.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="newsdigest-bench-") as tmp:
        settings = load_settings(data_dir=Path(tmp), digest={"console": False})
        app = bootstrap(settings, database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            started = time.perf_counter()
            story, channel = _fill(app, stories, channels, runs)
            filled = time.perf_counter() - started
            pages = ["/", "/channels", "/history", f"/history?channel={channel}", f"/channels/{channel}",
                     f"/stories/{story}", "/stories?q=gold", "/stories?q=ukraine", "/inbox"]
            with_indexes = asyncio.run(_time_pages(app, pages, repeats))
            with app.engine.begin() as conn:
                for name in HISTORY_INDEXES:
                    conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
            without = asyncio.run(_time_pages(app, pages, repeats))
        finally:
            app.close()
    total_runs = channels * runs
    lines = [f"Dashboard pages: {stories:,} stories, {channels:,} channels, {total_runs:,} posted runs "
             f"({total_runs * 5:,} deliveries at most); SQLite; database filled in {filled:.1f} s; median of "
             f"{repeats} requests over HTTP after a warm-up.", "",
             "| page | ms | ms without the history indexes (0004, 0008) |", "| --- | ---: | ---: |"]
    lines += [f"| `{p}` | {with_indexes[p]:.1f} | {without[p]:.1f} |" for p in pages]
    return "\n".join(lines) + "\n"
