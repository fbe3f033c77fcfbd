"""Inbox and sources: files waiting, processed (partial ones with their rejected records), rejected (why)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from bot.sources.config import load_source_defaults
from bot.sources.registry import SourceState, list_sources
from bot.web.inbox_files import inbox_files

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

SHOWN = 100


def feed_sources(dash: Dashboard) -> list[SourceState]:
    """Every polled feed with its health (one row per source: bounded by what the newsroom configured)."""
    defaults = load_source_defaults(dash.app.settings.config_dir)
    with dash.app.sessions() as session:
        return list_sources(session, defaults, include_inactive=False)


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def inbox(request: web.Request) -> web.StreamResponse:
        directory = dash.app.settings.inbox_dir
        files = await asyncio.to_thread(inbox_files, directory, limit=SHOWN)
        feeds = await asyncio.to_thread(feed_sources, dash)
        return dash.render(request, "inbox.html", directory=directory, files=files, shown=SHOWN, sources=feeds)

    return [("GET", "/inbox", inbox, False)]
