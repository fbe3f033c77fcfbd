"""Core tables of the stories a brief reads: articles, their topic scores, stories.

The ORM classes of ``bot.store.models`` map these same tables. A brief reads them with SQLAlchemy
Core over a plain connection: importing the ORM, declaring the mapped classes and configuring the
mappers was a quarter of a ``newsdigest brief`` process's CPU (docs/benchmarks.md, "Start-up").
Nothing here may name a dialect option (``postgresql_where``, ...): declaring one loads that dialect's
whole package, drivers included. The schema itself is owned by Alembic (``bot/store/migrations``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # What the read queries run on: a brief's connection, or the session of an ingest or digest pass.
    Reader = Connection | Session

metadata = MetaData()

# One stored story. ``fingerprint`` makes ingest idempotent; FTS indexes title and body.
articles = Table(
    "articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), unique=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),  # paragraphs joined by blank lines (what FTS searches)
    Column("blocks", JSON, nullable=False),  # [{"kind": "paragraph"|"subheading", "text": ...}]
    Column("caption", Text),
    Column("credit_line", Text),
    Column("credits", JSON, default=list, nullable=False),
    Column("caption_date", Date),
    Column("url", Text),
    Column("published_at", DateTime(timezone=True)),
    Column("source", Text),
    Column("truncated", Boolean, default=False, nullable=False),
    Column("ingested_at", DateTime(timezone=True), index=True, nullable=False),
    # The item's id in its feed or wire format (RSS guid, Atom id, ninjs uri, NewsML-G2 guid): the same
    # guid again is the same story (a duplicate, or a revision when its text changed).
    Column("guid", Text, index=True),
    # Where the guid is unique: the polled source's URL (migration 0012); NULL when the source is not
    # known (a file), and then the guid matches any source's.
    Column("guid_scope", Text),
    Column("language", String(16)),  # ISO 639 code, from the item or detected
    # A re-sent, longer version of the same story replaces this one in briefs and digests. Its partial
    # index (migration 0013) is declared in ``bot.store.models``: it names dialect options.
    Column("superseded_by_id", ForeignKey("articles.id", ondelete="SET NULL")),
    # The event this report belongs to (migration 0010; no FK there, see it). NULL until assigned.
    Column("story_id", Integer, index=True),
)

# An article's relevance to a configured topic, computed at ingest.
article_topics = Table(
    "article_topics", metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("score", Float, nullable=False),
    # Relevance decayed by age, as an order: log2(score) + ingest time in half-lives (bot.store.articles).
    Column("rank", Float),
    Index("ix_article_topics_topic_score", "topic", "score"),
    Index("ix_article_topics_topic_rank", "topic", "rank"),
)

# One event, reported by one or more articles (``articles.story_id``); kept up to date at ingest.
stories = Table(
    "stories", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Stories linked by some similar pair of reports share a component: re-clustered together.
    Column("component_id", Integer, index=True, nullable=False),
    Column("representative_id", ForeignKey("articles.id", ondelete="SET NULL")),
    Column("size", Integer, default=1, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), index=True, nullable=False),
    Column("credits", JSON, default=list, nullable=False),  # every report's credits, first seen first
)


def dialect_name(db: Reader) -> str:
    """The database a connection or session talks to: ``sqlite`` or ``postgresql``."""
    bind = db if isinstance(db, Connection) else db.get_bind()
    return bind.dialect.name
