"""Index on ``articles.superseded_by_id``: "which reports did this one replace".

Asked by the digest pass (revisions of a window's articles, a range of ids), by the dashboard's story
page (the versions of one report) and by the foreign key's ``ON DELETE SET NULL``. Without an index each
of these read every stored article. Partial (only revised reports are indexed): nearly all rows are
NULL, and every query compares the column with a value, which both engines know implies NOT NULL.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_NOT_NULL = sa.text("superseded_by_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_articles_superseded_by_id", "articles", ["superseded_by_id"],
                    sqlite_where=_NOT_NULL, postgresql_where=_NOT_NULL)


def downgrade() -> None:
    op.drop_index("ix_articles_superseded_by_id", table_name="articles")
