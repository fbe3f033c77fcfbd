"""Digests outside chat: each channel's posted digests as Atom, and the console adapter's Markdown archive.

``/feeds/<platform:workspace:channel>.atom`` is public only with ``[web] public_feeds = true``; otherwise
it needs a login or the admin token, like the pages. The archive serves the Markdown files as plain
text (never as HTML: a digest's words cannot become markup in the browser).
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.chat.ports import ChannelKey
from bot.delivery.history import RunRecord, list_runs, run_articles
from bot.web.inbox_files import list_folder

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 30
_ARCHIVE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def atom_feed(key: ChannelKey, runs: list[tuple[RunRecord, list[tuple[int, str]]]], base_url: str) -> bytes:
    """An Atom document: one entry per posted digest, its stories as a list (text escaped by ElementTree)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:newsdigest:channel:{key}"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"newsdigest: {key}"
    updated = max((r.posted_at or r.claimed_at for r, _ in runs), default=datetime.now(UTC))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/feeds/{key}.atom")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "newsdigest"
    for run, stories in runs:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:newsdigest:run:{run.id}"
        kind = "Daily digest" if run.kind == "daily" else "Digest update"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{kind} · {run.local_date:%A %d %B %Y} ({run.stories} stories)"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (run.posted_at or run.claimed_at).isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{base_url}/history/{run.id}")
        lines = [f"• {title}" for _, title in stories] or ["(no stories)"]
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = "\n".join(lines)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def archive_dir(dash: Dashboard) -> Path:
    directory = dash.app.settings.digest.markdown_dir
    if directory is None:
        raise web.HTTPNotFound(text="No Markdown archive: set [digest] markdown_dir (NEWSDIGEST_DIGEST__MARKDOWN_DIR).")
    return directory


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def feed(request: web.Request) -> web.StreamResponse:
        if not dash.app.settings.web.public_feeds and not dash.visit(request).admin:
            return web.Response(status=401, text="This feed is private: log in, send the admin token, or set "
                                "[web] public_feeds = true.")
        try:
            key = ChannelKey.parse(request.match_info["key"])
        except ValueError:
            raise web.HTTPNotFound() from None

        def read() -> list[tuple[RunRecord, list[tuple[int, str]]]]:
            runs = list_runs(dash.app.sessions, channel=key, status="posted", limit=FEED_ENTRIES)
            return [(r, run_articles(dash.app.sessions, r.id)) for r in runs]

        runs = await asyncio.to_thread(read)
        base = f"{request.scheme}://{request.host}"
        return web.Response(body=atom_feed(key, runs, base), content_type="application/atom+xml", charset="utf-8")

    async def archive(request: web.Request) -> web.StreamResponse:
        directory = archive_dir(dash)

        def read() -> list[tuple[str, list[str]]]:
            if not directory.is_dir():
                return []
            folders = sorted(p.name for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
            return [(f, [e.name for e in list_folder(directory / f, "waiting", limit=50)]) for f in folders[:200]]

        return dash.render(request, "archive.html", directory=directory, folders=await asyncio.to_thread(read))

    async def archive_file(request: web.Request) -> web.StreamResponse:
        directory = archive_dir(dash)
        folder, name = request.match_info["folder"], request.match_info["name"]
        if not (_ARCHIVE_NAME.match(folder) and _ARCHIVE_NAME.match(name)) or not name.endswith(".md"):
            raise web.HTTPNotFound()
        path = directory / folder / name
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=await asyncio.to_thread(path.read_bytes), content_type="text/plain",
                            charset="utf-8")

    return [("GET", "/feeds/{key}.atom", feed, True), ("GET", "/archive", archive, False),
            ("GET", "/archive/{folder}/{name}", archive_file, False)]
