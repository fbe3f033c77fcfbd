"""Migration 0002: daily runs stay one per channel and day, extra runs don't, and nothing is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from bot.store.db import make_engine
from tests.migration_support import alembic_to as _alembic

NOW = "2026-03-01 07:30:00"


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO channels (id, platform, workspace, channel, created_at) "
                          f"VALUES (1, 'console', 'local', 'x', '{NOW}')"))
        conn.execute(text("INSERT INTO articles (id, fingerprint, title, body, blocks, credits, truncated, "
                          f"ingested_at) VALUES (1, 'f', 't', 'b', '[]', '[]', false, '{NOW}')"))
        conn.execute(text("INSERT INTO digest_runs (id, channel_id, local_date, status, marker, claimed_at) "
                          f"VALUES (7, 1, '2026-03-01', 'posted', 'm', '{NOW}')"))
        conn.execute(text("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (1, 1, 7)"))


def _insert_run(engine: Engine, run_id: int, kind: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO digest_runs (id, channel_id, local_date, kind, status, marker, claimed_at) "
                          f"VALUES ({run_id}, 1, '2026-03-01', '{kind}', 'posted', 'm{run_id}', '{NOW}')"))


def test_upgrade_keeps_runs_and_deliveries_and_relaxes_only_extra_runs(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _alembic(engine, "0001", down=True)
        _seed(engine)
        _alembic(engine, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT kind FROM digest_runs WHERE id = 7")).scalar_one() == "daily"
            assert conn.execute(text("SELECT run_id FROM delivered")).scalars().all() == [7]
        _insert_run(engine, 8, "extra")
        _insert_run(engine, 9, "extra")  # any number of extras on one day
        with pytest.raises(IntegrityError):
            _insert_run(engine, 10, "daily")  # but one daily run per channel and day
        _alembic(engine, "0001", down=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM digest_runs")).scalars().all() == [7]
            assert conn.execute(text("SELECT count(*) FROM delivered")).scalar_one() == 1
    finally:
        engine.dispose()
