"""Indexes for delivery history: a story's deliveries and a channel's runs, newest first.

``delivered`` was keyed (channel_id, article_id), so "which channels received story N" scanned the
table; ``digest_runs`` had no index for "this channel's runs by time". Both back bounded dashboard
and ``newsdigest history`` queries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivered_article_id", "delivered", ["article_id"])
    op.create_index("ix_digest_runs_channel_claimed", "digest_runs", ["channel_id", "claimed_at"])
    op.create_index("ix_digest_runs_claimed_at", "digest_runs", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_digest_runs_claimed_at", table_name="digest_runs")
    op.drop_index("ix_digest_runs_channel_claimed", table_name="digest_runs")
    op.drop_index("ix_delivered_article_id", table_name="delivered")
