"""Alembic environment: runs on the connection handed over by ``bot.store.db.migrate``."""

from alembic import context
from sqlalchemy import create_engine

from bot.store.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic` command line: take the URL from the config file
    from bot.store.db import normalise_url

    engine = create_engine(normalise_url(config.get_main_option("sqlalchemy.url") or ""))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
