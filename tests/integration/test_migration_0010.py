"""Migration 0010: stored stories. Existing topic rows get their rank; existing articles get stories
from ``newsdigest stories backfill``; downgrading drops it all and keeps the articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, text

from bot.cli import main
from bot.store.articles import topic_rank
from bot.store.db import make_engine
from tests.migration_support import alembic_to

WHEN = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
LEAD = ("Prime Minister Jane Doe of Freedonia resigned on Monday after the budget vote failed in "
        "parliament, her office in Capitalcity said.")


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        for i, outlet in ((1, "Wire A"), (2, "Wire B")):
            conn.execute(text(
                "INSERT INTO articles (id, fingerprint, title, body, blocks, credits, truncated, ingested_at) "
                "VALUES (:id, :f, :t, :b, :blocks, :credits, false, :when)"),
                {"id": i, "f": f"f{i}", "t": f"Freedonia prime minister Jane Doe resigns ({outlet})", "b": LEAD,
                 "blocks": f'[{{"kind": "paragraph", "text": "{LEAD}"}}]', "credits": f'["{outlet}"]',
                 "when": WHEN})
            conn.execute(text("INSERT INTO article_topics (article_id, topic, score) VALUES (:id, 'politics', 4.5)"),
                         {"id": i})


def test_upgrade_ranks_old_topic_rows_and_backfill_groups_old_articles(db_url: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(db_url)
    try:
        alembic_to(engine, "0009", down=True)
        assert "stories" not in inspect(engine).get_table_names()
        _seed(engine)
        alembic_to(engine, "head")
        with engine.connect() as conn:
            ranks = conn.execute(text("SELECT rank FROM article_topics ORDER BY article_id")).scalars().all()
            assert ranks == [pytest.approx(topic_rank(4.5, WHEN))] * 2
            assert conn.execute(text("SELECT count(*) FROM articles WHERE story_id IS NULL")).scalar_one() == 2
        assert main(["stories", "backfill", "--database-url", db_url]) == 0
        assert "2 articles had no story" in capsys.readouterr().out
        with engine.connect() as conn:
            stories = conn.execute(text("SELECT DISTINCT story_id FROM articles")).scalars().all()
            assert len(stories) == 1 and stories[0] is not None
            credits = conn.execute(text("SELECT credits FROM stories")).scalar_one()
            assert "Wire A" in str(credits) and "Wire B" in str(credits)
        assert main(["stories", "backfill", "--database-url", db_url]) == 0  # nothing left: a no-op
        assert "0 articles had no story" in capsys.readouterr().out
        alembic_to(engine, "0009", down=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM articles")).scalar_one() == 2
        assert "stories" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
