"""Exactly-once delivery on SQLite and PostgreSQL: claims, retries, crashes, replicas, coverage."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from bot.adapters.console import ConsolePoster, SimulatedCrash
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.delivery.runner import REPEAT_NOTE, Delivery
from bot.ingest.service import ingest_paths
from bot.store.articles import ArticleRepository
from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow, DigestRunRow
from tests.digest_support import config_dir, make_app, registry, story, write_dump

LONDON = ChannelKey("console", "t", "london")
NEW_YORK = ChannelKey("console", "t", "newyork")
CHANNELS = """
[channels."console:t:london"]
topics = ["ukraine", "russia"]
time = "07:30"
timezone = "Europe/London"
stories_per_topic = 20

[channels."console:t:newyork"]
topics = ["united-states"]
time = "01:30"
timezone = "America/New_York"
stories_per_topic = 20
"""
DAY1 = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


class World:
    """One database, one config; several 'processes' (Delivery instances) can be made on it."""

    def __init__(self, db_url: str, tmp: Path, traveller: time_machine.Coordinates) -> None:
        self.db_url, self.tmp, self.clock = db_url, tmp, traveller
        self.cfg = config_dir(tmp, CHANNELS)
        self.apps: list[App] = []
        self.app = self.new_app()
        self.rng = random.Random(7)
        self.n = 0
        self.markdown = tmp / "posted"

    def new_app(self) -> App:
        app = make_app(self.db_url, self.cfg, self.tmp / "data")
        self.apps.append(app)
        return app

    def at(self, when: datetime) -> datetime:
        self.clock.move_to(when)
        return when

    def ingest(self, *labels: str) -> list[int]:
        self.n += 1
        stories = [story(self.rng, label, self.n * 100 + i) for i, label in enumerate(labels)]
        report = ingest_paths(self.app, [write_dump(self.tmp, f"dump-{self.n}.jsonl", stories)])
        assert report.ok
        return list(report.article_ids)

    def delivery(self, poster: ConsolePoster, *, app: App | None = None, **kwargs: object) -> Delivery:
        app = app or self.app
        return Delivery(app, registry(app), {"console": poster}, **kwargs)  # type: ignore[arg-type]

    def poster(self, *, markdown: bool = True) -> ConsolePoster:
        return ConsolePoster(terminal=False, markdown_dir=self.markdown if markdown else None,
                             render=lambda d, fmt: d.title)

    def delivered(self, key: ChannelKey) -> list[int]:
        config = registry(self.app).get(key)
        with self.app.sessions() as s:
            return sorted(s.scalars(select(DeliveredRow.article_id).where(DeliveredRow.channel_id == config.row_id)))

    def runs(self) -> list[tuple[str, str, str]]:
        with self.app.sessions() as s:
            rows = s.scalars(select(DigestRunRow).order_by(DigestRunRow.id))
            return [(str(r.local_date), r.kind, r.status) for r in rows]

    def close(self) -> None:
        for app in self.apps:
            app.close()


def shown(poster: ConsolePoster, key: ChannelKey) -> list[int]:
    """Article ids in the posts to ``key``, in order, merged reports included."""
    return [i for p in poster.posts if p.channel == key for s in p.digest.sections for st in s.stories
            for i in (st.article_id, *st.merged_ids)]


def per_post(poster: ConsolePoster, key: ChannelKey) -> list[list[int]]:
    """Sorted article ids of each post to ``key`` (sections come in topic order, not id order)."""
    return [sorted(i for s in p.digest.sections for st in s.stories for i in (st.article_id, *st.merged_ids))
            for p in poster.posts if p.channel == key]


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    with time_machine.travel(DAY1, tick=False) as traveller:
        w = World(db_url, tmp_path, traveller)
        yield w
        w.close()


async def test_daily_digest_posts_once_and_the_next_story_waits_for_tomorrow(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    first = world.ingest("Ukraine", "Russia", "Kyiv")
    assert await delivery.tick(world.at(datetime(2026, 3, 10, 7, 0, tzinfo=UTC)), only=LONDON) == []  # not yet 07:30
    [outcome] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "posted" and sorted(shown(poster, LONDON)) == sorted(first)
    late = world.ingest("Ukraine")
    assert await delivery.tick(world.at(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)), only=LONDON) == []
    again = await delivery.run(LONDON, "daily")  # what `newsdigest digest` does a second time
    assert again.outcome == "done" and "already posted" in again.text and len(poster.posts) == 1
    await delivery.tick(world.at(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)), only=LONDON)
    assert per_post(poster, LONDON) == [sorted(first), late]
    assert world.delivered(LONDON) == sorted(first + late)
    assert registry(world.app).get(LONDON).covered_until == datetime(2026, 3, 11, 7, 30, tzinfo=UTC)


async def test_a_story_on_two_topics_appears_once_under_its_best_topic(world: World) -> None:
    poster = world.poster()
    both = world.ingest("Russia Ukraine")  # title matches both; russia and ukraine score alike
    await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    [post] = poster.posts
    assert [(s.query, [st.article_id for st in s.stories]) for s in post.digest.sections] == [("ukraine", both)]


async def test_failed_posts_are_recorded_retried_next_tick_and_bounded(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster, max_attempts=3)
    ids = world.ingest("Ukraine")
    poster.fail_next("channel_not_found", times=2)
    [o1] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    assert o1.outcome == "failed" and "channel_not_found" in (registry(world.app).get(LONDON).last_error or "")
    [o2] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 31, tzinfo=UTC)), only=LONDON)
    [o3] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 32, tzinfo=UTC)), only=LONDON)
    assert (o2.outcome, o3.outcome) == ("failed", "posted")
    assert shown(poster, LONDON) == ids and registry(world.app).get(LONDON).last_error is None
    # Next day every attempt fails: three tries, then it stops; the stories wait for the next digest.
    more = world.ingest("Kyiv")
    poster.fail_next("rate limited", times=10)
    for minute in range(6):
        await delivery.tick(world.at(datetime(2026, 3, 11, 7, 30 + minute, tzinfo=UTC)), only=LONDON)
    assert len(poster._failures) == 7 and world.runs()[-1] == ("2026-03-11", "daily", "failed")
    poster._failures.clear()
    await delivery.tick(world.at(datetime(2026, 3, 12, 7, 30, tzinfo=UTC)), only=LONDON)
    assert shown(poster, LONDON) == ids + more


async def test_crash_after_post_is_found_on_the_platform_and_never_reposted(world: World) -> None:
    poster = world.poster()
    ids = world.ingest("Ukraine", "Russia")
    poster.crash_after_next_post()
    with pytest.raises(SimulatedCrash):
        await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    restarted = world.delivery(poster, app=world.new_app())
    # The claim is not stale yet: the other process may still be posting.
    assert await restarted.tick(world.at(datetime(2026, 3, 10, 7, 35, tzinfo=UTC)), only=LONDON) == []
    [outcome] = await restarted.tick(world.at(datetime(2026, 3, 10, 7, 45, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "recovered" and len(poster.posts) == 1
    assert world.delivered(LONDON) == sorted(ids) and world.runs() == [("2026-03-10", "daily", "posted")]
    [quiet] = await restarted.tick(world.at(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)), only=LONDON)
    assert quiet.outcome == "empty" and len(poster.posts) == 1  # nothing new, nothing reposted


async def test_crash_when_the_platform_cant_tell_reposts_once_with_a_note(world: World) -> None:
    poster = world.poster(markdown=False)  # a terminal can't be searched: find_digest -> None
    ids = world.ingest("Ukraine", "Russia")
    poster.crash_after_next_post()
    with pytest.raises(SimulatedCrash):
        await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    world.ingest("Kyiv")  # arrives after the crashed run composed: not part of the re-post
    restarted = world.delivery(poster, app=world.new_app())
    [outcome] = await restarted.tick(world.at(datetime(2026, 3, 10, 8, 0, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "posted"
    assert [p.note for p in poster.posts] == [None, REPEAT_NOTE]
    assert sorted(shown(poster, LONDON)) == sorted(ids + ids)  # the same stories, once more, flagged
    assert await restarted.tick(world.at(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)), only=LONDON) == []


async def test_crash_before_composing_posts_normally_after_recovery(world: World) -> None:
    poster = world.poster(markdown=False)
    ids = world.ingest("Ukraine")
    dead = world.delivery(poster)
    config = registry(world.app).get(LONDON)
    row_id = registry(world.app).ensure_row(LONDON)
    dead.ledger.claim(row_id, "daily", config.covered_until.date() if config.covered_until else DAY1.date(),
                      world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)))  # claimed, then the process died
    [outcome] = await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 7, 50, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "posted" and poster.posts[0].note is None and shown(poster, LONDON) == ids


async def test_two_replicas_on_one_database_post_one_digest(world: World) -> None:
    one, two = world.poster(), world.poster()
    replicas = [world.delivery(one, instance="a"), world.delivery(two, app=world.new_app(), instance="b")]
    ids = world.ingest("Ukraine", "Russia", "Kyiv")
    for minute in (30, 30, 31, 45):
        now = world.at(datetime(2026, 3, 10, 7, minute, tzinfo=UTC))
        await asyncio.gather(*(r.tick(now, only=LONDON) for r in replicas))
    assert len(one.posts) + len(two.posts) == 1
    assert sorted(shown(one, LONDON) + shown(two, LONDON)) == sorted(ids)


async def test_now_posts_an_extra_digest_without_consuming_the_daily_one(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    early = world.ingest("Ukraine")
    world.at(datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    extra = await delivery.run(LONDON, "extra")
    assert extra.outcome == "posted" and poster.posts[0].digest.title.startswith("Digest update")
    assert (await delivery.run(LONDON, "extra")).outcome == "empty"  # nothing new: nothing posted
    later = world.ingest("Russia")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    assert shown(poster, LONDON) == early + later and len(poster.posts) == 2
    assert [r[1:] for r in world.runs()] == [("extra", "posted"), ("extra", "skipped"), ("daily", "posted")]


async def test_missed_digests_catch_up_as_one_digest_within_the_grace_window(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    a = world.ingest("Ukraine")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    b = world.ingest("Russia")
    world.at(datetime(2026, 3, 11, 3, 0, tzinfo=UTC))
    c = world.ingest("Kyiv")
    # Down from before 07:30 on the 11th until 12:00: one catch-up digest covering the whole gap.
    [late] = await delivery.tick(world.at(datetime(2026, 3, 11, 12, 0, tzinfo=UTC)), only=LONDON)
    assert late.outcome == "posted" and str(late.local_date) == "2026-03-11"
    assert per_post(poster, LONDON) == [a, sorted(b + c)]
    # Down for longer than catch_up_hours (18 h) past the 12th's time: no digest for the 12th at all;
    # the 13th's carries everything.
    d = world.ingest("Ukraine")
    assert await delivery.tick(world.at(datetime(2026, 3, 13, 6, 0, tzinfo=UTC)), only=LONDON) == []
    await delivery.tick(world.at(datetime(2026, 3, 13, 7, 30, tzinfo=UTC)), only=LONDON)
    assert per_post(poster, LONDON) == [a, sorted(b + c), d]
    assert [r[0] for r in world.runs()] == ["2026-03-10", "2026-03-11", "2026-03-13"]


async def test_a_late_committing_article_behind_the_cursor_is_not_skipped(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    world.ingest("Ukraine")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    # An ingest that started (and stamped ingested_at) at 07:29 but committed after the digest.
    world.at(datetime(2026, 3, 10, 7, 29, tzinfo=UTC))
    late = world.ingest("Russia")
    await delivery.tick(world.at(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)), only=LONDON)
    assert shown(poster, LONDON)[-1:] == late


async def test_a_revision_of_a_delivered_story_is_covered_silently(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    [old] = world.ingest("Ukraine")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    world.at(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    [new] = world.ingest("Kyiv")
    with world.app.sessions.begin() as s:
        ArticleRepository(s).mark_superseded(old, new)  # what ingest does for a longer re-sent story
    await delivery.tick(world.at(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)), only=LONDON)
    assert shown(poster, LONDON) == [old] and new in world.delivered(LONDON)


async def test_quiet_days_post_nothing_unless_post_empty(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    [outcome] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "empty" and poster.posts == []
    registry(world.app).update(LONDON, by="U1", post_empty=True)
    world.at(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    await delivery.tick(world.at(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)), only=LONDON)
    assert len(poster.posts) == 1 and poster.posts[0].digest.empty


async def test_fall_back_night_gives_one_digest_for_an_ambiguous_time(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    world.at(datetime(2026, 10, 31, 20, 0, tzinfo=UTC))
    ids = world.ingest("White House")
    for hour, minute in ((5, 30), (6, 0), (6, 30), (7, 0)):  # 01:30 EDT, then 01:30 EST again
        await delivery.tick(world.at(datetime(2026, 11, 1, hour, minute, tzinfo=UTC)), only=NEW_YORK)
    assert len(poster.posts) == 1 and shown(poster, NEW_YORK) == ids


async def test_changing_the_time_after_todays_slot_starts_with_the_next_one(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    world.at(datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    world.ingest("Ukraine")
    registry(world.app).update(LONDON, by="U1", digest_time="05:00")  # 05:00 today has passed
    assert await delivery.tick(world.at(datetime(2026, 3, 10, 6, 1, tzinfo=UTC)), only=LONDON) == []
    await delivery.tick(world.at(datetime(2026, 3, 11, 5, 0, tzinfo=UTC)), only=LONDON)
    assert len(poster.posts) == 1


async def test_an_article_row_is_never_delivered_twice_even_by_a_forced_run(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    ids = world.ingest("Ukraine")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    forced = await delivery.run(LONDON, "extra")  # `newsdigest digest --force` with nothing new
    assert forced.outcome == "empty" and shown(poster, LONDON) == ids
    with world.app.sessions() as s:
        assert s.scalar(select(ArticleRow.id).where(ArticleRow.id == ids[0])) == ids[0]


async def test_an_uncertain_run_waits_for_a_process_that_can_check_its_platform(world: World) -> None:
    poster = world.poster()
    ids = world.ingest("Ukraine")
    poster.crash_after_next_post()
    with pytest.raises(SimulatedCrash):
        await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    elsewhere = Delivery(world.app, registry(world.app), {"slack": world.poster()})  # no console poster here
    assert await elsewhere.tick(world.at(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))) == []
    assert world.runs() == [("2026-03-10", "daily", "uncertain")]  # left for a process that can look
    [outcome] = await world.delivery(poster).tick(world.at(datetime(2026, 3, 10, 8, 1, tzinfo=UTC)), only=LONDON)
    assert outcome.outcome == "recovered" and shown(poster, LONDON) == ids


async def test_a_channel_never_served_starts_with_its_next_time_not_a_catch_up(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    assert await delivery.tick(world.at(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)), only=LONDON) == []
    assert world.runs() == []  # 07:30 passed before this channel was ever served: no catch-up
    ids = world.ingest("Ukraine")
    [late_cron] = await delivery.tick(world.at(datetime(2026, 3, 11, 7, 33, tzinfo=UTC)), only=LONDON)
    assert late_cron.outcome == "posted" and shown(poster, LONDON) == ids


async def test_a_composing_error_is_a_failed_attempt_not_a_stuck_claim(world: World) -> None:
    poster = world.poster()
    calls = []

    def broken_brief(*args: object, **kwargs: object) -> object:
        calls.append(1)
        raise RuntimeError("summarizer exploded")

    world.ingest("Ukraine")
    delivery = world.delivery(poster, brief_fn=broken_brief, max_attempts=2)
    [first] = await delivery.tick(world.at(datetime(2026, 3, 10, 7, 30, tzinfo=UTC)), only=LONDON)
    assert first.outcome == "failed" and "summarizer exploded" in (registry(world.app).get(LONDON).last_error or "")
    await delivery.tick(world.at(datetime(2026, 3, 10, 7, 31, tzinfo=UTC)), only=LONDON)
    assert await delivery.tick(world.at(datetime(2026, 3, 10, 8, 0, tzinfo=UTC)), only=LONDON) == []  # bounded
    assert len(calls) == 2 and poster.posts == [] and world.runs() == [("2026-03-10", "daily", "failed")]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_interleavings_never_lose_or_double_a_story(world: World, seed: int) -> None:
    """Random dumps, ticks, replicas, failed posts, crashes and /digest now; then a quiet drain."""
    rng = random.Random(seed)
    posters: list[ConsolePoster] = []

    def process() -> Delivery:
        posters.append(world.poster())
        return world.delivery(posters[-1], app=world.new_app(), instance=f"p{len(posters)}")

    def poster_of(p: Delivery) -> ConsolePoster:
        return p.posters["console"]  # type: ignore[return-value]

    processes = [process()]
    now = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    for _ in range(120):
        now = world.at(now + timedelta(minutes=rng.choice((7, 15, 30, 50, 90))))
        roll = rng.random()
        if roll < 0.3:
            world.ingest(*rng.sample(("Ukraine", "Russia", "Washington", "Kyiv"), k=rng.randint(1, 3)))
        elif roll < 0.35:
            poster_of(rng.choice(processes)).fail_next("flaky", times=rng.randint(1, 2))
        elif roll < 0.4:
            poster_of(rng.choice(processes)).crash_after_next_post()
        elif roll < 0.45 and len(processes) < 3:
            processes.append(process())  # another replica
        elif roll < 0.5 and len(processes) > 1:
            processes.pop(rng.randrange(len(processes)))  # a replica goes away
        work = [p.tick(now) for p in processes]
        if rng.random() < 0.1:
            work.append(rng.choice(processes).run(rng.choice((LONDON, NEW_YORK)), "extra", now=now))
        results = await asyncio.gather(*work, return_exceptions=True)
        for i, result in enumerate(results[:len(processes)]):
            if isinstance(result, SimulatedCrash):
                processes[i] = process()  # the dead process is replaced by a fresh one
            elif isinstance(result, BaseException):
                raise result
        if len(results) > len(processes) and isinstance(results[-1], BaseException):
            assert isinstance(results[-1], SimulatedCrash)
    for p in posters:
        p._failures.clear()
        p._crashes = 0
    for _ in range(2 * 48 + 4):  # two quiet days: everything pending must come out, exactly once
        now = world.at(now + timedelta(minutes=30))
        await asyncio.gather(*(p.tick(now) for p in processes))
    with world.app.sessions() as s:
        topics_of: dict[int, set[str]] = {}
        for article_id, topic in s.execute(select(ArticleTopicRow.article_id, ArticleTopicRow.topic)):
            topics_of.setdefault(article_id, set()).add(topic)
    for key, topics in ((LONDON, {"ukraine", "russia"}), (NEW_YORK, {"united-states"})):
        expected = sorted(a for a, ts in topics_of.items() if ts & topics)
        shown_all = [i for p in posters for i in shown(p, key)]
        assert sorted(shown_all) == expected, f"{key}: every story exactly once"
        assert world.delivered(key) == expected
    assert not [r for r in world.runs() if r[2] in ("claimed", "uncertain")]


async def test_a_new_run_never_starts_while_a_dead_processes_run_is_unresolved(world: World) -> None:
    poster = world.poster()
    ids = world.ingest("Ukraine")
    dead = world.delivery(poster)
    poster.crash_after_next_post()
    with pytest.raises(SimulatedCrash):
        await dead.run(LONDON, "extra", now=world.at(datetime(2026, 3, 10, 6, 0, tzinfo=UTC)))
    # A replica that never ticked gets /digest now half an hour later: the dead run is settled first
    # (found on the platform), so the new one has nothing to post instead of posting the story again.
    replica = world.delivery(poster, app=world.new_app())
    again = await replica.run(LONDON, "extra", now=world.at(datetime(2026, 3, 10, 6, 30, tzinfo=UTC)))
    assert again.outcome == "empty" and shown(poster, LONDON) == ids
    # While it is still fresh, a claim blocks every other run of the channel.
    poster.crash_after_next_post()
    world.ingest("Kyiv")
    with pytest.raises(SimulatedCrash):
        await dead.run(LONDON, "extra", now=world.at(datetime(2026, 3, 10, 7, 0, tzinfo=UTC)))
    busy = await replica.run(LONDON, "extra", now=world.at(datetime(2026, 3, 10, 7, 5, tzinfo=UTC)))
    assert busy.outcome == "busy" and "try again" in busy.text


async def test_spring_forward_gap_time_posts_once_when_the_wall_clock_skips_it(world: World) -> None:
    poster = world.poster()
    delivery = world.delivery(poster)
    world.at(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    registry(world.app).update(NEW_YORK, by="U1", digest_time="02:30")  # no 02:30 in New York on 8 March
    ids = world.ingest("White House")
    start = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    for step in range(12):
        await delivery.tick(world.at(start + timedelta(minutes=30 * step)), only=NEW_YORK)
    [post] = poster.posts
    assert shown(poster, NEW_YORK) == ids
    assert post.digest.window_end.strftime("%H:%M %Z") == "03:30 EDT"  # shifted forward by the gap
