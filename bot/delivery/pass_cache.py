"""What one digest pass computes once for all its channels: the window's rows and the topic briefs' shared part.

At 07:30 a thousand channels may be due with the same window (their cursors moved together the day
before). Each channel's candidate selection (docs/delivery.md) filters the window's rows by its topics
and by what it already received, instead of reading the window again. Each (topic, window) is ranked
once (:class:`bot.newsroom.briefs.TopicWindow`) and every channel's brief on that topic is cut from it:
its own undelivered articles, in that order. The summarizer work is shared too
(:class:`bot.newsroom.briefs.BriefPool`): a brief's lead and story lines depend on the stories shown
and on what the channel was told before, and channels that follow a topic and got the same digests
share both. Only what differs per channel is computed per channel.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.newsroom.briefs import BriefPool, TopicWindow
from bot.store.candidates import Candidate
from bot.store.models import ArticleRow, ArticleTopicRow

TopicRow = tuple[int, str, float]
_RankedRow = tuple[int, str, float, float | None, int | None]  # + the topic rank and the story id


class PassCache:
    """Per-pass cache of window rows, ranked topic windows and shared brief work; thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[tuple[datetime, datetime], dict[str, list[_RankedRow]]] = {}
        self._windows: dict[tuple[str, datetime, datetime], TopicWindow] = {}
        self._lock = threading.Lock()
        self.briefs = BriefPool()
        self.told_leads: dict[int, str] = {}  # lead texts of told stories by article id (told.py)
        self.reads = 0  # windows read (for tests and the benchmark)

    def _ranked_rows(self, session: Session, floor: datetime, window_end: datetime) -> dict[str, list[_RankedRow]]:
        key = (floor, window_end)
        with self._lock:
            if key not in self._rows:
                stmt = (select(ArticleRow.id, ArticleTopicRow.topic, ArticleTopicRow.score, ArticleTopicRow.rank,
                               ArticleRow.story_id)
                        .join(ArticleTopicRow, ArticleTopicRow.article_id == ArticleRow.id)
                        .where(ArticleRow.ingested_at > utc(floor), ArticleRow.ingested_at <= utc(window_end),
                               ArticleRow.superseded_by_id.is_(None)))
                by_topic: dict[str, list[_RankedRow]] = {}
                for i, t, s, r, st in session.execute(stmt):
                    by_topic.setdefault(str(t), []).append(
                        (int(i), str(t), float(s), None if r is None else float(r), None if st is None else int(st)))
                self._rows[key] = by_topic
                self.reads += 1
            return self._rows[key]

    def window_rows(self, session: Session, floor: datetime, window_end: datetime,
                    topics: tuple[str, ...] | None = None) -> list[TopicRow]:
        """(article id, topic, score) of every current article ingested in (floor, window_end] (on ``topics``)."""
        by_topic = self._ranked_rows(session, floor, window_end)
        wanted = by_topic if topics is None else topics
        return [r[:3] for t in wanted for r in by_topic.get(t, ())]

    def topic_window(self, session: Session, topic: str, floor: datetime, window_end: datetime) -> TopicWindow:
        """The topic's articles of the window, ranked as a brief's candidate query ranks them (rank, then
        id, descending; a NULL rank sorts where the database puts it: last on SQLite, first on PostgreSQL)."""
        key = (topic, floor, window_end)
        with self._lock:
            if key in self._windows:
                return self._windows[key]
        rows = list(self._ranked_rows(session, floor, window_end).get(topic, ()))
        missing = float("inf") if session.get_bind().dialect.name == "postgresql" else float("-inf")
        rows.sort(key=lambda r: (missing if r[3] is None else r[3], r[0]), reverse=True)
        window = TopicWindow(topic, tuple(Candidate(r[0], r[4]) for r in rows), key)
        with self._lock:
            return self._windows.setdefault(key, window)
