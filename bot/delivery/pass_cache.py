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
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.delivery.told import told_for_channels
from bot.newsroom.briefs import BriefPool, TopicWindow
from bot.store.candidates import Candidate
from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow

TopicRow = tuple[int, str, float]
_RankedRow = tuple[int, str, float, float | None, int | None]  # + the topic rank and the story id


class PassCache:
    """Per-pass cache of window rows, ranked topic windows and shared brief work; thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[tuple[datetime, datetime], dict[str, list[_RankedRow]]] = {}
        self._windows: dict[tuple[str, datetime, datetime], TopicWindow] = {}
        self._lock = threading.Lock()
        self._prefetching = threading.Lock()
        self.briefs = BriefPool()
        self.told_leads: dict[int, str] = {}  # lead texts of told stories by article id (told.py)
        self.told_tags: dict[int, frozenset[str]] = {}  # and their topics
        self._revised: dict[tuple[datetime, datetime], dict[int, list[int]]] = {}
        self._sent: dict[int, set[int]] = {}
        self._told: dict[int, dict[str, tuple[str, ...]]] = {}
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

    # -- a batch's per-channel reads, done for the whole batch at once ---------------------------------

    def _revisions(self, session: Session, floor: datetime, window_end: datetime) -> dict[int, list[int]]:
        """Current article of the window -> the earlier versions it superseded (one scan per window)."""
        key = (floor, window_end)
        with self._lock:
            if key in self._revised:
                return self._revised[key]
        ids = [r[0] for rows in self._ranked_rows(session, floor, window_end).values() for r in rows]
        revised: dict[int, list[int]] = {}
        if ids:
            current = set(ids)
            for old, new in session.execute(select(ArticleRow.id, ArticleRow.superseded_by_id).where(
                    ArticleRow.superseded_by_id >= min(ids), ArticleRow.superseded_by_id <= max(ids))):
                if new is not None and int(new) in current:
                    revised.setdefault(int(new), []).append(int(old))
        with self._lock:
            return self._revised.setdefault(key, revised)

    def prefetch(self, session: Session, channels: Sequence[tuple[int, datetime, datetime, tuple[str, ...]]]) -> None:
        """For these (channel id, window floor, window end, topics): what was delivered to each among its
        window's articles and their earlier versions, and what each was told; three to five statements
        for the batch instead of four per channel."""
        if not channels:
            return
        with self._prefetching:  # batches in flight at once share the told caches below
            self._prefetch(session, channels)

    def _prefetch(self, session: Session, channels: Sequence[tuple[int, datetime, datetime, tuple[str, ...]]]) -> None:
        lows: list[int] = []
        older: set[int] = set()
        for _, floor, end, _ in channels:
            ids = [r[0] for rows in self._ranked_rows(session, floor, end).values() for r in rows]
            lows.extend(ids[:1] and [min(ids)])
            older.update(o for olds in self._revisions(session, floor, end).values() for o in olds)
        channel_ids = sorted({c for c, _, _, _ in channels})
        sent: dict[int, set[int]] = {c: set() for c in channel_ids}
        if lows:
            within = DeliveredRow.article_id >= min(lows)
            if older:
                within = within | DeliveredRow.article_id.in_(sorted(older))
            for c, a in session.execute(select(DeliveredRow.channel_id, DeliveredRow.article_id)
                                        .where(DeliveredRow.channel_id.in_(channel_ids), within)):
                sent[int(c)].add(int(a))
        told = told_for_channels(session, channel_ids, {t for _, _, _, ts in channels for t in ts},
                                 leads=self.told_leads, tags=self.told_tags)
        with self._lock:
            self._sent.update(sent)
            for c in channel_ids:
                self._told[c] = told.get(c, {})

    def sent_to(self, channel_id: int) -> set[int] | None:
        """Prefetched: the articles of the channel's window (and their earlier versions) it was sent."""
        with self._lock:
            return self._sent.get(channel_id)

    def told(self, channel_id: int) -> dict[str, tuple[str, ...]] | None:
        """Prefetched: what the channel was told on each of its topics (``told.told_on_topics``)."""
        with self._lock:
            return self._told.get(channel_id)

    def seen_before(self, session: Session, floor: datetime, window_end: datetime, sent: Collection[int],
                    articles: Collection[int]) -> set[int]:
        """Which of ``articles`` (of the window) revise a story whose earlier version is in ``sent``."""
        revised = self._revisions(session, floor, window_end)
        return {a for a in articles if any(o in sent for o in revised.get(a, ()))}
