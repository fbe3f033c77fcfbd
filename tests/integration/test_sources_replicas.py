"""Two serve replicas on one database: each feed is fetched by one of them per interval, never by both.

Each replica is its own App (engine, connection pool) and Poller, as in two ``newsdigest serve``
processes; they poll at the same moments of a shared fake clock, concurrently.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import SourcesSettings, load_settings
from bot.sources.config import SourceDefaults
from bot.sources.poller import Poller
from bot.sources.registry import SourceRegistry
from tests.integration.feed_server import FeedServer, feed_json, feed_server, story
from tests.integration.test_sources_poll import Clock

FEEDS = 8
EVERY = 600


@pytest.fixture
def apps(db_url: str, tmp_path: Path) -> Iterator[list[App]]:
    replicas = [bootstrap(load_settings(data_dir=tmp_path / f"r{n}"), database_url=db_url) for n in range(2)]
    yield replicas
    for app in replicas:
        app.close()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with feed_server() as fs:
        yield fs


@pytest.fixture
async def pollers(apps: list[App]) -> AsyncIterator[tuple[Poller, Poller, Clock]]:
    clock = Clock()
    made = [Poller(app, SourceRegistry(app.sessions, SourceDefaults()), settings=SourcesSettings(timeout_seconds=5),
                   clock=clock, rng=random.Random(n), owner=f"replica-{n}") for n, app in enumerate(apps)]
    yield made[0], made[1], clock
    for poller in made:
        await poller.close()


async def test_each_feed_is_fetched_once_per_interval(server: FeedServer,
                                                      pollers: tuple[Poller, Poller, Clock]) -> None:
    one, two, clock = pollers
    for n in range(FEEDS):
        server.static(f"/feed{n}.json", feed_json([story(n)]))
        one.registry.add(server.url(f"/feed{n}.json"), every=EVERY, now=clock())
    intervals = 4
    by_replica = {"replica-0": 0, "replica-1": 0}
    for interval in range(1, intervals + 1):
        results = await asyncio.gather(one.poll_due(), two.poll_due(), one.poll_due(), two.poll_due())
        for poller, outcomes in zip((one, two, one, two), results, strict=True):
            by_replica[poller.owner] += len(outcomes)
            assert all(o.ok for o in outcomes)
        assert sorted(server.hits.values()) == [interval] * FEEDS, f"interval {interval}: {server.hits}"
        clock.advance(EVERY)
    assert sum(by_replica.values()) == FEEDS * intervals
    stored = one.registry.all()
    assert all(s.lease_until is None and s.consecutive_failures == 0 for s in stored)
    assert sum(s.items_total for s in stored) == FEEDS  # each story stored once, by whichever replica


async def test_a_lease_held_by_a_crashed_replica_expires(server: FeedServer,
                                                        pollers: tuple[Poller, Poller, Clock]) -> None:
    one, two, clock = pollers
    server.static("/feed.json", feed_json([story(1)]))
    one.registry.add(server.url("/feed.json"), every=EVERY, now=clock())
    claimed = one.registry.claim_due(one.owner, clock(), lease=one.lease, limit=10)
    assert len(claimed) == 1  # replica one claims, then "crashes" without fetching
    assert await two.poll_due() == []
    clock.advance(one.lease.total_seconds() - 1)
    assert await two.poll_due() == []
    clock.advance(2)
    [outcome] = await two.poll_due()
    assert outcome.ok and server.hits["/feed.json"] == 1
    assert outcome.next_poll_at == clock() + timedelta(seconds=EVERY)
