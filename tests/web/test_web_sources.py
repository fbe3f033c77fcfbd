"""The dashboard's Inbox and sources page lists every polled feed with its health, escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.sources.config import SourceDefaults
from bot.sources.registry import FetchRecord, SourceRegistry
from tests.web_support import client, log_in, running_service


async def test_inbox_page_shows_feed_health(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        registry = SourceRegistry(svc.app.sessions, SourceDefaults())
        later = datetime.now(UTC) + timedelta(days=1)  # not due while the test runs: serve leaves it alone
        good, _ = registry.add("https://good.example/rss", name="Good Wire", now=later)
        bad, _ = registry.add("https://bad.example/feed", now=later)
        registry.record(good.row_id, "t", FetchRecord(fetched_at=later, status="200", ok=True, next_poll_at=later,
                                                      new_items=7))
        for _ in range(3):
            registry.record(bad.row_id, "t", FetchRecord(fetched_at=later, status="HTTP 503", ok=False,
                                                         next_poll_at=later, error="HTTP 503 <b>busy</b>"))
        await log_in(http, svc.url)
        async with http.get(svc.url + "/inbox") as page:
            html = await page.text()
        assert page.status == 200
        assert "Good Wire" in html and "https://good.example/rss" in html and ">7<" in html
        assert "https://bad.example/feed" in html and ">3<" in html and "HTTP 503 &lt;b&gt;busy&lt;/b&gt;" in html
        assert "<b>busy" not in html


async def test_today_names_a_failing_feed(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        registry = SourceRegistry(svc.app.sessions, SourceDefaults())
        later = datetime.now(UTC) + timedelta(days=1)  # not due while the test runs
        bad, _ = registry.add("https://down.example/feed", name="Down Wire", now=later)
        for _ in range(2):
            registry.record(bad.row_id, "t", FetchRecord(fetched_at=later, status="HTTP 502", ok=False,
                                                         next_poll_at=later, error="HTTP 502 bad gateway"))
        await log_in(http, svc.url)
        async with http.get(svc.url + "/") as page:
            html = await page.text()
        assert "Feed failing</a> Down Wire (2 failures in a row): HTTP 502 bad gateway" in html
