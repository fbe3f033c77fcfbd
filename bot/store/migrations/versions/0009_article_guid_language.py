"""Articles: the item's guid (feed/wire id, indexed: the same guid is the same story) and its language.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch table copy): a copy would drop the SQLite full-text triggers.
    op.add_column("articles", sa.Column("guid", sa.Text, nullable=True))
    op.add_column("articles", sa.Column("language", sa.String(16), nullable=True))
    op.create_index("ix_articles_guid", "articles", ["guid"])


def downgrade() -> None:
    op.drop_index("ix_articles_guid", table_name="articles")
    op.drop_column("articles", "language")  # SQLite >= 3.35 drops a column in place
    op.drop_column("articles", "guid")
