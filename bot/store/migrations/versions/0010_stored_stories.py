"""Stored stories: reports of one event grouped at ingest, and a recency-decayed topic rank for briefs.

* ``stories``: one row per event (its representative report, credits of every report, first/last seen);
  ``articles.story_id`` says which story a report belongs to. ``component_id`` groups stories whose
  reports are linked by some similar pair: re-clustering one component at ingest gives what clustering
  everything would (see ``summarizer.stories.average_linkage``).
* ``story_features`` (per report: lead words and names, what similarity needs), ``story_keys`` (names,
  indexed with the time, to find a new report's candidates among recent ones) and ``story_words``
  (how many reports each lead word occurs in: the IDF; the row with word '' counts the reports).
* ``article_topics.rank``: log2 of the (clamped) topic score plus the ingest time in half-lives, so
  "most relevant, recent first" is one descending index scan on (topic, rank).

Existing rank values are filled in here. Existing articles get stories with ``newsdigest stories
backfill`` (briefs show a report without a story as a story of its own until then).

No foreign key on ``articles.story_id``: SQLite can only add one by recreating the table (and its
full-text triggers); the assignment code keeps it consistent and deletes a story only when emptied.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
import math
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
# Copied from bot.store.articles at the time of writing (a migration must not change with the code).
_HALF_LIFE_SECONDS = 24 * 3600.0
_SCORE_FLOOR, _SCORE_CAP = 1.0, 16.0


def _rank(score: float, ingested_at: datetime) -> float:
    when = ingested_at.replace(tzinfo=UTC) if ingested_at.tzinfo is None else ingested_at
    return math.log2(min(max(score, _SCORE_FLOOR), _SCORE_CAP)) + when.timestamp() / _HALF_LIFE_SECONDS


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("component_id", sa.Integer, nullable=False),
        sa.Column("representative_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("size", sa.Integer, nullable=False, server_default="1"),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
        sa.Column("credits", sa.JSON, nullable=False),
    )
    op.create_index("ix_stories_component_id", "stories", ["component_id"])
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])
    op.add_column("articles", sa.Column("story_id", sa.Integer))
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_table(
        "story_features",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("names", sa.JSON, nullable=False),
    )
    op.create_table(
        "story_keys",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ingested_at", TZ, nullable=False),
    )
    op.create_index("ix_story_keys_key_time", "story_keys", ["key", "ingested_at"])
    op.create_index("ix_story_keys_article_id", "story_keys", ["article_id"])
    op.create_table(
        "story_words",
        sa.Column("word", sa.String(100), primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
    )
    op.add_column("article_topics", sa.Column("rank", sa.Float))
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT t.article_id, t.topic, t.score, a.ingested_at FROM article_topics t "
        "JOIN articles a ON a.id = t.article_id")).all()
    params = [{"rank": _rank(float(score), when if isinstance(when, datetime) else datetime.fromisoformat(str(when))),
               "a": article_id, "t": topic} for article_id, topic, score, when in rows]
    if params:  # one executemany
        conn.execute(sa.text("UPDATE article_topics SET rank = :rank WHERE article_id = :a AND topic = :t"), params)
    op.create_index("ix_article_topics_topic_rank", "article_topics", ["topic", "rank"])


def downgrade() -> None:
    op.drop_index("ix_article_topics_topic_rank", table_name="article_topics")
    with op.batch_alter_table("article_topics") as batch:
        batch.drop_column("rank")
    op.drop_table("story_words")
    op.drop_index("ix_story_keys_article_id", table_name="story_keys")
    op.drop_index("ix_story_keys_key_time", table_name="story_keys")
    op.drop_table("story_keys")
    op.drop_table("story_features")
    op.drop_index("ix_articles_story_id", table_name="articles")
    op.execute("ALTER TABLE articles DROP COLUMN story_id")  # SQLite >= 3.35 and PostgreSQL
    op.drop_index("ix_stories_last_seen", table_name="stories")
    op.drop_index("ix_stories_component_id", table_name="stories")
    op.drop_table("stories")
