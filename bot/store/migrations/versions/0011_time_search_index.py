"""PostgreSQL full text by time: one GIN index on (ingest day, search) through the btree_gin extension.

A brief's full-text search takes the newest matches in widening time windows (the last day, week,
month, then all; ``bot.store.candidates.search_candidates``). With the day and the words in one GIN
index, a window's matches are one index scan whose cost follows the articles in that window, not
every match in the archive: "government minister" at 100k stories went from 113 ms (the planner
walked the primary key backwards, testing each row) to about 25 ms, most of it ranking the 500.
The day, not the time: a window is then a few index entries (one per day), not one per article.

The index replaces the GIN index on ``search`` alone (a multi-column GIN index serves a condition on
``search`` by itself as well), so ingest maintains one full-text index, as before. btree_gin ships
with PostgreSQL (contrib) and is a trusted extension: a database owner may create it. Where it
cannot be created, the old index stays and searches work as before, only slower. SQLite: nothing
changes (FTS5 walks its doclists newest first already).

On a large archive the index build takes a while (about 40 s for 100k articles on the benchmark
machine); it runs once, at the first start after the upgrade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():  # a savepoint: a refused extension must not abort the migration
            # In public, not the connection's first schema: a schema dropped with CASCADE (tests, bench)
            # must not take the extension, and with it other schemas' indexes, along.
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public"))
    except DBAPIError as exc:
        log.warning("btree_gin unavailable (%s): full-text search keeps the index on search alone",
                    str(exc).splitlines()[0])
        return
    op.execute("CREATE INDEX ix_articles_time_search ON articles "
               "USING GIN (((ingested_at AT TIME ZONE 'UTC')::date), search)")
    op.execute("DROP INDEX ix_articles_search")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING GIN (search)")
    op.execute("DROP INDEX IF EXISTS ix_articles_time_search")
