"""What a channel was already told on a topic: the stories its last digests delivered.

A developing story (a war, a hurricane, an election count) comes back every day with yesterday's facts
restated in its first paragraphs. The digest's briefs are written as updates for a reader who has
those stories (summarizer ``previous``), so today's digest leads with what is new. Bounded: the
channel's last :data:`RECENT_RUNS` posted runs (index on ``digest_runs(channel_id, claimed_at)``), at
most :data:`MAX_STORIES` stories, and each story's headline and first :data:`LEAD_PARAGRAPHS` paragraphs
(where a digest's lead and story lines come from).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow, DigestRunRow

RECENT_RUNS = 3
MAX_STORIES = 30
LEAD_PARAGRAPHS = 3


def _lead_text(title: str, blocks: list[Any] | None) -> str:
    paragraphs = [str(b.get("text", "")) for b in blocks or () if isinstance(b, dict) and b.get("kind") != "subheading"]
    return "\n".join([title, *paragraphs[:LEAD_PARAGRAPHS]])


def told_on_topic(session: Session, channel_id: int | None, topic: str) -> list[str]:
    """Headline and leading paragraphs of the stories on ``topic`` the channel's recent digests delivered.

    Most recent first; empty for a channel with no row yet (nothing was delivered to it).
    """
    if channel_id is None:
        return []
    runs = list(session.scalars(
        select(DigestRunRow.id)
        .where(DigestRunRow.channel_id == channel_id, DigestRunRow.status == "posted")
        .order_by(DigestRunRow.claimed_at.desc()).limit(RECENT_RUNS)))
    if not runs:
        return []
    rows = session.execute(
        select(ArticleRow.title, ArticleRow.blocks)
        .join(DeliveredRow, DeliveredRow.article_id == ArticleRow.id)
        .join(ArticleTopicRow, ArticleTopicRow.article_id == ArticleRow.id)
        .where(DeliveredRow.run_id.in_(runs), DeliveredRow.channel_id == channel_id, ArticleTopicRow.topic == topic)
        .order_by(DeliveredRow.run_id.desc(), ArticleRow.id.desc()).limit(MAX_STORIES)).all()
    return [_lead_text(title, blocks) for title, blocks in rows]
