"""Wire settings, database and services together once, for the CLI, the server and tests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.app.settings import Settings, load_settings
from bot.newsroom.topics import TopicSet, load_topics
from bot.store.db import make_engine, migrate
from bot.store.location import check_database_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.app.metrics import Metrics
    from bot.ingest.service import FeedSettler


@dataclass
class App:
    """The wired application: settings plus a migrated database."""

    settings: Settings
    engine: Engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """ORM sessions on the engine, made at first use: a brief reads with Core on a connection and a
        short command that never asks for a session never imports the ORM (docs/benchmarks.md)."""
        from bot.store.db import session_factory

        return session_factory(self.engine)

    @cached_property
    def topics(self) -> TopicSet:
        """topics.toml, read and compiled once per process (briefs are built per request and per digest)."""
        return load_topics(self.settings.config_dir)

    @cached_property
    def metrics(self) -> Metrics:
        """This App's Prometheus registry (one per App, never global; ``/metrics`` serves it)."""
        from bot.app.metrics import Metrics

        return Metrics()

    @cached_property
    def feed_settler(self) -> FeedSettler:
        """When this process last settled feed-stored stories (one per App, like the metrics)."""
        from bot.ingest.service import FeedSettler

        return FeedSettler()

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, database_url: str | None = None) -> App:
    """Load settings (unless given), open the database and bring its schema up to date."""
    settings = settings or load_settings()
    url = database_url or settings.resolved_database_url
    # Only the default file's data directory is ours to create; a given URL's directory must exist.
    check_database_url(url, create_dir=not (database_url or settings.database_url))
    engine = make_engine(url, busy_timeout=settings.database_busy_timeout)
    migrate(engine)
    return App(settings=settings, engine=engine)
