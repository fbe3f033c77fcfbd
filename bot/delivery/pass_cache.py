"""What one digest pass reads once for all its channels: the window's (story, topic, score) rows.

At 07:30 a thousand channels may be due with the same window (their cursors moved together the day
before). Each channel's candidate selection (docs/delivery.md) then filters these rows by its topics
and by what it already received (one indexed read per channel), instead of reading the window again.
Briefs stay per channel: each is an update for what that channel was already told.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.store.models import ArticleRow, ArticleTopicRow

TopicRow = tuple[int, str, float]


class PassCache:
    """Per-pass cache of window rows; thread-safe (channels are composed in worker threads)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[datetime, datetime], list[TopicRow]] = {}
        self._lock = threading.Lock()
        self.reads = 0  # windows read (for tests and the benchmark)

    def window_rows(self, session: Session, floor: datetime, window_end: datetime) -> list[TopicRow]:
        """(article id, topic, score) of every current article ingested in (floor, window_end]."""
        key = (floor, window_end)
        with self._lock:
            if key not in self._rows:
                stmt = (select(ArticleRow.id, ArticleTopicRow.topic, ArticleTopicRow.score)
                        .join(ArticleTopicRow, ArticleTopicRow.article_id == ArticleRow.id)
                        .where(ArticleRow.ingested_at > utc(floor), ArticleRow.ingested_at <= utc(window_end),
                               ArticleRow.superseded_by_id.is_(None)))
                self._rows[key] = [(int(i), str(t), float(s)) for i, t, s in session.execute(stmt)]
                self.reads += 1
            return self._rows[key]
