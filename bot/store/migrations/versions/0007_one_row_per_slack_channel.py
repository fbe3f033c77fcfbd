"""Channels: one row per Slack channel, whichever workspace a command came from.

A Slack channel id names one channel everywhere (a Slack Connect or Enterprise Grid shared channel
keeps its id in every workspace that sees it), but rows were keyed by the *caller's* team, so a
command from another team made a second row and the channel got every story twice. Rows of the same
Slack channel are merged into the oldest one (its settings win, empty ones are filled from the
others; runs and delivered stories move over, so nothing already posted is posted again), then a
partial unique index makes a second row impossible.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SLACK = sa.text("platform = 'slack'")
_SETTINGS = ("topics", "digest_time", "timezone", "enabled", "per_topic", "post_empty", "updated_by", "last_error")


def _merge(conn: sa.Connection, keep: int, other: int) -> None:
    ids = {"keep": keep, "other": other}
    for column in _SETTINGS:
        conn.execute(sa.text(f"UPDATE channels SET {column} = (SELECT {column} FROM channels WHERE id = :other) "
                             f"WHERE id = :keep AND {column} IS NULL"), ids)
    conn.execute(sa.text(
        "UPDATE channels SET covered_until = (SELECT covered_until FROM channels WHERE id = :other) "
        "WHERE id = :keep AND (covered_until IS NULL OR covered_until < "
        "(SELECT covered_until FROM channels WHERE id = :other))"), ids)
    # A story both rows delivered stays delivered once (the keeper's record); the rest move over.
    conn.execute(sa.text("DELETE FROM delivered WHERE channel_id = :other AND article_id IN "
                         "(SELECT article_id FROM delivered WHERE channel_id = :keep)"), ids)
    conn.execute(sa.text("UPDATE delivered SET channel_id = :keep WHERE channel_id = :other"), ids)
    # The second row's scheduled run of a day the keeper also ran was, in truth, an extra post.
    conn.execute(sa.text("UPDATE digest_runs SET kind = 'extra' WHERE channel_id = :other AND kind = 'daily' AND "
                         "local_date IN (SELECT local_date FROM digest_runs WHERE channel_id = :keep "
                         "AND kind = 'daily')"), ids)
    conn.execute(sa.text("UPDATE digest_runs SET channel_id = :keep WHERE channel_id = :other"), ids)
    conn.execute(sa.text("DELETE FROM channels WHERE id = :other"), ids)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, channel FROM channels WHERE platform = 'slack' ORDER BY channel, id"))
    keeper: dict[str, int] = {}
    for row_id, channel in rows.all():
        if channel in keeper:
            _merge(conn, keeper[channel], row_id)
        else:
            keeper[channel] = row_id
    op.create_index("uq_channels_slack_channel", "channels", ["channel"], unique=True,
                    sqlite_where=SLACK, postgresql_where=SLACK)


def downgrade() -> None:
    op.drop_index("uq_channels_slack_channel", table_name="channels")
