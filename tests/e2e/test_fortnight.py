"""A simulated fortnight of serving, on SQLite and PostgreSQL, with the clock driven by time-machine.

Three channels (London 07:30, New York 01:30, Tokyo 07:00) across both autumn DST changes (London on
25 Oct, New York on 1 Nov, where 01:30 happens twice); dumps arriving before, at and after digest
times; a crash between post and mark; a plain restart; a service outage that misses a day; and a
second week with two replicas on one database. Every story must reach every subscribed channel
exactly once, and each channel must get one digest per local day at its local time.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from bot.adapters.console import ConsolePoster, SimulatedCrash
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.delivery.digest_time import digest_instant, latest_occurrence
from bot.delivery.runner import Delivery
from bot.ingest.service import ingest_paths
from bot.store.models import ArticleTopicRow, DeliveredRow, DigestRunRow
from tests.digest_support import config_dir, make_app, registry, story, write_dump

pytestmark = pytest.mark.slow

CHANNELS = {
    ChannelKey("console", "sim", "london"): ("07:30", "Europe/London", ("ukraine", "russia")),
    ChannelKey("console", "sim", "newyork"): ("01:30", "America/New_York", ("united-states", "economy")),
    ChannelKey("console", "sim", "tokyo"): ("07:00", "Asia/Tokyo", ("china", "ukraine")),
}
LONDON = ChannelKey("console", "sim", "london")
START = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)
STEP = timedelta(minutes=30)
LAST_DUMP = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
DUMP_TIMES = ((6, 30), (12, 0), (22, 0))  # 06:30 and 22:00 UTC coincide with digest times
LABELS = ("Ukraine", "Russia", "Washington", "economy", "China", "Kyiv", "Iran")  # nobody follows iran
CRASH_AT = datetime(2026, 10, 22, 6, 30, tzinfo=UTC)  # London's digest on the 22nd (BST)
RESTART_AT = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
DOWN = (datetime(2026, 10, 27, 0, 0, tzinfo=UTC), datetime(2026, 10, 28, 12, 0, tzinfo=UTC))
REPLICAS_FROM = datetime(2026, 10, 29, 0, 0, tzinfo=UTC)
CATCH_UP = timedelta(hours=18)


def _channels_toml() -> str:
    return "".join(f'[channels."{k}"]\ntopics = {list(t)!r}\ntime = "{at}"\ntimezone = "{tz}"\n'
                   f"stories_per_topic = 20\n\n".replace("'", '"') for k, (at, tz, t) in CHANNELS.items())


@dataclass
class Sim:
    db_url: str
    tmp: Path
    apps: list[App] = field(default_factory=list)
    posters: list[ConsolePoster] = field(default_factory=list)
    dumps: int = 0

    def __post_init__(self) -> None:
        self.cfg = config_dir(self.tmp, _channels_toml())
        self.rng = random.Random(2026)

    def process(self, name: str) -> Delivery:
        """A fresh 'process': its own engine and poster; the posters share one Markdown directory (the platform)."""
        app = make_app(self.db_url, self.cfg, self.tmp / "data")
        self.apps.append(app)
        poster = ConsolePoster(terminal=False, markdown_dir=self.tmp / "platform", render=lambda d, f: d.title)
        self.posters.append(poster)
        return Delivery(app, registry(app), {"console": poster}, instance=name)

    def ingest(self) -> None:
        self.dumps += 1
        stories = [story(self.rng, label, self.dumps * 10 + i) for i, label in enumerate(LABELS)]
        assert ingest_paths(self.apps[-1], [write_dump(self.tmp, f"d{self.dumps}.jsonl", stories)]).ok


def _expected_days(at: str, tz: ZoneInfo) -> dict[date, datetime]:
    """Local date -> UTC instant its daily digest should be posted at, given the outage and catch-up."""
    hour, minute = map(int, at.split(":"))
    local = time(hour, minute)
    # After the outage only the latest missed occurrence is caught up, and only within the grace window.
    # (The very first start catches nothing up: a channel never served starts with its next time.)
    catch_day, catch_instant = latest_occurrence(DOWN[1], local, tz)
    out: dict[date, datetime] = {}
    day = START.astimezone(tz).date() - timedelta(days=1)
    while (instant := digest_instant(day, local, tz)) <= END:
        if instant >= START:
            if not DOWN[0] <= instant < DOWN[1]:
                out[day] = instant
            elif day == catch_day and DOWN[1] - catch_instant <= CATCH_UP:
                out[day] = DOWN[1]
        day += timedelta(days=1)
    return out


async def _run(sim: Sim, traveller: time_machine.Coordinates) -> None:
    processes = [sim.process("p1")]
    now = START
    crashed = False
    pending = _dump_times()
    while now <= END:
        traveller.move_to(now)
        if DOWN[0] <= now < DOWN[1]:
            now += STEP
            continue
        if now == DOWN[1] or now == RESTART_AT:
            processes = [sim.process(f"p{len(sim.apps) + 1}")]
        if now == REPLICAS_FROM:
            processes = [processes[0], sim.process("replica")]
        # Dumps that landed while the service was down are picked up on start, like the inbox does.
        while pending and pending[0] <= now:
            pending.pop(0)
            sim.ingest()
        if now == CRASH_AT and not crashed:
            crashed = True
            processes[0].posters["console"].crash_after_next_post()  # type: ignore[attr-defined]
            with pytest.raises(SimulatedCrash):
                await processes[0].tick(now, only=LONDON)
            processes = [sim.process("after-crash")]  # the process died; a new one starts at once
        await asyncio.gather(*(p.tick(now) for p in processes))
        now += STEP


def _dump_times() -> list[datetime]:
    out, day = [], START
    while day <= LAST_DUMP:
        out += [day.replace(hour=h, minute=m) for h, m in DUMP_TIMES if day.replace(hour=h, minute=m) <= LAST_DUMP]
        day += timedelta(days=1)
    return out


def test_the_expected_calendar_has_the_outage_and_dst_in_it() -> None:
    london = _expected_days("07:30", ZoneInfo("Europe/London"))
    assert date(2026, 10, 27) not in london and london[date(2026, 10, 28)] == DOWN[1]  # one catch-up digest
    assert london[date(2026, 10, 24)] == datetime(2026, 10, 24, 6, 30, tzinfo=UTC)  # BST
    assert london[date(2026, 10, 25)] == datetime(2026, 10, 25, 7, 30, tzinfo=UTC)  # GMT
    new_york = _expected_days("01:30", ZoneInfo("America/New_York"))
    assert new_york[date(2026, 11, 1)] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # first of the two 01:30s
    tokyo = _expected_days("07:00", ZoneInfo("Asia/Tokyo"))
    assert tokyo[date(2026, 10, 28)] == DOWN[1]  # its 07:00 JST fell in the outage, 14 h before the start
    assert tokyo[date(2026, 10, 29)] == datetime(2026, 10, 28, 22, tzinfo=UTC)


async def test_a_fortnight_delivers_every_story_once_per_subscribed_channel(db_url: str, tmp_path: Path) -> None:
    sim = Sim(db_url, tmp_path)
    with time_machine.travel(START, tick=False) as traveller:
        try:
            await _run(sim, traveller)
            await _check(sim)
        finally:
            for app in sim.apps:
                app.close()


async def _check(sim: Sim) -> None:
    app = sim.apps[-1]
    posts = [p for poster in sim.posters for p in poster.posts]
    with app.sessions() as s:
        topics_of: dict[int, set[str]] = {}
        for article_id, topic in s.execute(select(ArticleTopicRow.article_id, ArticleTopicRow.topic)):
            topics_of.setdefault(article_id, set()).add(topic)
        runs = {r.marker: r for r in s.scalars(select(DigestRunRow))}
        delivered = s.execute(select(DeliveredRow.channel_id, DeliveredRow.article_id)).all()
    assert sim.dumps == len(_dump_times()) and len(topics_of) == sim.dumps * len(LABELS)
    followed = {t for _, _, ts in CHANNELS.values() for t in ts}
    unfollowed = {a for a, ts in topics_of.items() if not ts & followed}
    assert len(unfollowed) == sim.dumps  # the Iran stories: in no digest at all
    assert not unfollowed & {st.article_id for p in posts for sec in p.digest.sections for st in sec.stories}
    reg = registry(app)
    for key, (at, tz_name, topics) in CHANNELS.items():
        tz = ZoneInfo(tz_name)
        mine = [p for p in posts if p.channel == key]
        shown = [i for p in mine for sec in p.digest.sections for st in sec.stories
                 for i in (st.article_id, *st.merged_ids)]
        expected = sorted(a for a, ts in topics_of.items() if ts & set(topics))
        assert sorted(shown) == expected, f"{key}: every story once, none missing, none doubled"
        assert len(shown) == len(set(shown))
        row_id = reg.get(key).row_id
        assert sorted(a for c, a in delivered if c == row_id) == expected
        # One daily run per local day, at the channel's local time (or once on start after the outage);
        # a day with nothing new is recorded as skipped and posts nothing.
        days = _expected_days(at, tz)
        daily = {r.local_date: r for r in runs.values() if r.channel_id == row_id and r.kind == "daily"}
        assert not [r for r in runs.values() if r.channel_id == row_id and r.kind != "daily"]
        assert set(daily) == set(days), f"{key}: digest days {sorted(set(daily) ^ set(days))} differ"
        posted = {runs[p.digest.run_marker].local_date: p for p in mine}
        assert len(posted) == len(mine), f"{key}: two posts for one local day"
        for day, run in daily.items():
            window_end = run.window_end if run.window_end.tzinfo else run.window_end.replace(tzinfo=UTC)
            assert window_end == days[day], f"{key} {day}: ran at {window_end}, expected {days[day]}"
            if days[day] != DOWN[1]:
                assert window_end.astimezone(tz).strftime("%H:%M") == at  # DST kept the wall-clock time
            assert (run.status, day in posted) in (("posted", True), ("skipped", False)), f"{key} {day}: {run.status}"
            if run.status == "skipped":
                assert run.story_count == 0
        assert len(posted) >= len(days) - 2  # the quiet first and last days aside, every day had news
    london = [p for p in posts if p.channel == LONDON]
    assert sum(runs[p.digest.run_marker].local_date == CRASH_AT.date() for p in london) == 1  # crash: not reposted
