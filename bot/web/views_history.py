"""History: every digest run, filterable by channel, date and outcome; one run with the stories it carried."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app.timeutil import utc
from bot.chat.ports import ChannelKey
from bot.delivery.history import list_runs, run_articles

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

PAGE = 100
STATUSES = ("posted", "failed", "skipped", "claimed", "uncertain")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def history(request: web.Request) -> web.StreamResponse:
        q = request.query
        channel_text = q.get("channel", "").strip()
        channel = None
        error = None
        if channel_text:
            try:
                channel = ChannelKey.parse(channel_text)
            except ValueError as exc:
                error = str(exc)
        start, end = _day(q.get("from", "")), _day(q.get("to", ""))
        status = q.get("status") if q.get("status") in STATUSES else None
        since = utc(datetime.combine(start, time())) if start else None
        until = utc(datetime.combine(end, time())) + timedelta(days=1) if end else None
        runs = [] if error else await asyncio.to_thread(
            list_runs, dash.app.sessions, channel=channel, since=since, until=until, status=status, limit=PAGE)
        configs = await asyncio.to_thread(dash.service.registry.all)
        return dash.render(request, "history.html", runs=runs, channels=[str(c.key) for c in configs],
                           channel=channel_text, start=start, end=end, status_filter=status or "", statuses=STATUSES,
                           error=error, page=PAGE)

    async def run(request: web.Request) -> web.StreamResponse:
        try:
            run_id = int(request.match_info["run"])
        except ValueError:
            raise web.HTTPNotFound() from None
        found = await asyncio.to_thread(list_runs, dash.app.sessions, run_ids=[run_id], limit=1)
        if not found:
            raise web.HTTPNotFound(text=f"no digest run {run_id}")
        stories = await asyncio.to_thread(run_articles, dash.app.sessions, run_id)
        return dash.render(request, "run.html", run=found[0], stories=stories)

    return [("GET", "/history", history, False), ("GET", "/history/{run}", run, False)]
