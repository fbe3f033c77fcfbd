"""What a channel was told is what its digests said: the exact sentences, recorded on each run.

A developing story over three days: each digest leads with the day's new facts and never says a
sentence an earlier digest said. What a run posted is on its row once it is posted (also after a crash
between post and mark); runs from before migration 0015 count by their stories' leads; only the last
few runs keep their sentences, and the pass reads them through the partial index.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import event, select

from bot.adapters.console import ConsolePoster, SimulatedCrash
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.chat.results import Digest
from bot.delivery.digest_tidy import sentence_key
from bot.delivery.runner import Delivery
from bot.delivery.runs import Claim
from bot.delivery.told import RECENT_RUNS, posted_sentences, told_for_channels, told_on_topics
from bot.ingest.service import ingest_paths
from bot.store.models import ArticleRow, DeliveredRow, DigestRunRow
from tests.digest_support import config_dir, make_app, registry, write_dump
from tests.integration.test_digest_update import BREACH, DAY_ONE, DAY_TWO, DEATHS, EVACUATION, RESCUE

CHANNEL = ChannelKey("console", "t", "told")
CHANNELS = '[channels."console:t:told"]\ntopics = ["ukraine"]\ntime = "07:30"\ntimezone = "UTC"\n'
INQUIRY = "Prosecutors in Kyiv opened a war crimes investigation into the destruction of the Kakhovka dam."
WATER = "The United Nations began trucking drinking water to 30,000 people whose wells the flood had spoiled."
DAY_THREE = {"title": "Kyiv opens war crimes inquiry into Kakhovka dam breach", "source": "wire",
             "url": "https://news.example/3", "body": "\n\n".join([BREACH, DEATHS, INQUIRY, EVACUATION, WATER])}
DAYS = [(datetime(2026, 6, 6 + i, 6, 0, tzinfo=UTC), story) for i, story in enumerate((DAY_ONE, DAY_TWO, DAY_THREE))]


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    with time_machine.travel(DAYS[0][0], tick=False):
        application = make_app(db_url, config_dir(tmp_path, CHANNELS), tmp_path / "data")
        yield application
        application.close()


def _said(digest: Digest) -> list[str]:
    """The lead sentences and story blurbs (the headlines are each day's own)."""
    return [s.text for b in digest.sections for s in b.lead] + [
        st.blurb for b in digest.sections for st in b.stories if st.blurb]


def _recorded(app: App) -> dict[str, dict[str, Any] | None]:
    with app.sessions() as session:
        return {r.marker: r.sentences for r in session.scalars(select(DigestRunRow))}


async def _day(app: App, tmp_path: Path, delivery: Delivery, morning: datetime, story: dict[str, str]) -> None:
    with time_machine.travel(morning, tick=False):
        assert ingest_paths(app, [write_dump(tmp_path, f"{morning:%d}.jsonl", [story])]).ok
    due = morning.replace(hour=7, minute=30)
    with time_machine.travel(due, tick=False):
        outcomes = await delivery.tick(due)
    assert [o.outcome for o in outcomes] == ["posted"], outcomes


async def test_each_day_leads_with_its_new_facts_and_never_repeats_a_sentence_it_posted(
        app: App, tmp_path: Path) -> None:
    poster = ConsolePoster(terminal=False, markdown_dir=None, render=lambda d, fmt: d.title)
    delivery = Delivery(app, registry(app), {"console": poster})
    earlier: set[str] = set()
    firsts = []
    for morning, story in DAYS:
        await _day(app, tmp_path, delivery, morning, story)
        digest = poster.posts[-1].digest
        said = _said(digest)
        assert said and not {sentence_key(s) for s in said} & earlier, f"{morning:%d}: said again: {said}"
        # The run records exactly what the digest said, with the article each sentence came from.
        recorded = {topic: [[a, t] for a, t in texts] for topic, texts in posted_sentences(digest).items()}
        assert list(recorded) == ["ukraine"] and _recorded(app)[digest.run_marker] == recorded
        earlier |= {sentence_key(t) for _, t in posted_sentences(digest)["ukraine"]}
        firsts.append(digest.sections[0].lead[0].text)
    assert firsts[0] == BREACH  # day one: the breach is the news
    assert firsts[1] in (DEATHS, RESCUE)  # day two: the toll, not the breach again
    assert firsts[2] in (INQUIRY, WATER)  # day three: what neither earlier digest said
    with app.sessions() as session:  # and what the channel is told next is what those digests said
        told = told_on_topics(session, registry(app).get(CHANNEL).row_id, ["ukraine"])["ukraine"]
    assert {sentence_key(t) for t in told} == earlier  # not the lead paragraphs of the stories it was sent


async def test_a_run_found_posted_after_a_crash_counts_what_it_said(db_url: str, tmp_path: Path) -> None:
    """A crash between post and mark: the next process finds the post and marks the run posted without
    composing again. What it said was recorded before posting, so the channel's next brief knows it."""
    platform = tmp_path / "platform"
    with time_machine.travel(DAYS[0][0], tick=False) as clock:
        app = make_app(db_url, config_dir(tmp_path, CHANNELS), tmp_path / "data")
        try:
            first = ConsolePoster(terminal=False, markdown_dir=platform, render=lambda d, fmt: d.title)
            assert ingest_paths(app, [write_dump(tmp_path, "day1.jsonl", [DAY_ONE])]).ok
            due = DAYS[0][0].replace(hour=7, minute=30)
            clock.move_to(due)
            first.crash_after_next_post()
            with pytest.raises(SimulatedCrash):
                await Delivery(app, registry(app), {"console": first}, instance="dies").tick(due)
            later = due + timedelta(minutes=30)
            clock.move_to(later)
            second = ConsolePoster(terminal=False, markdown_dir=platform, render=lambda d, fmt: d.title)
            outcomes = await Delivery(app, registry(app), {"console": second}, instance="next").tick(later)
            assert [o.outcome for o in outcomes] == ["recovered"] and not second.posts
            posted = first.posts[-1].digest
            with app.sessions() as session:
                told = told_on_topics(session, registry(app).get(CHANNEL).row_id, ["ukraine"])["ukraine"]
        finally:
            app.close()
    assert list(told) == [t for _, t in posted_sentences(posted)["ukraine"]]


def _ukraine_articles(app: App, tmp_path: Path) -> list[int]:
    with time_machine.travel(DAYS[0][0], tick=False):
        assert ingest_paths(app, [write_dump(tmp_path, "three.jsonl", [DAY_ONE, DAY_TWO, DAY_THREE])]).ok
    with app.sessions() as session:
        return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))


def _posted_run(app: App, channel_id: int, day: int, delivered: list[int], said: dict[str, Any] | None) -> int:
    with app.sessions.begin() as session:
        when = datetime(2026, 6, day, 7, 30, tzinfo=UTC)
        run = DigestRunRow(channel_id=channel_id, local_date=when.date(), kind="daily", status="posted",
                           marker=f"m{channel_id}-{day}", claimed_at=when, window_end=when, attempts=1,
                           story_count=len(delivered), sentences=said)
        session.add(run)
        session.flush()
        session.add_all(DeliveredRow(channel_id=channel_id, article_id=a, run_id=run.id) for a in delivered)
        return int(run.id)


def test_told_is_the_sentences_sent_and_the_leads_of_runs_from_before_they_were_recorded(
        app: App, tmp_path: Path) -> None:
    one, two, three = _ukraine_articles(app, tmp_path)
    channel = registry(app).ensure_row(CHANNEL)
    # Before migration 0015 (no sentences): the story it delivered on the topic stands for what it was told.
    _posted_run(app, channel, 6, [one], None)
    # Since: what it said, and nothing of a story it delivered but did not show ("and 1 more").
    # Since: what it said under each topic, and nothing of a story it delivered but did not show ("and 1
    # more"). A sentence said under another topic counts there, whatever its article is tagged with.
    _posted_run(app, channel, 7, [two, three], {"ukraine": [[two, DAY_TWO["title"]], [two, DEATHS]],
                                                "russia": [[two, RESCUE]]})
    with app.sessions() as session:
        told = told_for_channels(session, [channel], ["ukraine", "russia", "economy"])
    lead_one = "\n".join([DAY_ONE["title"], *DAY_ONE["body"].split("\n\n")])
    assert told == {channel: {"ukraine": (DAY_TWO["title"], DEATHS, lead_one), "russia": (RESCUE,)}}
    assert INQUIRY not in "".join(told[channel]["ukraine"])  # day three's story was delivered, never said


def test_only_the_last_runs_keep_their_sentences_and_the_read_uses_their_index(app: App, tmp_path: Path) -> None:
    one, two, three = _ukraine_articles(app, tmp_path)
    channel = registry(app).ensure_row(CHANNEL)
    delivery = Delivery(app, registry(app), {})
    for day in range(1, 7):
        _posted_run(app, channel, day, [one] if day == 1 else [], {"ukraine": [[two, f"Sentence of day {day}."]]})
    # The next composition clears what the told read will not use again.
    claim = delivery.ledger.claim(channel, "daily", date(2026, 6, 8), datetime(2026, 6, 8, 7, 30, tzinfo=UTC))
    assert isinstance(claim, Claim)
    delivery.ledger.record_composition(claim, [three], 1, None, sentences={"ukraine": [(three, INQUIRY)]})
    with app.sessions() as session:
        kept = {r.local_date.day: r.sentences for r in session.scalars(select(DigestRunRow))}
    assert [d for d, s in sorted(kept.items()) if s is not None] == [4, 5, 6, 8]
    assert RECENT_RUNS == 3
    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        statements.append((statement, parameters))

    event.listen(app.engine, "before_cursor_execute", keep)
    try:
        with app.sessions() as session:
            told = told_for_channels(session, [channel], ["ukraine"])
    finally:
        event.remove(app.engine, "before_cursor_execute", keep)
    assert told == {channel: {"ukraine": tuple(f"Sentence of day {d}." for d in (6, 5, 4))}}
    assert len(statements) == 1  # the runs with their sentences: no delivered rows, topics or articles read
    runs_read, parameters = statements[0]
    with app.engine.begin() as conn:
        if app.engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {runs_read}", parameters))
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: ask which paths exist
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {runs_read}", parameters))
    assert "ix_digest_runs_told" in plan, plan
