"""SQLAlchemy ORM classes. The schema itself is owned by Alembic (``bot/store/migrations``).

The tables briefs read (articles, their topic scores, stories) are Core tables in ``bot.store.tables``,
mapped here: a brief reads them without importing the ORM.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store import tables


class Base(DeclarativeBase):
    """Declarative base; every column spells out its type so both dialects agree."""

    metadata = tables.metadata


class ArticleRow(Base):
    """One stored story (columns: ``bot.store.tables.articles``, which briefs read without the ORM)."""

    __table__ = tables.articles

    id: Mapped[int]
    fingerprint: Mapped[str]
    title: Mapped[str]
    body: Mapped[str]
    blocks: Mapped[list[Any]]
    caption: Mapped[str | None]
    credit_line: Mapped[str | None]
    credits: Mapped[list[Any]]
    caption_date: Mapped[date | None]
    url: Mapped[str | None]
    published_at: Mapped[datetime | None]
    source: Mapped[str | None]
    truncated: Mapped[bool]
    ingested_at: Mapped[datetime]
    guid: Mapped[str | None]
    guid_scope: Mapped[str | None]
    language: Mapped[str | None]
    superseded_by_id: Mapped[int | None]
    story_id: Mapped[int | None]


# Revised reports only (migration 0013): "which reports did this one replace" without a table scan.
Index("ix_articles_superseded_by_id", tables.articles.c.superseded_by_id,
      sqlite_where=text("superseded_by_id IS NOT NULL"), postgresql_where=text("superseded_by_id IS NOT NULL"))


class ArticleTopicRow(Base):
    """An article's relevance to a configured topic (``bot.store.tables.article_topics``)."""

    __table__ = tables.article_topics

    article_id: Mapped[int]
    topic: Mapped[str]
    score: Mapped[float]
    rank: Mapped[float | None]


class StoryRow(Base):
    """One event, reported by one or more articles (``bot.store.tables.stories``)."""

    __table__ = tables.stories

    id: Mapped[int]
    component_id: Mapped[int]
    representative_id: Mapped[int | None]
    size: Mapped[int]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    credits: Mapped[list[Any]]


class StoryFeaturesRow(Base):
    """What event similarity needs of one article (``summarizer.stories.EventFeatures``)."""

    __tablename__ = "story_features"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    names: Mapped[list[Any]] = mapped_column(JSON)


class StoryKeyRow(Base):
    """A name in an article's lead, with its ingest time: the index that finds a new report's candidates."""

    __tablename__ = "story_keys"
    # With article_id: the candidate query reads only the index (migration 0014).
    __table_args__ = (Index("ix_story_keys_key_time_article", "key", "ingested_at", "article_id"),)

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoryWordRow(Base):
    """In how many stored leads a word occurs (the IDF of event similarity); word '' counts the leads."""

    __tablename__ = "story_words"

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    df: Mapped[int] = mapped_column(Integer)


class ChannelRow(Base):
    """Per-channel settings changed from chat; a NULL column means "use config/channels.toml"."""

    __tablename__ = "channels"
    # Migration 0007: a Slack channel id is the same in every workspace that shares the channel, so
    # it gets one row whichever team a command came from (two rows would post every story twice).
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_channels_key"),
                      Index("uq_channels_slack_channel", "channel", unique=True,
                            sqlite_where=text("platform = 'slack'"), postgresql_where=text("platform = 'slack'")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    topics: Mapped[list[Any] | None] = mapped_column(JSON)
    digest_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM"
    timezone: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    per_topic: Mapped[int | None] = mapped_column(Integer)
    post_empty: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    # The cursor: articles ingested after this were not yet in a digest of this channel.
    covered_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class DigestRunRow(Base):
    """One digest per channel per local day: claimed before posting, marked posted after."""

    __tablename__ = "digest_runs"
    # Migration 0002: the one-per-day rule binds scheduled ("daily") runs only; "extra" runs are
    # `/digest now` and `newsdigest digest --force`.
    __table_args__ = (Index("uq_digest_runs_daily", "channel_id", "local_date", unique=True,
                            sqlite_where=text("kind = 'daily'"), postgresql_where=text("kind = 'daily'")),
                      Index("ix_digest_runs_channel_claimed", "channel_id", "claimed_at"),  # migration 0004
                      Index("ix_digest_runs_claimed_at", "claimed_at"),
                      Index("ix_digest_runs_channel_status_id", "channel_id", "status", "id"),  # migration 0010
                      # Migration 0015: only the few runs per channel that still hold their sentences.
                      Index("ix_digest_runs_told", "channel_id", "claimed_at",
                            sqlite_where=text("sentences IS NOT NULL"), postgresql_where=text("sentences IS NOT NULL")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8), default="daily", server_default="daily")  # daily | extra
    article_ids: Mapped[list[Any] | None] = mapped_column(JSON)  # what the run composed, set before posting
    # What it posted, {topic: [[article id, text], ...]} (bot/delivery/told.py), set with article_ids; NULL before
    # migration 0015, and once the channel has newer runs (only its last few are read). Deferred: claims
    # and the run history load whole rows and never need a digest's text.
    sentences: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), deferred=True)
    status: Mapped[str] = mapped_column(String(16))  # claimed | posted | failed | uncertain | skipped
    marker: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    story_count: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class DeliveredRow(Base):
    """Which article went to which channel in which run: the hard guarantee against doubles."""

    __tablename__ = "delivered"
    __table_args__ = (Index("ix_delivered_article_id", "article_id"),)  # "who received story N" (0004)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"), index=True)


class SourceRow(Base):
    """A polled feed and its fetch state. ``key_url`` is how it was configured or added (the identity);
    ``url`` is where it is fetched now (a permanent redirect moves it). A NULL setting column means
    "use config/sources.toml"."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_url: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))  # file | cli | opml
    every_seconds: Mapped[int | None] = mapped_column(Integer)
    full_text: Mapped[bool | None] = mapped_column(Boolean)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)  # a file source removed from the CLI
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Conditional GET validators from the last 200.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # What the last fetches did.
    last_fetch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(32))  # "200", "304", "timeout", "HTTP 503"...
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_taken: Mapped[int] = mapped_column(Integer, default=0)  # new stories from the last fetch
    items_total: Mapped[int] = mapped_column(Integer, default=0)  # new stories since the source was added
    recent_topics: Mapped[list[Any] | None] = mapped_column(JSON)  # topics of its recent stories
    # Scheduling: due when next_poll_at has passed; a replica holds it while lease_until is ahead.
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IngestCheckpointRow(Base):
    """How far a dump file's ingest got: one row per file in progress, gone once the file is done.

    Each batch of a long dump commits together with this row, so a crash resumes after the last batch.
    """

    __tablename__ = "ingest_checkpoints"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the file's bytes
    name: Mapped[str] = mapped_column(Text)
    records: Mapped[int] = mapped_column(Integer)  # parsed records (articles and rejects) committed so far
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[line, reason], ...] reported so far
    unlisted_errors: Mapped[int] = mapped_column(Integer, default=0)  # rejects counted beyond those listed
    superseded: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
