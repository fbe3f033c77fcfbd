"""What a channel was already told on a topic: the stories its last digests delivered.

A developing story (a war, a hurricane, an election count) comes back every day with yesterday's facts
restated in its first paragraphs. The digest's briefs are written as updates for a reader who has
those stories (summarizer ``previous``), so today's digest leads with what is new. Bounded: the
channel's last :data:`RECENT_RUNS` posted runs (index on ``digest_runs(channel_id, claimed_at)``), at
most :data:`MAX_STORIES` stories, and each story's headline and first :data:`LEAD_PARAGRAPHS` paragraphs
(where a digest's lead and story lines come from).
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow, DigestRunRow

RECENT_RUNS = 3
MAX_STORIES = 30
LEAD_PARAGRAPHS = 3


def _lead_text(title: str, blocks: list[Any] | None) -> str:
    paragraphs = [str(b.get("text", "")) for b in blocks or () if isinstance(b, dict) and b.get("kind") != "subheading"]
    return "\n".join([title, *paragraphs[:LEAD_PARAGRAPHS]])


def told_on_topics(session: Session, channel_id: int | None, topics: Collection[str], *,
                   leads: MutableMapping[int, str] | None = None) -> dict[str, tuple[str, ...]]:
    """Headline and leading paragraphs of the stories on each of ``topics`` the channel's recent digests
    delivered, most recent first: :func:`told_for_channels` for one channel.

    Empty for a channel with no row yet (nothing was delivered to it). ``leads``: lead texts by article
    id, shared by a digest pass (channels were told the same stories).
    """
    if channel_id is None:
        return {}
    return told_for_channels(session, [channel_id], topics, leads=leads).get(channel_id, {})


def told_for_channels(session: Session, channel_ids: Collection[int], topics: Collection[str], *,
                      leads: MutableMapping[int, str] | None = None,
                      tags: MutableMapping[int, frozenset[str]] | None = None) -> dict[int, dict[str, tuple[str, ...]]]:
    """What each of these channels was told on each of ``topics`` (a digest pass's batch), in three or
    four statements.

    Each channel's last RECENT_RUNS posted runs; what those runs delivered (index on ``delivered.run_id``);
    the topics of those articles; then per channel and topic the MAX_STORIES most recent (most recent run
    first, then the newest article). ``leads`` and ``tags`` (lead texts, topics by article id) are shared
    by a pass: channels were told the same stories.
    """
    if not channel_ids or not topics:
        return {}
    numbered = (select(DigestRunRow.id, func.row_number().over(
        partition_by=DigestRunRow.channel_id, order_by=DigestRunRow.claimed_at.desc()).label("n"))
        .where(DigestRunRow.channel_id.in_(sorted(channel_ids)), DigestRunRow.status == "posted").subquery())
    runs = [int(r) for r in session.scalars(select(numbered.c.id).where(numbered.c.n <= RECENT_RUNS))]
    if not runs:
        return {}
    sent = session.execute(select(DeliveredRow.channel_id, DeliveredRow.run_id, DeliveredRow.article_id)
                           .where(DeliveredRow.run_id.in_(sorted(runs)))).all()
    tags = {} if tags is None else tags
    missing = sorted({int(a) for _, _, a in sent} - set(tags))
    if missing:
        found: dict[int, set[str]] = {a: set() for a in missing}
        for article_id, topic in session.execute(select(ArticleTopicRow.article_id, ArticleTopicRow.topic)
                                                 .where(ArticleTopicRow.article_id.in_(missing))):
            found[int(article_id)].add(str(topic))
        tags.update((a, frozenset(t)) for a, t in found.items())
    wanted = set(topics)
    picked: dict[int, dict[str, list[tuple[int, int]]]] = {}
    for channel_id, run_id, article_id in sent:
        for topic in tags.get(int(article_id), frozenset()) & wanted:
            picked.setdefault(int(channel_id), {}).setdefault(topic, []).append((int(run_id), int(article_id)))
    for by_topic in picked.values():  # most recent run first, then newest article
        for topic, pairs in by_topic.items():
            by_topic[topic] = sorted(pairs, reverse=True)[:MAX_STORIES]
    texts = _lead_texts(session, {a for by_topic in picked.values() for pairs in by_topic.values() for _, a in pairs},
                        leads)
    return {c: {t: tuple(texts[a] for _, a in pairs if a in texts) for t, pairs in by_topic.items()}
            for c, by_topic in picked.items()}


def _lead_texts(session: Session, article_ids: Collection[int],
                leads: MutableMapping[int, str] | None) -> MutableMapping[int, str]:
    """Lead texts of these articles, read only for those ``leads`` does not have yet (then kept there)."""
    leads = {} if leads is None else leads
    missing = sorted(set(article_ids) - set(leads))
    if missing:
        for article_id, title, blocks in session.execute(
                select(ArticleRow.id, ArticleRow.title, ArticleRow.blocks).where(ArticleRow.id.in_(missing))):
            leads[int(article_id)] = _lead_text(title, blocks)
    return leads
