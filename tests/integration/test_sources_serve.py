"""Feeds in the running service: serve polls sources.toml's feeds and ingests them; a failing feed that
feeds a channel's topics shows up in that channel's /digest settings."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.console import ConsolePoster
from bot.app.serve import build_service, console_factory
from bot.chat.commands import Commands
from bot.chat.results import CommandContext, TextReply
from bot.sources.config import SourceDefaults
from bot.sources.registry import FetchRecord, SourceRegistry
from bot.store.models import ArticleRow
from tests.digest_support import config_dir, make_app, registry, story
from tests.integration.feed_server import feed_server

ADMIN = CommandContext("slack", "T1", "C1", "U-admin", can_manage=True)


async def test_serve_polls_the_feeds_of_sources_toml(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(5)
    async with feed_server() as server:
        items = [story(rng, "Ukraine", n) for n in range(3)]
        server.static("/world.json", json.dumps(items).encode(), etag='"w1"')
        cfg = config_dir(tmp_path, "")
        (cfg / "sources.toml").write_text(f'[[sources]]\nurl = "{server.url("/world.json")}"\nevery = "5m"\n')
        app = make_app(db_url, cfg, tmp_path / "data", sources={"tick_seconds": 0.2})
        poster = ConsolePoster(terminal=False, render=lambda d, f: d.title)
        service = build_service(app, [console_factory(poster)])
        try:
            await service.scheduler.start()
            for _ in range(600):  # bounded wait (60 s) for the first feed poll; no timing is asserted
                state = SourceRegistry(app.sessions, SourceDefaults()).find(server.url("/world.json"))
                if state is not None and state.last_fetch_at is not None:
                    break
                await asyncio.sleep(0.1)
        finally:
            await service.scheduler.shutdown()
        assert state is not None and state.last_status == "200" and state.items_taken == 3
        assert state.recent_topics and "ukraine" in state.recent_topics
        assert server.hits["/world.json"] == 1  # due again only in five minutes
        with app.sessions() as session:
            assert session.scalar(select(func.count()).select_from(ArticleRow)) == 3
        app.close()


async def test_digest_settings_name_failing_feeds_of_the_channels_topics(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
    sources = SourceRegistry(app.sessions, SourceDefaults())
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ids = {}
    for name in ("kyiv-wire", "beijing-desk", "never-worked", "healthy"):
        state, _ = sources.add(f"https://{name}.example/rss", name=name, now=now)
        ids[name] = state.row_id
    later = now + timedelta(hours=1)
    ok = FetchRecord(fetched_at=now, status="200", ok=True, next_poll_at=later, new_items=4)
    sources.record(ids["kyiv-wire"], "r", replace(ok, recent_topics=["ukraine", "russia"]))
    sources.record(ids["beijing-desk"], "r", replace(ok, recent_topics=["china"]))
    sources.record(ids["healthy"], "r", replace(ok, recent_topics=["ukraine"]))
    for name in ("kyiv-wire", "beijing-desk", "never-worked"):
        sources.record(ids[name], "r", FetchRecord(fetched_at=later, status="HTTP 503", ok=False,
                                                   next_poll_at=later, error="HTTP 503 Service Unavailable"))
    commands = Commands(app, registry(app))
    await commands(ADMIN, "digest", "add ukraine")
    reply = await commands(ADMIN, "digest", "settings")
    assert isinstance(reply, TextReply)
    failing = [line for line in reply.lines if line.startswith("Feed failing:")]
    assert len(failing) == 2
    assert failing[0].startswith("Feed failing: kyiv-wire (1 failed polls in a row, last success 2026-03-02 08:00 UTC)")
    assert "HTTP 503 Service Unavailable" in failing[0]
    assert failing[1].startswith("Feed failing: never-worked (1 failed polls in a row, never fetched)")
    other = await commands(CommandContext("slack", "T1", "C2", "U-admin", can_manage=True), "digest", "add china")
    assert other.ok
    china = await commands(CommandContext("slack", "T1", "C2", "U"), "digest", "settings")
    assert isinstance(china, TextReply)
    assert [line.split(" (")[0] for line in china.lines if line.startswith("Feed failing:")] == [
        "Feed failing: beijing-desk", "Feed failing: never-worked"]
    app.close()
