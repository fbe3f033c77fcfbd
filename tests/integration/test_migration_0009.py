"""Migration 0009: articles gain guid (indexed) and language; stored stories and full-text search survive."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from bot.store.db import make_engine
from tests.migration_support import alembic_to as _alembic

NOW = "2026-03-01 07:30:00"


def _search(engine: Engine, word: str) -> list[int]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q"
        else:
            sql = "SELECT id FROM articles WHERE search @@ plainto_tsquery('english', :q)"
        return [int(i) for i in conn.execute(text(sql), {"q": word}).scalars()]


def test_guid_and_language_columns_come_and_go_without_losing_stories(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _alembic(engine, "0008", down=True)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO articles (id, fingerprint, title, body, blocks, credits, truncated, "
                              f"ingested_at) VALUES (1, 'f', 'Gold ban', 'Russian gold', '[]', '[]', false, '{NOW}')"))
        _alembic(engine, "head")
        columns = {c["name"] for c in inspect(engine).get_columns("articles")}
        assert {"guid", "language"} <= columns
        assert "ix_articles_guid" in {i["name"] for i in inspect(engine).get_indexes("articles")}
        with engine.begin() as conn:
            conn.execute(text("UPDATE articles SET guid = 'urn:x:1', language = 'en' WHERE id = 1"))
            conn.execute(text("UPDATE articles SET title = 'Gold import ban' WHERE id = 1"))
        assert _search(engine, "import") == [1]  # the full-text triggers survived the column changes
        _alembic(engine, "0008", down=True)
        assert {"guid", "language"}.isdisjoint(c["name"] for c in inspect(engine).get_columns("articles"))
        assert _search(engine, "gold") == [1]
    finally:
        engine.dispose()
