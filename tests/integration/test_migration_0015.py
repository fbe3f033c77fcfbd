"""Migration 0015: digest runs gain ``sentences`` (what each digest said). Runs from before keep NULL and
count by their stories' leads; up and down, no ``delivered`` row is lost (rebuilding digest_runs on SQLite
would cascade-delete them)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from bot.delivery.told import told_for_channels
from bot.store.db import make_engine
from tests.migration_support import alembic_to

NOW = "2026-03-01 07:30:00"
LEAD = "Officials ordered the evacuation of 16,000 residents living downstream of the Kakhovka dam."


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO articles (id, fingerprint, title, body, blocks, credits, truncated, "
                          "ingested_at) VALUES (1, 'f', 'Dam breach', :body, :blocks, '[]', false, :now)"),
                     {"body": LEAD, "blocks": f'[{{"kind": "paragraph", "text": "{LEAD}"}}]', "now": NOW})
        conn.execute(text("INSERT INTO article_topics (article_id, topic, score) VALUES (1, 'ukraine', 4.5)"))
        conn.execute(text("INSERT INTO channels (id, platform, workspace, channel, created_at) "
                          "VALUES (1, 'console', 't', 'c', :now)"), {"now": NOW})
        conn.execute(text("INSERT INTO digest_runs (id, channel_id, local_date, kind, status, marker, claimed_at, "
                          "story_count, attempts) VALUES (1, 1, '2026-03-01', 'daily', 'posted', 'm', :now, 1, 1)"),
                     {"now": NOW})
        conn.execute(text("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (1, 1, 1)"))


def _delivered(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM delivered")).scalar_one())


def test_runs_from_before_count_by_their_leads_and_no_delivery_is_lost(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        alembic_to(engine, "0014", down=True)
        _seed(engine)
        alembic_to(engine, "head")
        assert "sentences" in {c["name"] for c in inspect(engine).get_columns("digest_runs")}
        assert "ix_digest_runs_told" in {i["name"] for i in inspect(engine).get_indexes("digest_runs")}
        assert _delivered(engine) == 1
        with Session(engine) as session:
            assert told_for_channels(session, [1], ["ukraine"]) == {1: {"ukraine": (f"Dam breach\n{LEAD}",)}}
        alembic_to(engine, "0014", down=True)
        assert "sentences" not in {c["name"] for c in inspect(engine).get_columns("digest_runs")}
        assert _delivered(engine) == 1
    finally:
        engine.dispose()
