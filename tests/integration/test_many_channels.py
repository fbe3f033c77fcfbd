"""1,000 channels due at the same minute: one due pass claims and posts them all (console adapter, driven clock)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import insert

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.delivery.runner import Delivery
from bot.delivery.scheduler import DigestScheduler
from bot.ingest.service import ingest_paths
from bot.store.models import ChannelRow
from tests.conftest import SAMPLE_DUMP
from tests.digest_support import config_dir, make_app, registry

TOPICS = ("ukraine", "russia", "sanctions", "china", "uk")
START = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # ingest time; the digests are due at 07:30 UTC
DUE = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


def _channels(app: App, n: int) -> list[ChannelKey]:
    rng = random.Random(11)
    rows = [{"platform": "console", "workspace": "t", "channel": f"c{i:04d}", "digest_time": "07:30",
             "timezone": "UTC", "enabled": True, "topics": rng.sample(TOPICS, rng.randint(2, 4)),
             "created_at": DUE - timedelta(days=2), "covered_until": DUE - timedelta(days=1)} for i in range(n)]
    with app.sessions.begin() as session:
        session.execute(insert(ChannelRow), rows)
    return [ChannelKey("console", "t", r["channel"]) for r in rows]


def _world(db_url: str, tmp_path: Path, n: int) -> tuple[App, list[ChannelKey]]:
    app = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
    with time_machine.travel(START, tick=True):
        assert ingest_paths(app, [SAMPLE_DUMP]).new == 4
    return app, _channels(app, n)


def _delivery(app: App, poster: ConsolePoster, **kw: Any) -> Delivery:
    return Delivery(app, registry(app), {"console": poster}, clock=lambda: DUE, **kw)


async def test_a_thousand_channels_due_at_once_are_posted_in_one_pass(db_url: str, tmp_path: Path) -> None:
    app, keys = _world(db_url, tmp_path, 1000)
    poster = ConsolePoster(terminal=False, render=lambda d, f: d.title)
    delivery = _delivery(app, poster)
    reads = Counter[str]()
    real_all = delivery.registry.all

    def counted_all() -> Any:
        reads["all"] += 1
        return real_all()

    delivery.registry.all = counted_all  # type: ignore[method-assign]
    scheduler = DigestScheduler(delivery, clock=lambda: DUE)
    try:
        with time_machine.travel(DUE, tick=True):
            # Every channel's cron job fires at 07:30 at once.
            await asyncio.gather(*(scheduler.fire(key) for key in keys))
        posted = Counter(p.channel for p in poster.posts)
        assert set(posted) == set(keys) and set(posted.values()) == {1}  # each one, once
        assert scheduler.passes <= 2 and reads["all"] <= 2  # not one read of every channel per channel
        again = await delivery.tick(DUE + timedelta(minutes=1))
        assert [o for o in again if o.outcome == "posted"] == []
    finally:
        app.close()


async def test_replicas_share_a_thousand_due_channels_without_doubles(db_url: str, tmp_path: Path) -> None:
    app, keys = _world(db_url, tmp_path, 1000)
    other = make_app(db_url, app.settings.config_dir, tmp_path / "data2")
    posters = [ConsolePoster(terminal=False, render=lambda d, f: d.title) for _ in range(2)]
    replicas = [_delivery(a, p, instance=f"r{k}")
                for k, (a, p) in enumerate(zip((app, other), posters, strict=True))]
    try:
        with time_machine.travel(DUE, tick=True):
            await asyncio.gather(*(r.tick(DUE) for r in replicas))
        posted = Counter(p.channel for poster in posters for p in poster.posts)
        assert set(posted) == set(keys) and set(posted.values()) == {1}
        assert all(poster.posts for poster in posters)  # both replicas took a share
    finally:
        other.close()
        app.close()
