"""Sources: polled feeds with their fetch state and replica lease; an index on articles.url so a
full-text source fetches only the pages of items it has not stored yet.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_url", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("every_seconds", sa.Integer),
        sa.Column("full_text", sa.Boolean),
        sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True)),
        sa.Column("last_success_at", sa.DateTime(timezone=True)),
        sa.Column("last_status", sa.String(32)),
        sa.Column("last_error", sa.Text),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("items_taken", sa.Integer, nullable=False, server_default="0"),
        sa.Column("items_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("recent_topics", sa.JSON),
        sa.Column("next_poll_at", sa.DateTime(timezone=True)),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("key_url", name="uq_sources_key_url"),
    )
    op.create_index("ix_sources_next_poll_at", "sources", ["next_poll_at"])
    op.create_index("ix_articles_url", "articles", ["url"])


def downgrade() -> None:
    op.drop_index("ix_articles_url", table_name="articles")
    op.drop_index("ix_sources_next_poll_at", table_name="sources")
    op.drop_table("sources")
