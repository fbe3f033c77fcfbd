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
