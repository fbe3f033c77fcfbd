"""A brief's cost does not depend on how many stories are stored: it reads at most BRIEF_CANDIDATES
candidates, ranked in SQL, and loads only the stories it shows (counted with SQLAlchemy events).

The rank is relevance decayed by age: an all-time brief is "the most relevant recent stories"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event

from bot.app.bootstrap import App
from bot.newsroom.briefs import build_brief
from bot.store import candidates
from bot.store.articles import ArticleRepository
from summarizer.models import Article, Block
from tests.digest_support import config_dir, make_app

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _article(n: int, topic_word: str, extra: str = "") -> Article:
    text = (f"Officials in {topic_word} announced measure number {n} on Monday{extra}. The plan{n} covers "
            f"district{n} and village{n}, a spokesperson for agency{n} said after the meeting{n}.")
    return Article(title=f"{topic_word} measure {n} announced{extra}", blocks=(Block("paragraph", text),))


@dataclass
class Counter:
    statements: int = 0
    rows: int = 0


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    with time_machine.travel(NOW, tick=False):
        app = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
        yield app
        app.close()


def _fill(app: App, start: int, count: int, *, days_back: float = 0.0) -> None:
    with app.sessions.begin() as session:
        repo = ArticleRepository(session)
        for n in range(start, start + count):
            when = NOW - timedelta(days=days_back, minutes=n % 600)
            repo.add(_article(n, "Ukraine" if n % 3 else "Kyiv", " police"), ingested_at=when,
                     topics={"ukraine": 4.0 + (n % 5)})


def _cost(app: App, monkeypatch: pytest.MonkeyPatch, query: str, **kwargs: object) -> tuple[Counter, int]:
    seen = Counter()
    fetched: list[int] = []
    for name in ("topic_candidates", "search_candidates"):
        original = getattr(candidates, name)

        def counting(*a: object, _original: object = original, **k: object) -> object:
            found = _original(*a, **k)  # type: ignore[operator]
            fetched.append(len(found))
            return found

        monkeypatch.setattr(f"bot.newsroom.briefs.{name}", counting)

    def count(*_: object) -> None:
        seen.statements += 1

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        brief = build_brief(app, query, **kwargs)  # type: ignore[arg-type]
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
        monkeypatch.undo()
    assert brief.stories
    seen.rows = max(fetched)
    return seen, len(brief.stories)


@pytest.mark.parametrize(("query", "since"), [("ukraine", timedelta(hours=24)), ("ukraine", None),
                                              ("police", timedelta(hours=24)), ("police", None)],
                         ids=["topic-24h", "topic-all-time", "fulltext-24h", "fulltext-all-time"])
def test_a_brief_reads_the_same_whatever_the_store_holds(app: App, monkeypatch: pytest.MonkeyPatch, query: str,
                                                         since: timedelta | None) -> None:
    kwargs = {"since": NOW - since} if since else {}
    with time_machine.travel(NOW, tick=False):
        _fill(app, 0, 80)
        small, shown = _cost(app, monkeypatch, query, **kwargs)
        _fill(app, 80, 400)
        _fill(app, 480, 200, days_back=20)
        large, shown_large = _cost(app, monkeypatch, query, **kwargs)
    assert small.rows == large.rows == candidates.BRIEF_CANDIDATES  # K rows, not 80 or 680
    # PostgreSQL's full text reads widening time windows until one holds SEARCH_RECENT matches: a larger
    # store stops at the same window or an earlier one, never a later one (a bounded number in all).
    assert large.statements <= small.statements <= large.statements + len(candidates.SEARCH_WINDOWS)
    if app.engine.dialect.name == "sqlite" or query == "ukraine":
        assert small.statements == large.statements
    assert shown == shown_large == 5


def test_a_quiet_topic_falls_back_to_the_most_relevant_recent_stories(app: App) -> None:
    with time_machine.travel(NOW, tick=False):
        with app.sessions.begin() as session:
            repo = ArticleRepository(session)
            old_best = repo.add(_article(1, "Ukraine"), ingested_at=NOW - timedelta(days=30),
                                topics={"ukraine": 8.0}).id
            recent_weak = repo.add(_article(2, "Ukraine"), ingested_at=NOW - timedelta(days=2),
                                   topics={"ukraine": 2.0}).id
            recent_strong = repo.add(_article(3, "Ukraine"), ingested_at=NOW - timedelta(days=3),
                                     topics={"ukraine": 7.0}).id
        assert build_brief(app, "ukraine", since=NOW - timedelta(hours=24)).empty  # a quiet day
        brief = build_brief(app, "ukraine")
    # Relevance halves in weight per day of age: 7.0 three days ago beats 2.0 two days ago; a month-old
    # story, however relevant, comes last.
    assert [s.article_id for s in brief.stories] == [recent_strong, recent_weak, old_best]


def test_slash_brief_full_text_scans_its_24_hours_once(app: App) -> None:
    """/brief's "last 24 h" comes from a clock read a moment before the search's own: PostgreSQL must not
    look in the last day and then again in those 24 h (two scans of the same index entries)."""
    scans: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "@@" in statement:
            scans.append(statement)

    with time_machine.travel(NOW, tick=False):
        _fill(app, 0, 40)  # fewer than SEARCH_RECENT matches in the day: a wider window would be read next
        event.listen(app.engine, "before_cursor_execute", record)
        try:
            brief = build_brief(app, "police", since=NOW - timedelta(hours=24, seconds=1))
        finally:
            event.remove(app.engine, "before_cursor_execute", record)
    assert brief.stories
    if app.engine.dialect.name == "postgresql":
        finds = [s for s in scans if "LIMIT" in s and "ts_rank_cd" not in s]
        assert len(finds) == 1, finds
