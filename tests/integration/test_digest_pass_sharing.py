"""A digest pass shares each (topic, window) brief across channels and keeps every per-channel rule.

Bounds, not times: the summarizer runs as often for forty channels following the same topics as for
one, a batch's statements do not grow with its channels, and what each channel gets is exactly what
composing it alone gives: its own undelivered stories, and briefs written as updates for what it was told.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import event, insert, select

import bot.newsroom.briefs as briefs
from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.delivery.digest import compose_digest
from bot.delivery.pass_cache import PassCache
from bot.delivery.runner import Delivery
from bot.ingest.service import ingest_paths
from bot.store.models import ChannelRow, DeliveredRow
from tests.conftest import SAMPLE_DUMP
from tests.digest_support import config_dir, make_app, registry, write_dump
from tests.integration.test_digest_update import DAY_ONE, DAY_TWO

START = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
TOPICS = ["ukraine", "russia", "sanctions"]


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    application = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
    with time_machine.travel(START, tick=True):
        assert ingest_paths(application, [SAMPLE_DUMP]).new == 4
    yield application
    application.close()


def _add_channels(app: App, prefix: str, n: int, topics: list[str] = TOPICS) -> list[ChannelKey]:
    rows = [{"platform": "console", "workspace": prefix, "channel": f"c{i:03d}", "digest_time": "07:30",
             "timezone": "UTC", "enabled": True, "topics": topics, "created_at": DUE - timedelta(days=2),
             "covered_until": DUE - timedelta(days=1)} for i in range(n)]
    with app.sessions.begin() as session:
        session.execute(insert(ChannelRow), rows)
    return [ChannelKey("console", prefix, r["channel"]) for r in rows]


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the summarizer calls the brief module makes (every lead sentence and story line comes from one)."""
    calls = Counter[str]()
    for name in ("summarize", "blurb", "reader_knows"):
        real: Callable[..., Any] = getattr(briefs, name)

        def counted(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(briefs, name, counted)
    return calls


def _statements(app: App) -> tuple[Counter[str], Callable[[], None]]:
    seen = Counter[str]()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[statement.split()[0].upper()] += 1

    event.listen(app.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(app.engine, "before_cursor_execute", count)


async def _pass(app: App, keys: list[ChannelKey]) -> ConsolePoster:
    poster = ConsolePoster(terminal=False, render=lambda d, f: d.title)
    delivery = Delivery(app, registry(app), {"console": poster}, clock=lambda: DUE)
    with time_machine.travel(DUE, tick=False):
        outcomes = await delivery.tick(DUE)
    assert Counter(o.channel for o in outcomes if o.outcome == "posted") == Counter(keys), outcomes
    return poster


async def test_a_pass_summarizes_each_topic_window_once_whatever_the_number_of_channels(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    await _pass(app, _add_channels(app, "one", 1))
    alone = sum(calls.values())
    assert alone > 0
    with app.sessions.begin() as session:  # the next pass's channels find the same stories undelivered
        session.execute(ChannelRow.__table__.delete())
    calls.clear()
    many = _add_channels(app, "many", 40)
    seen, stop = _statements(app)
    poster = await _pass(app, many)
    stop()
    assert sum(calls.values()) == alone  # forty channels, the same briefs: summarized once
    assert len({p.digest.sections for p in poster.posts}) == 1  # and each channel got those briefs
    # The batch's reads and writes are statements per batch, not per channel.
    assert sum(seen.values()) < 40


async def test_statements_of_a_pass_do_not_grow_with_its_channels(app: App) -> None:
    counts = []
    for prefix, n in (("ten", 10), ("fifty", 50)):
        keys = _add_channels(app, prefix, n, ["ukraine", "china"])
        seen, stop = _statements(app)
        await _pass(app, keys)
        stop()
        counts.append(sum(seen.values()))
        with app.sessions.begin() as session:
            session.execute(ChannelRow.__table__.delete().where(ChannelRow.workspace == prefix))
    assert counts[1] == counts[0]


async def test_per_channel_filtering_never_resends_a_delivered_story(app: App) -> None:
    sent, fresh = _add_channels(app, "sent", 1) + _add_channels(app, "fresh", 1)
    cache = PassCache()
    configs = {k: registry(app).get(k) for k in (sent, fresh)}
    full = compose_digest(app, configs[fresh], window_end=DUE, local_date=DUE.date(), marker="m", cache=cache)
    assert len(full.article_ids) >= 2
    delivered = full.article_ids[:1]
    with app.sessions.begin() as session:  # "sent" already had one of these stories, by an earlier run
        from bot.store.models import DigestRunRow

        run = DigestRunRow(channel_id=configs[sent].row_id, local_date=(DUE - timedelta(days=1)).date(),
                           kind="daily", status="posted", marker="earlier", claimed_at=DUE - timedelta(days=1),
                           window_end=DUE - timedelta(days=1), attempts=1, story_count=2)
        session.add(run)
        session.flush()
        session.add_all(DeliveredRow(channel_id=configs[sent].row_id, article_id=a, run_id=run.id) for a in delivered)
    poster = await _pass(app, [sent, fresh])
    by_channel = {p.channel: p.digest for p in poster.posts}
    shown = {k: {s.article_id for b in d.sections for s in b.stories} | {i for b in d.sections for s in b.stories
                                                                        for i in s.merged_ids}
             for k, d in by_channel.items()}
    assert not shown[sent] & set(delivered)
    assert set(delivered) <= shown[fresh]
    with app.sessions() as session:  # and the pass recorded each article once per channel
        rows = session.execute(select(DeliveredRow.channel_id, DeliveredRow.article_id)).all()
    assert len(rows) == len(set(rows))


async def test_a_pass_gives_each_channel_the_digest_it_would_get_alone(db_url: str, tmp_path: Path) -> None:
    """Shared briefs are updates per channel: one that was told day one gets day two's news first,
    one that was told nothing gets the story from its lead; both exactly as composed one at a time."""
    channels = "".join(f'[channels."console:t:{name}"]\ntopics = ["ukraine"]\ntime = "07:30"\ntimezone = "UTC"\n\n'
                       for name in ("told", "new", "told2"))
    told, new, told2 = (ChannelKey("console", "t", n) for n in ("told", "new", "told2"))
    with time_machine.travel(datetime(2026, 6, 6, 6, 0, tzinfo=UTC), tick=False) as clock:
        app = make_app(db_url, config_dir(tmp_path, channels), tmp_path / "data")
        try:
            poster = ConsolePoster(terminal=False, markdown_dir=None, render=lambda d, fmt: d.title)
            delivery = Delivery(app, registry(app), {"console": poster})
            assert ingest_paths(app, [write_dump(tmp_path, "day1.jsonl", [DAY_ONE])]).ok
            clock.move_to(datetime(2026, 6, 6, 7, 30, tzinfo=UTC))
            for key in (told, told2):
                await delivery.tick(datetime(2026, 6, 6, 7, 30, tzinfo=UTC), only=key)
            clock.move_to(datetime(2026, 6, 7, 6, 0, tzinfo=UTC))
            assert ingest_paths(app, [write_dump(tmp_path, "day2.jsonl", [DAY_TWO])]).ok
            end = datetime(2026, 6, 7, 7, 30, tzinfo=UTC)
            reg = registry(app)
            cache = PassCache()
            shared = {k: compose_digest(app, reg.get(k), window_end=end, local_date=end.date(), marker="m",
                                        cache=cache) for k in (told, new, told2)}
            alone = {k: compose_digest(app, reg.get(k), window_end=end, local_date=end.date(), marker="m")
                     for k in (told, new, told2)}
        finally:
            app.close()
    for key in (told, new, told2):
        assert shared[key] == alone[key]
    leads = {k: [s.text for b in c.digest.sections for s in b.lead] for k, c in shared.items()}
    assert leads[told] == leads[told2] != leads[new]  # the update depends on what each channel was told
