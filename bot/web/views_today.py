"""Today: stories ingested today by topic, each channel's next digest, the last digests, what went wrong."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.delivery.digest_time import next_occurrence
from bot.delivery.history import list_runs
from bot.store.articles import ArticleRepository
from bot.web.inbox_files import inbox_files
from bot.web.views_inbox import feed_sources

if TYPE_CHECKING:
    from bot.delivery.channels import ChannelConfig
    from bot.web.server import Dashboard, View

FAILURES_SINCE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class NextDigest:
    config: ChannelConfig
    at: datetime | None  # None: paused or no topics

    @property
    def local(self) -> str:
        return f"{self.at.astimezone(self.config.tz):%a %d %b %H:%M %Z}" if self.at else "not scheduled"


def next_digests(configs: list[ChannelConfig], now: datetime) -> list[NextDigest]:
    """Every channel with the next time its daily digest is due, soonest first."""
    rows = [NextDigest(c, next_occurrence(now, c.local_time, c.tz)[1] if c.subscribed else None) for c in configs]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: (r.at or far, str(r.config.key)))


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def today(request: web.Request) -> web.StreamResponse:
        service = dash.service
        app = dash.app
        now = datetime.now(UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)

        def read() -> dict[str, Any]:
            with app.sessions() as session:
                repo = ArticleRepository(session)
                counts = repo.topic_counts(since=midnight)
                total = repo.count(since=midnight)
                latest = repo.list_articles(since=midnight, limit=10)
            configs = service.registry.all()
            return {
                "counts": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), "total": total, "latest": latest,
                "next": next_digests(configs, now)[:50],
                "recent": list_runs(app.sessions, status="posted", limit=10),
                "failed": list_runs(app.sessions, status="failed", since=now - FAILURES_SINCE, limit=10),
                "rejected": inbox_files(app.settings.inbox_dir, limit=10)["rejected"],
                "feeds_failing": [s for s in feed_sources(dash) if s.failing][:10],
            }

        data = await asyncio.to_thread(read)
        labels = {t.name: t.label for t in app.topics.topics}
        return dash.render(request, "today.html", now=now, labels=labels, **data)

    return [("GET", "/", today, False)]
