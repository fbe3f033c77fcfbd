"""Channels: every channel's settings, last and next digest; edit, pause, preview and post now.

Changes go through the same code as ``/digest`` in chat (:class:`bot.chat.commands.Commands` and the
validators of :mod:`bot.delivery.channels`), so the dashboard accepts, refuses and suggests exactly
what chat does, and the scheduler is rebuilt the same way.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app.errors import UserError
from bot.chat.ports import ChannelKey
from bot.chat.results import CommandContext, Digest, TextReply
from bot.delivery.channels import ChannelConfig, resolve_topics
from bot.delivery.digest import compose_digest
from bot.delivery.digest_time import local_today
from bot.delivery.history import RunRecord, last_posted, list_runs
from bot.web.views_today import next_digests

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

DASHBOARD_USER = "dashboard"
_SPLIT = re.compile(r"[\s,]+")


def channel_key(request: web.Request) -> ChannelKey:
    try:
        return ChannelKey.parse(request.match_info["key"])
    except ValueError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    def context(key: ChannelKey) -> CommandContext:
        return CommandContext(key.platform, key.workspace, key.channel, DASHBOARD_USER, can_manage=True)

    async def known(key: ChannelKey) -> ChannelConfig:
        configs = await asyncio.to_thread(dash.service.registry.all)
        for config in configs:
            if config.key == key:
                return config
        raise web.HTTPNotFound(text=f"no channel {key}")

    async def channels(request: web.Request) -> web.StreamResponse:
        service = dash.service

        def read() -> tuple[list[ChannelConfig], dict[int, RunRecord]]:
            configs = service.registry.all()
            return configs, last_posted(dash.app.sessions, [c.row_id for c in configs if c.row_id is not None])

        configs, posted = await asyncio.to_thread(read)
        rows = next_digests(configs, datetime.now(UTC))
        rows.sort(key=lambda r: str(r.config.key))
        return dash.render(request, "channels.html", rows=rows, posted=posted,
                           platforms=set(service.delivery.posters))

    async def page(request: web.Request, key: ChannelKey, *, preview: Digest | None = None,
                   draft: dict[str, str] | None = None, status: int = 200) -> web.StreamResponse:
        config = await known(key)
        runs = await asyncio.to_thread(list_runs, dash.app.sessions, channel=key, limit=10)
        [row] = next_digests([config], datetime.now(UTC))
        values = draft or {"topics": " ".join(config.topics), "time": config.digest_time,
                           "timezone": config.timezone}
        return dash.render(request, "channel.html", config=config, next=row, runs=runs, values=values,
                           topics=dash.app.topics.topics, can_post=key.platform in dash.service.delivery.posters,
                           preview=preview, status=status)

    async def channel(request: web.Request) -> web.StreamResponse:
        return await page(request, channel_key(request))

    async def settings(request: web.Request) -> web.StreamResponse:
        key = channel_key(request)
        config = await known(key)
        form = await request.post()
        commands = dash.service.commands
        said: list[TextReply] = []
        words = [w for w in _SPLIT.split(str(form.get("topics", ""))) if w]
        try:
            wanted = resolve_topics(words, commands.topics)  # the validation /digest add uses
        except UserError as exc:
            said.append(TextReply(str(exc), ok=False))
        else:
            if wanted != config.topics:
                await asyncio.to_thread(dash.service.registry.update, key, by=DASHBOARD_USER, topics=wanted)
                await dash.service.scheduler.rebuild()
                said.append(TextReply(f"Topics: {', '.join(wanted) or 'none'}."))
        time_text, zone = str(form.get("time", "")).strip(), str(form.get("timezone", "")).strip()
        if (time_text, zone) != (config.digest_time, config.timezone):
            reply = await commands(context(key), "digest", f"time {time_text} {zone}")
            if isinstance(reply, TextReply):
                said.append(reply)
        if not said:
            said.append(TextReply("Nothing changed."))
        dash.flash(request, all(r.ok for r in said), " ".join(r.text for r in said),
                   tuple(line for r in said for line in r.lines))
        if all(r.ok for r in said):
            raise web.HTTPFound(f"/channels/{request.match_info['key']}")
        # Refused: show the form again with what was typed, so one typo does not cost the rest.
        draft = {"topics": str(form.get("topics", "")), "time": time_text, "timezone": zone}
        return await page(request, key, draft=draft, status=400)

    async def toggle(request: web.Request) -> web.StreamResponse:
        key = channel_key(request)
        await known(key)
        action = "pause" if request.path.endswith("/pause") else "resume"
        reply = await dash.service.commands(context(key), "digest", action)
        dash.flash(request, getattr(reply, "ok", True), getattr(reply, "text", ""))
        raise web.HTTPFound(f"/channels/{request.match_info['key']}")

    async def post_now(request: web.Request) -> web.StreamResponse:
        key = channel_key(request)
        await known(key)
        reply = await dash.service.commands(context(key), "digest", "now")
        dash.flash(request, getattr(reply, "ok", True), getattr(reply, "text", ""))
        raise web.HTTPFound(f"/channels/{request.match_info['key']}")

    async def preview(request: web.Request) -> web.StreamResponse:
        key = channel_key(request)
        config = await known(key)
        now = datetime.now(UTC)
        composition = await asyncio.to_thread(
            compose_digest, dash.app, config, window_end=now, local_date=local_today(now, config.tz),
            marker=f"preview-{uuid.uuid4().hex[:8]}", kind="extra")
        return await page(request, key, preview=composition.digest)

    return [
        ("GET", "/channels", channels, False),
        ("GET", "/channels/{key}", channel, False),
        ("POST", "/channels/{key}/settings", settings, False),
        ("POST", "/channels/{key}/pause", toggle, False),
        ("POST", "/channels/{key}/resume", toggle, False),
        ("POST", "/channels/{key}/now", post_now, False),
        ("GET", "/channels/{key}/preview", preview, False),
    ]
