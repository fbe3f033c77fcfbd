"""Delivery history: digest runs with their outcome, and which channels received a story (sync reads).

Shared by ``newsdigest history`` and the dashboard. Every query is bounded: runs newest first with a
``LIMIT`` (indexes ``ix_digest_runs_claimed_at`` / ``ix_digest_runs_channel_claimed``), a story's
deliveries through ``ix_delivered_article_id``, and the last posted run per channel for the channels
asked about only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.timeutil import utc, utc_or_none
from bot.chat.ports import ChannelKey
from bot.store.models import ArticleRow, ChannelRow, DeliveredRow, DigestRunRow

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One digest run as the ledger holds it."""

    id: int
    channel: ChannelKey
    kind: str
    local_date: date
    status: str
    claimed_at: datetime
    posted_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    stories: int
    message_ids: tuple[str, ...]
    attempts: int
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "run": self.id, "channel": str(self.channel), "kind": self.kind, "local_date": self.local_date.isoformat(),
            "status": self.status, "claimed_at": iso(self.claimed_at), "posted_at": iso(self.posted_at),
            "window_start": iso(self.window_start), "window_end": iso(self.window_end), "stories": self.stories,
            "message_ids": list(self.message_ids), "attempts": self.attempts, "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One channel that received a story: in which run, when."""

    channel: ChannelKey
    run_id: int
    kind: str
    posted_at: datetime | None


def _record(run: DigestRunRow, channel: ChannelRow) -> RunRecord:
    return RunRecord(
        id=run.id, channel=ChannelKey(channel.platform, channel.workspace, channel.channel), kind=run.kind,
        local_date=run.local_date, status=run.status, claimed_at=utc(run.claimed_at),
        posted_at=utc_or_none(run.posted_at), window_start=utc_or_none(run.window_start),
        window_end=utc_or_none(run.window_end), stories=run.story_count or 0,
        message_ids=tuple(str(m) for m in run.message_ids or ()), attempts=run.attempts or 0, error=run.error)


def _bind(session: Session, value: datetime) -> datetime:
    # SQLite keeps naive UTC text: compare like with like.
    value = utc(value)
    return value.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else value


def list_runs(sessions: sessionmaker[Session], *, channel: ChannelKey | None = None, since: datetime | None = None,
              until: datetime | None = None, status: str | None = None, run_ids: Collection[int] | None = None,
              limit: int = DEFAULT_LIMIT) -> list[RunRecord]:
    """Digest runs newest first (by claim time), filtered by channel, time, status; at most ``limit``."""
    limit = max(1, min(limit, MAX_LIMIT))
    with sessions() as session:
        stmt = select(DigestRunRow, ChannelRow).join(ChannelRow, ChannelRow.id == DigestRunRow.channel_id)
        if channel is not None:
            stmt = stmt.where(ChannelRow.platform == channel.platform, ChannelRow.workspace == channel.workspace,
                              ChannelRow.channel == channel.channel)
        if since is not None:
            stmt = stmt.where(DigestRunRow.claimed_at >= _bind(session, since))
        if until is not None:
            stmt = stmt.where(DigestRunRow.claimed_at < _bind(session, until))
        if status is not None:
            stmt = stmt.where(DigestRunRow.status == status)
        if run_ids is not None:
            stmt = stmt.where(DigestRunRow.id.in_(list(run_ids)))
        stmt = stmt.order_by(DigestRunRow.claimed_at.desc(), DigestRunRow.id.desc()).limit(limit)
        return [_record(run, ch) for run, ch in session.execute(stmt).all()]


def last_posted(sessions: sessionmaker[Session], channel_ids: Collection[int]) -> dict[int, RunRecord]:
    """The newest posted run of each of these channels (channel row id -> run)."""
    if not channel_ids:
        return {}
    with sessions() as session:
        newest = (select(func.max(DigestRunRow.id).label("id"))
                  .where(DigestRunRow.channel_id.in_(list(channel_ids)), DigestRunRow.status == "posted")
                  .group_by(DigestRunRow.channel_id).subquery())
        stmt = (select(DigestRunRow, ChannelRow).join(ChannelRow, ChannelRow.id == DigestRunRow.channel_id)
                .where(DigestRunRow.id.in_(select(newest.c.id))))
        return {run.channel_id: _record(run, ch) for run, ch in session.execute(stmt).all()}


def story_deliveries(sessions: sessionmaker[Session], article_id: int, *,
                     limit: int = DEFAULT_LIMIT) -> list[Delivery]:
    """Channels that received exactly this story (its row id), newest run first."""
    with sessions() as session:
        stmt = (select(ChannelRow, DigestRunRow)
                .join(DeliveredRow, DeliveredRow.channel_id == ChannelRow.id)
                .join(DigestRunRow, DigestRunRow.id == DeliveredRow.run_id)
                .where(DeliveredRow.article_id == article_id)
                .order_by(DigestRunRow.id.desc()).limit(limit))
        return [Delivery(ChannelKey(ch.platform, ch.workspace, ch.channel), run.id, run.kind,
                         utc_or_none(run.posted_at)) for ch, run in session.execute(stmt).all()]


def run_articles(sessions: sessionmaker[Session], run_id: int, *, limit: int = 200) -> list[tuple[int, str]]:
    """(id, title) of the stories a run delivered, in id order."""
    with sessions() as session:
        stmt = (select(ArticleRow.id, ArticleRow.title).join(DeliveredRow, DeliveredRow.article_id == ArticleRow.id)
                .where(DeliveredRow.run_id == run_id).order_by(ArticleRow.id).limit(limit))
        return [(int(i), str(t)) for i, t in session.execute(stmt).all()]
