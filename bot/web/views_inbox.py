"""Inbox and sources: files waiting, processed (partial ones with their rejected records), rejected (why)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from bot.web.inbox_files import inbox_files

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

SHOWN = 100


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def inbox(request: web.Request) -> web.StreamResponse:
        directory = dash.app.settings.inbox_dir
        files = await asyncio.to_thread(inbox_files, directory, limit=SHOWN)
        return dash.render(request, "inbox.html", directory=directory, files=files, shown=SHOWN, sources=[])

    return [("GET", "/inbox", inbox, False)]
