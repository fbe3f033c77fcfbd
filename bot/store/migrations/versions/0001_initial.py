"""Initial schema: articles (+ full-text index), topics, channels, digest runs, deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("blocks", sa.JSON, nullable=False),
        sa.Column("caption", sa.Text),
        sa.Column("credit_line", sa.Text),
        sa.Column("credits", sa.JSON, nullable=False),
        sa.Column("caption_date", sa.Date),
        sa.Column("url", sa.Text),
        sa.Column("published_at", TZ),
        sa.Column("source", sa.Text),
        sa.Column("truncated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ingested_at", TZ, nullable=False),
        sa.Column("superseded_by_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL")),
    )
    op.create_index("ix_articles_ingested_at", "articles", ["ingested_at"])
    op.create_table(
        "article_topics",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic", sa.String(64), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_article_topics_topic_score", "article_topics", ["topic", "score"])
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("topics", sa.JSON),
        sa.Column("digest_time", sa.String(5)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("enabled", sa.Boolean),
        sa.Column("per_topic", sa.Integer),
        sa.Column("post_empty", sa.Boolean),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ),
        sa.Column("updated_by", sa.String(64)),
        sa.Column("covered_until", TZ),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("platform", "workspace", "channel", name="uq_channels_key"),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.Integer, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("marker", sa.String(64), nullable=False),
        sa.Column("claimed_at", TZ, nullable=False),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("posted_at", TZ),
        sa.Column("message_ids", sa.JSON),
        sa.Column("window_start", TZ),
        sa.Column("window_end", TZ),
        sa.Column("story_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("channel_id", "local_date", name="uq_digest_runs_channel_day"),
    )
    op.create_table(
        "delivered",
        sa.Column("channel_id", sa.Integer, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("digest_runs.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_delivered_run_id", "delivered", ["run_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # External-content FTS5 table kept in step with `articles` by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "title, body, content='articles', content_rowid='id', tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
            "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
            "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles BEGIN "
            "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search ON articles USING GIN (search)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in ("delivered", "digest_runs", "channels", "article_topics", "articles"):
        op.drop_table(table)
