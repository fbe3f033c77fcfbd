"""``newsdigest serve``: wire the channels, delivery, commands, scheduler, inbox and chat adapters.

Adapters plug in through :data:`AdapterFactory`: ``(settings, handler) -> ChatAdapter``. Slack and
Discord are imported lazily (only when their credentials are set); with neither, the console adapter
posts digests to the terminal and/or Markdown files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.console import ConsoleAdapter, ConsolePoster
from bot.adapters.slack_config import slack_mode
from bot.app.eventlog import event
from bot.app.settings import Settings
from bot.chat.commands import Commands
from bot.chat.ports import ChatAdapter, CommandHandler, Poster
from bot.delivery.channels import ChannelRegistry, load_channel_defaults
from bot.delivery.runner import Delivery
from bot.delivery.scheduler import DigestScheduler
from bot.newsroom.keywords import story_keywords
from bot.newsroom.topics import load_topics
from bot.sources.inbox import Inbox, service_ingest

if TYPE_CHECKING:
    from bot.app.bootstrap import App

log = logging.getLogger(__name__)

AdapterFactory = Callable[[Settings, CommandHandler], ChatAdapter]


HealthCheck = Callable[[], Awaitable[bool]]


def database_health(app: App) -> HealthCheck:
    """``/healthz`` for the Slack HTTP server: true when the database answers."""

    def ping() -> bool:
        try:
            with app.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    async def check() -> bool:
        return await asyncio.to_thread(ping)

    return check


def chat_adapter_factories(settings: Settings, *, health_check: HealthCheck | None = None,
                           keywords: Callable[[], Awaitable[list[str]]] | None = None,
                           port: int | None = None,
                           topic_names: Callable[[], Sequence[str]] | None = None) -> list[AdapterFactory]:
    """Slack when its credentials make a transport (see ``slack_mode``), Discord when DISCORD_TOKEN is set."""
    factories: list[AdapterFactory] = []
    if slack_mode(settings) is not None:

        def slack(settings: Settings, handler: CommandHandler) -> ChatAdapter:
            from bot.adapters.slack_app import SlackAdapter

            return SlackAdapter(settings, handler, health_check=health_check, port=port)

        factories.append(slack)
    if settings.discord_token is not None:

        def discord(settings: Settings, handler: CommandHandler) -> ChatAdapter:
            from bot.adapters.discord_app import DiscordAdapter

            return DiscordAdapter(settings, handler, keywords=keywords, topic_names=topic_names)

        factories.append(discord)
    return factories


def console_factory(poster: ConsolePoster | None = None) -> AdapterFactory:
    """The console adapter (the embedded default, and the test adapter when given a poster)."""

    def make(settings: Settings, handler: CommandHandler) -> ChatAdapter:
        chosen = poster or ConsolePoster(terminal=settings.digest.console, markdown_dir=settings.digest.markdown_dir)
        return ConsoleAdapter(chosen)

    return make


@dataclass
class Service:
    """Everything one serving process runs; built by :func:`build_service`, started by :func:`run`."""

    app: App
    registry: ChannelRegistry
    delivery: Delivery
    commands: Commands
    scheduler: DigestScheduler
    adapters: list[ChatAdapter] = field(default_factory=list)


def build_service(app: App, factories: Sequence[AdapterFactory], *,
                  clock: Callable[[], datetime] | None = None) -> Service:
    """Wire one process; the posters mapping fills as adapters are made (they need the handler first)."""
    topics = load_topics(app.settings.config_dir)
    registry = ChannelRegistry(app.sessions, load_channel_defaults(app.settings.config_dir, topics))
    posters: dict[str, Poster] = {}
    delivery = Delivery(app, registry, posters, clock=clock)
    inbox = Inbox(app.settings.inbox_dir, service_ingest(app), stable_seconds=app.settings.inbox.stable_seconds)
    scheduler = DigestScheduler(delivery, inbox=inbox, poll_seconds=app.settings.inbox.poll_seconds, clock=clock)
    commands = Commands(app, registry, delivery=delivery, on_change=scheduler.rebuild, topics=topics, clock=clock)
    adapters = [make(app.settings, commands) for make in factories]
    for adapter in adapters:
        posters[adapter.platform] = adapter.poster
    return Service(app, registry, delivery, commands, scheduler, adapters)


async def run(app: App, adapters: Sequence[AdapterFactory] | None = None, *,
              stop: asyncio.Event | None = None, port: int | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set): adapters, scheduler, inbox; then shut down cleanly."""
    factories = (list(adapters) if adapters is not None
                 else chat_adapter_factories(app.settings, health_check=database_health(app),
                                             keywords=story_keywords(app), port=port,
                                             topic_names=lambda: app.topics.names))
    if not factories or app.settings.digest.markdown_dir is not None:
        factories.append(console_factory())
    await serve(build_service(app, factories), stop=stop)


async def serve(service: Service, *, stop: asyncio.Event | None = None) -> None:
    """Start a built service's adapters and scheduler, wait for ``stop`` or a signal, stop them again."""
    app = service.app
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows / not main thread
            loop.add_signal_handler(sig, stop.set)
    app.settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    started: list[ChatAdapter] = []
    try:
        for adapter in service.adapters:
            await adapter.start()
            started.append(adapter)
        await service.scheduler.start()
        event(log, "serve_started", adapters=",".join(a.platform for a in started), inbox=app.settings.inbox_dir)
        await stop.wait()
    finally:
        await service.scheduler.shutdown()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception as exc:
                event(log, "error", level=logging.ERROR, where=f"stop {adapter.platform}", error=str(exc))
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        event(log, "serve_stopped")
