import pytest
from sqlalchemy import Engine, inspect, text


def test_migrations_create_every_table(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"articles", "article_topics", "channels", "digest_runs", "delivered", "alembic_version"} <= names


def test_full_text_index_follows_inserts(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO articles (fingerprint, title, body, blocks, credits, truncated, ingested_at) "
            "VALUES ('f1', 'Gold ban', 'Russian gold imports banned', '[]', '[]', false, CURRENT_TIMESTAMP)"))
        if engine.dialect.name == "sqlite":
            hits = conn.execute(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'gold'")).all()
        else:
            query = "SELECT id FROM articles WHERE search @@ plainto_tsquery('english', 'gold')"
            hits = conn.execute(text(query)).all()
    assert len(hits) == 1


def test_heads_read_from_the_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from bot.store.db import _MIGRATIONS, script_heads

    assert script_heads() == frozenset(ScriptDirectory(str(_MIGRATIONS)).get_heads())


def test_a_database_behind_the_head_is_migrated_and_one_at_the_head_is_left_alone(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    from bot.store.db import _MIGRATIONS, migrate, pending_migrations, script_heads, stored_revisions

    assert stored_revisions(engine) == script_heads()
    assert not pending_migrations(engine)
    migrate(engine)  # at the head already: nothing to do, nothing changes
    assert stored_revisions(engine) == script_heads()
    with engine.begin() as conn:  # a database from before the newest migration
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert stored_revisions(engine) != script_heads()
    assert pending_migrations(engine)
    migrate(engine)
    assert stored_revisions(engine) == script_heads()
    assert not pending_migrations(engine)


def test_postgres_full_text_is_indexed_by_day_and_words(engine: Engine) -> None:
    """Migration 0011: one GIN index on (ingest day, search) (btree_gin), which replaces the one on search."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's full text is FTS5")
    indexes = {i["name"] for i in inspect(engine).get_indexes("articles")}
    assert "ix_articles_time_search" in indexes and "ix_articles_search" not in indexes


def test_revision_lookups_use_the_superseded_by_index(engine: Engine) -> None:
    """Migration 0013: "which reports did N replace" (digest pass, dashboard story page) is an index seek,
    not a read of every stored article."""
    queries = ["SELECT id FROM articles WHERE superseded_by_id = 7",
               "SELECT id, superseded_by_id FROM articles WHERE superseded_by_id >= 3 AND superseded_by_id <= 9"]
    with engine.begin() as conn:
        for query in queries:
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            else:
                conn.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: ask which paths exist
                plan = " ".join(str(row[0]) for row in conn.execute(text(f"EXPLAIN {query}")))
            assert "ix_articles_superseded_by_id" in plan, plan
