"""Digest runs: a ``kind`` (daily | extra) and the article ids a run carries.

The daily guarantee "one digest per channel per local day" now holds for ``kind = 'daily'`` only
(a partial unique index), so ``/digest now`` and ``newsdigest digest --force`` can post extra
digests on the same day without touching the scheduled one. ``article_ids`` records what a run
composed before posting, so a run found on the platform after a crash marks exactly those delivered.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DAILY = sa.text("kind = 'daily'")


def _recreate_digest_runs(change) -> None:  # type: ignore[no-untyped-def]
    """Run a batch change on digest_runs; on SQLite keep `delivered` rows through the table copy.

    SQLite drops and re-creates the table; with foreign keys on, the drop would cascade into
    `delivered`, so its rows are set aside and put back (run ids are preserved by the copy).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE _delivered_keep AS SELECT channel_id, article_id, run_id FROM delivered")
    with op.batch_alter_table("digest_runs", recreate="auto") as batch:
        change(batch)
    if sqlite:
        op.execute("INSERT OR IGNORE INTO delivered (channel_id, article_id, run_id) "
                   "SELECT channel_id, article_id, run_id FROM _delivered_keep")
        op.execute("DROP TABLE _delivered_keep")


def upgrade() -> None:
    def change(batch) -> None:  # type: ignore[no-untyped-def]
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="daily"))
        batch.add_column(sa.Column("article_ids", sa.JSON))
        batch.drop_constraint("uq_digest_runs_channel_day", type_="unique")

    _recreate_digest_runs(change)
    op.create_index("uq_digest_runs_daily", "digest_runs", ["channel_id", "local_date"], unique=True,
                    sqlite_where=DAILY, postgresql_where=DAILY)


def downgrade() -> None:
    op.drop_index("uq_digest_runs_daily", table_name="digest_runs")
    op.execute("DELETE FROM digest_runs WHERE kind <> 'daily'")

    def change(batch) -> None:  # type: ignore[no-untyped-def]
        batch.create_unique_constraint("uq_digest_runs_channel_day", ["channel_id", "local_date"])
        batch.drop_column("article_ids")
        batch.drop_column("kind")

    _recreate_digest_runs(change)
