"""Articles: the scope of an item's guid (the polled source it came from), so that two feeds' guid "1"
are two items, not one item and its revision.

NULL (files dropped in the inbox or given to ``newsdigest ingest``, and every row stored before this
migration): the source is not known, and the guid matches any source's, as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch table copy): a copy would drop the SQLite full-text triggers. Lookups go
    # by the indexed guid first; the scope only filters those few rows, so it needs no index of its own.
    op.add_column("articles", sa.Column("guid_scope", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "guid_scope")  # SQLite >= 3.35 drops a column in place
