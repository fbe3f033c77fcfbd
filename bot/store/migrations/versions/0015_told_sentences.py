"""What a digest said: ``digest_runs.sentences``, and the index the digest pass reads it by.

A digest's briefs are written as updates for what the channel was already told (``bot/delivery/told.py``).
Before this, "told" was each delivered story's headline and first paragraphs: an approximation of what a
digest posts. The run now records the exact texts it posted by topic (each section's lead sentences, each
story's headline and blurb, with the article each came from), set with ``article_ids`` before posting; they count
as told once the run is ``posted``, which happens in the transaction that writes its ``delivered`` rows.
Runs from before this migration keep NULL there and are read as before (their stories' leads).

Only a channel's last few posted runs are read, so only those keep their sentences: each composition
clears them from older runs (``bot.delivery.runs``). The partial index holds just the runs that have
sentences (a handful per channel): the pass's read and that clean-up are one index range per channel,
whatever the channel's history.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_HAS_SENTENCES = sa.text("sentences IS NOT NULL")


def upgrade() -> None:
    # A plain ADD / DROP COLUMN on both databases: SQLite (3.35+) does both in place, and rebuilding
    # digest_runs there would cascade-delete every ``delivered`` row that references it.
    op.add_column("digest_runs", sa.Column("sentences", sa.JSON(none_as_null=True), nullable=True))
    op.create_index("ix_digest_runs_told", "digest_runs", ["channel_id", "claimed_at"],
                    sqlite_where=_HAS_SENTENCES, postgresql_where=_HAS_SENTENCES)


def downgrade() -> None:
    op.drop_index("ix_digest_runs_told", table_name="digest_runs")
    op.drop_column("digest_runs", "sentences")
