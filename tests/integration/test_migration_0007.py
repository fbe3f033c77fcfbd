"""Migration 0007: rows of one Slack channel under two workspaces merge into one, and a second is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.store.db import make_engine
from tests.integration.test_migration_0002 import NOW, _alembic


def _seed_doubled_channel(db_url: str) -> None:
    """What the bug left: C1 under T1 (set up there) and under T2 (a guest's command), both posted to."""
    engine = make_engine(db_url)
    try:
        _alembic(engine, "0006", down=True)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO channels (id, platform, workspace, channel, topics, created_at, "
                              f"covered_until) VALUES (1, 'slack', 'T1', 'C1', '[\"ukraine\"]', '{NOW}', '{NOW}')"))
            conn.execute(text("INSERT INTO channels (id, platform, workspace, channel, timezone, created_at, "
                              "covered_until) VALUES (2, 'slack', 'T2', 'C1', 'Europe/Kyiv', "
                              f"'{NOW}', '2026-03-02 07:30:00')"))
            conn.execute(text("INSERT INTO channels (id, platform, workspace, channel, created_at) "
                              f"VALUES (3, 'discord', 'G1', 'C1', '{NOW}')"))  # not Slack: untouched
            for article in (1, 2):
                conn.execute(text("INSERT INTO articles (id, fingerprint, title, body, blocks, credits, truncated, "
                                  f"ingested_at) VALUES ({article}, 'f{article}', 't', 'b', '[]', '[]', false, "
                                  f"'{NOW}')"))
            for run, channel in ((7, 1), (8, 2)):
                conn.execute(text("INSERT INTO digest_runs (id, channel_id, local_date, kind, status, marker, "
                                  f"claimed_at) VALUES ({run}, {channel}, '2026-03-01', 'daily', 'posted', "
                                  f"'m{run}', '{NOW}')"))
            conn.execute(text("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (1, 1, 7)"))
            conn.execute(text("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (2, 1, 8)"))
            conn.execute(text("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (2, 2, 8)"))
        _alembic(engine, "head")
    finally:
        engine.dispose()


def test_upgrade_merges_a_doubled_slack_channel_without_losing_what_was_delivered(db_url: str) -> None:
    _seed_doubled_channel(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, platform, workspace, timezone FROM channels ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "slack", "T1", "Europe/Kyiv"), (3, "discord", "G1", None)]
            covered = conn.execute(text("SELECT covered_until FROM channels WHERE id = 1")).scalar_one()
            assert str(covered).startswith("2026-03-02")  # the later cursor: nothing is posted again
            delivered = conn.execute(text("SELECT channel_id, article_id FROM delivered ORDER BY article_id")).all()
            assert [tuple(r) for r in delivered] == [(1, 1), (1, 2)]
            runs = conn.execute(text("SELECT id, channel_id, kind FROM digest_runs ORDER BY id")).all()
            assert [tuple(r) for r in runs] == [(7, 1, "daily"), (8, 1, "extra")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO channels (platform, workspace, channel, created_at) "
                              f"VALUES ('slack', 'T3', 'C1', '{NOW}')"))
        with engine.begin() as conn:  # other platforms keep keying by workspace
            conn.execute(text("INSERT INTO channels (platform, workspace, channel, created_at) "
                              f"VALUES ('discord', 'G2', 'C1', '{NOW}')"))
    finally:
        engine.dispose()
