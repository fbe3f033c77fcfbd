"""Compose a channel's digest: which stories are new to it, under which topic, and the briefs.

What a digest carries: articles on the channel's topics, ingested up to the window end, that were
never delivered to this channel. The window's lower bound is the channel's cursor (``covered_until``)
minus :data:`LATE_COMMIT_MARGIN`, because an ingest stamps ``ingested_at`` when its transaction starts
and may commit after a digest already moved the cursor past that stamp; the ``delivered`` table is
what keeps the overlap from ever repeating a story.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from bot.app.timeutil import utc
from bot.chat.results import Brief, Digest
from bot.delivery.channels import ChannelConfig
from bot.delivery.digest_tidy import tidy_sections
from bot.delivery.told import posted_sentences, told_on_topics
from bot.newsroom.briefs import digest_brief
from bot.newsroom.topics import place_stories
from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.delivery.pass_cache import PassCache

LATE_COMMIT_MARGIN = timedelta(hours=1)
FIRST_DIGEST_LOOKBACK = timedelta(hours=24)  # a channel's first digest: the last day's stories

RunKind = Literal["daily", "extra"]


class BriefBuilder(Protocol):
    """``bot.newsroom.briefs.build_brief``'s signature (injected so composition can be tested on its own)."""

    def __call__(self, app: App, query: str, *, since: datetime | None = None,
                 article_ids: Collection[int] | None = None, limit: int = 5,
                 previous: Sequence[str] = ()) -> Brief: ...


@dataclass(frozen=True, slots=True)
class Composition:
    """A composed digest and every article id it covers (all become ``delivered`` once it is posted)."""

    digest: Digest
    article_ids: tuple[int, ...]
    stories: int  # story lines shown plus the "and N more" counts

    @property
    def empty(self) -> bool:
        return self.digest.empty

    @property
    def sentences(self) -> dict[str, list[tuple[int, str]]]:
        """What it says by topic, with the article each text came from: recorded on the run as what the
        channel is told."""
        return posted_sentences(self.digest)


def window_floor(covered_until: datetime | None, window_end: datetime) -> datetime:
    """Oldest ``ingested_at`` a digest ending at ``window_end`` looks at (see the module docstring)."""
    if covered_until is None:
        return window_end - FIRST_DIGEST_LOOKBACK
    return covered_until - LATE_COMMIT_MARGIN




def select_candidates(session: Session, channel_id: int | None, topics: tuple[str, ...], floor: datetime,
                      window_end: datetime, *, cache: PassCache | None = None,
                      ) -> tuple[dict[int, str], tuple[int, ...]]:
    """(article id -> best of the channel's topics, ids covered silently) for the window.

    "Best" is the highest relevance score, ties going to the topic the channel lists first, except that a
    story about as much about a topic no other story is placed under goes there
    (:func:`bot.newsroom.topics.place_stories`). An
    article whose earlier version was already delivered here is a revision of a story the channel
    has seen: it is covered silently (recorded as delivered, not shown again). ``channel_id`` None is a
    channel with no row yet (a dry run): nothing was delivered to it.
    """
    if not topics:
        return {}, ()
    prefetched = cache.sent_to(channel_id) if cache is not None and channel_id is not None else None
    if cache is not None:  # the window's rows are read once per pass; this channel's deliveries per batch
        rows = cache.window_rows(session, floor, window_end, topics)
        sent = prefetched
        if channel_id is not None and rows:
            if sent is None:  # not prefetched: one indexed read for this channel
                sent = set(session.scalars(select(DeliveredRow.article_id).where(
                    DeliveredRow.channel_id == channel_id, DeliveredRow.article_id >= min(r[0] for r in rows))))
            rows = [r for r in rows if r[0] not in sent]
    else:
        stmt = (select(ArticleRow.id, ArticleTopicRow.topic, ArticleTopicRow.score)
                .join(ArticleTopicRow, ArticleTopicRow.article_id == ArticleRow.id)
                .where(ArticleTopicRow.topic.in_(topics), ArticleRow.ingested_at > utc(floor),
                       ArticleRow.ingested_at <= utc(window_end), ArticleRow.superseded_by_id.is_(None)))
        if channel_id is not None:
            stmt = stmt.where(~exists().where(DeliveredRow.channel_id == channel_id,
                                              DeliveredRow.article_id == ArticleRow.id))
        rows = [(int(i), str(t), float(s)) for i, t, s in session.execute(stmt)]
    scores: dict[int, dict[str, float]] = {}
    for article_id, topic, score in rows:
        scores.setdefault(article_id, {})[topic] = float(score)
    best = place_stories(scores, topics)
    if not best or channel_id is None:
        return dict(sorted(best.items())), ()
    if cache is not None and prefetched is not None:
        seen_before = cache.seen_before(session, floor, window_end, prefetched, best)
        assigned = {a: t for a, t in sorted(best.items()) if a not in seen_before}
        return assigned, tuple(sorted(seen_before))
    older = aliased(ArticleRow)
    seen_before = {i for i in session.scalars(
        select(older.superseded_by_id).join(DeliveredRow, and_(DeliveredRow.article_id == older.id,
                                                               DeliveredRow.channel_id == channel_id))
        .where(older.superseded_by_id.in_(list(best)))) if i is not None}
    assigned = {a: t for a, t in sorted(best.items()) if a not in seen_before}
    return assigned, tuple(sorted(seen_before))


def digest_title(kind: RunKind, local_date: date) -> str:
    day = f"{local_date:%A} {local_date.day} {local_date:%B %Y}"
    return f"Daily digest · {day}" if kind == "daily" else f"Digest update · {day}"


def compose_digest(app: App, config: ChannelConfig, *, window_end: datetime, local_date: date, marker: str,
                   kind: RunKind = "daily", brief_fn: BriefBuilder | None = None,
                   only_ids: Collection[int] | None = None, cache: PassCache | None = None) -> Composition:
    """The channel's digest for stories new to it up to ``window_end`` (sync; opens its own session).

    ``only_ids`` restricts it to articles a crashed run had already composed, so a re-post after a
    crash carries that run's stories and not more. ``cache``: the digest pass's shared reads and briefs
    (:mod:`bot.delivery.pass_cache`); without it the window is read and every brief built for this
    channel alone (``brief_fn``, when given, always builds the briefs).
    """
    floor = window_floor(config.covered_until, window_end)
    sections: list[Brief] = []
    with app.sessions() as session:
        assigned, silent = select_candidates(session, config.row_id, config.topics, floor, window_end, cache=cache)
        if only_ids is not None:
            keep = set(only_ids)
            assigned = {a: t for a, t in assigned.items() if a in keep}
        by_topic: dict[str, set[int]] = {}
        for article_id, topic in assigned.items():
            by_topic.setdefault(topic, set()).add(article_id)
        # What the channel was already sent on each topic: the briefs are updates for that reader.
        told = cache.told(config.row_id) if cache is not None and config.row_id is not None else None
        if told is None:
            told = told_on_topics(session, config.row_id, list(by_topic),
                                  leads=cache.told_leads if cache is not None else None)
        if cache is not None and brief_fn is None:  # a pass: each brief is cut from the shared topic window
            for topic in config.topics:
                if topic in by_topic:
                    window = cache.topic_window(session, topic, floor, window_end)
                    sections.append(digest_brief(app, session, window, by_topic[topic], cache.briefs,
                                                 limit=config.per_topic, previous=told.get(topic, ())))
    if cache is None or brief_fn is not None:
        if brief_fn is None:
            from bot.newsroom.briefs import build_brief

            brief_fn = build_brief
        for topic in config.topics:
            if topic in by_topic:
                sections.append(brief_fn(app, topic, article_ids=sorted(by_topic[topic]), limit=config.per_topic,
                                         previous=told.get(topic, ())))
    sections = [s for s in sections if not s.empty]
    tz = config.tz
    digest = Digest(
        title=digest_title(kind, local_date),
        window_start=config.covered_until.astimezone(tz) if config.covered_until else None,
        window_end=window_end.astimezone(tz), sections=tidy_sections(sections), run_marker=marker,
        timezone=config.timezone)
    shown = sum(len(s.stories) + s.more for s in digest.sections)
    return Composition(digest, tuple(sorted(set(assigned) | set(silent))), shown)
