"""``newsdigest serve``: wire the channels, delivery, commands, scheduler, inbox, feeds and chat adapters.

Adapters plug in through :data:`AdapterFactory`: ``(settings, handler) -> ChatAdapter``. Slack and
Discord are imported lazily (only when their credentials are set); with neither, the console adapter
posts digests to the terminal and/or Markdown files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.adapters.console import ConsoleAdapter, ConsolePoster
from bot.adapters.slack_config import slack_mode
from bot.app.eventlog import event
from bot.app.settings import Settings
from bot.app.startup import log_channels, log_startup_warnings
from bot.chat.commands import Commands
from bot.chat.ports import ChatAdapter, CommandHandler, Poster
from bot.delivery.channels import ChannelRegistry, load_channel_defaults
from bot.delivery.runner import Delivery
from bot.delivery.scheduler import DigestScheduler
from bot.newsroom.keywords import story_keywords
from bot.newsroom.topics import load_topics
from bot.sources.config import load_source_defaults
from bot.sources.inbox import Inbox, service_ingest
from bot.sources.poller import Poller
from bot.sources.registry import SourceRegistry
from bot.store.db import reachable

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.web.server import Dashboard

log = logging.getLogger(__name__)

SLACK_HOST = "0.0.0.0"  # Slack's HTTP server listens publicly (Slack must reach it)
AdapterFactory = Callable[[Settings, CommandHandler], ChatAdapter]


HealthCheck = Callable[[], Awaitable[bool]]
WebRoutes = Callable[[Any], None]  # adds the dashboard's routes to an aiohttp Application


def database_health(app: App) -> HealthCheck:
    """``/healthz`` for the Slack HTTP server: true when the database answers."""

    async def check() -> bool:
        return await asyncio.to_thread(reachable, app.engine)

    return check


def chat_adapter_factories(settings: Settings, *, health_check: HealthCheck | None = None,
                           keywords: Callable[[], Awaitable[list[str]]] | None = None,
                           port: int | None = None,
                           topic_names: Callable[[], Sequence[str]] | None = None,
                           web_routes: WebRoutes | None = None) -> list[AdapterFactory]:
    """Slack when its credentials make a transport (see ``slack_mode``), Discord when DISCORD_TOKEN is set."""
    factories: list[AdapterFactory] = []
    if slack_mode(settings) is not None:

        def slack(settings: Settings, handler: CommandHandler) -> ChatAdapter:
            from bot.adapters.slack_app import SlackAdapter

            return SlackAdapter(settings, handler, health_check=health_check, port=port, web_routes=web_routes)

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
    dashboard: Dashboard | None = None  # bound to this service; served by Slack's server or its own
    web_port: int | None = None  # the dashboard's own port; None when it shares Slack's server


def build_service(app: App, factories: Sequence[AdapterFactory], *,
                  clock: Callable[[], datetime] | None = None) -> Service:
    """Wire one process; the posters mapping fills as adapters are made (they need the handler first)."""
    topics = load_topics(app.settings.config_dir)
    registry = ChannelRegistry(app.sessions, load_channel_defaults(app.settings.config_dir, topics))
    posters: dict[str, Poster] = {}
    delivery = Delivery(app, registry, posters, clock=clock)
    inbox = Inbox(app.settings.inbox_dir, service_ingest(app), stable_seconds=app.settings.inbox.stable_seconds)
    feeds = Poller(app, SourceRegistry(app.sessions, load_source_defaults(app.settings.config_dir)), clock=clock)
    scheduler = DigestScheduler(delivery, inbox=inbox, poll_seconds=app.settings.inbox.poll_seconds, clock=clock,
                                feeds=feeds, feed_seconds=app.settings.sources.tick_seconds)
    commands = Commands(app, registry, delivery=delivery, on_change=scheduler.rebuild, topics=topics, clock=clock)
    adapters = [make(app.settings, commands) for make in factories]
    for adapter in adapters:
        posters[adapter.platform] = adapter.poster
    return Service(app, registry, delivery, commands, scheduler, adapters)


async def run(app: App, adapters: Sequence[AdapterFactory] | None = None, *,
              stop: asyncio.Event | None = None, port: int | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set): adapters, scheduler, inbox, dashboard; then shut down.

    The dashboard (with /healthz, /readyz, /metrics) joins Slack's HTTP server when Slack runs over
    HTTP, on Slack's port; otherwise it listens on ``[web] host`` and ``--port``/``PORT``/``[web] port``.
    """
    log_startup_warnings(app.settings)
    dashboard, shared = None, False
    if app.settings.web.enabled:
        from bot.web.server import Dashboard

        shared = adapters is None and slack_mode(app.settings) == "http"
        dashboard = Dashboard(app, bind_host=SLACK_HOST if shared else app.settings.web.host)
    factories = (list(adapters) if adapters is not None
                 else chat_adapter_factories(app.settings, health_check=database_health(app),
                                             keywords=story_keywords(app), port=port,
                                             topic_names=lambda: app.topics.names,
                                             web_routes=dashboard.mount if dashboard is not None and shared else None))
    if not factories or app.settings.digest.markdown_dir is not None:
        factories.append(console_factory())
    service = build_service(app, factories)
    if dashboard is not None:
        dashboard.bind(service)
        service.dashboard = dashboard
        service.web_port = None if shared else web_port(app.settings, port)
    await serve(service, stop=stop)


def web_port(settings: Settings, port: int | None) -> int:
    """The dashboard's own port: ``--port``, else ``PORT``, else ``[web] port``."""
    if port is not None:
        return port
    env = os.environ.get("PORT", "").strip()
    return int(env) if env.isdigit() else settings.web.port


async def _start_dashboard(service: Service) -> str | None:
    """Start the dashboard's own server (unless it shares Slack's); its URL, or None when it is not served.

    A port already in use or an unsafe bind costs the dashboard, never the digests: logged, and serving goes on.
    """
    dashboard = service.dashboard
    if dashboard is None:
        return None
    if dashboard.access.mode == "locked":
        event(log, "dashboard_locked", level=logging.WARNING, host=dashboard.bind_host,
              fix="set NEWSDIGEST_ADMIN_PASSWORD or NEWSDIGEST_ADMIN_TOKEN to use the dashboard on this address")
    if service.web_port is None:  # on Slack's server: the Slack adapter started it
        slack = next((a for a in service.adapters if a.platform == "slack"), None)
        port = getattr(slack, "http_port", None)
        return f"http://127.0.0.1:{port}/" if port else None
    try:
        await dashboard.start(service.web_port)
    except OSError as exc:
        event(log, "error", level=logging.ERROR, where="dashboard",
              error=f"cannot listen on {dashboard.bind_host}:{service.web_port}: {exc.strerror or exc}")
        return None
    return dashboard.url


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
        app.metrics.scheduler_running.set(1)
        url = await _start_dashboard(service)
        event(log, "serve_started", adapters=",".join(a.platform for a in started), inbox=app.settings.inbox_dir,
              feeds=app.settings.config_dir / "sources.toml", dashboard=url or "-")
        configs = await asyncio.to_thread(service.registry.all)
        log_channels(configs, service.delivery.posters, service.delivery.clock(), dashboard_url=url)
        await stop.wait()
    finally:
        if service.dashboard is not None:
            await service.dashboard.stop()
        await service.scheduler.shutdown()
        app.metrics.scheduler_running.set(0)
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception as exc:
                event(log, "error", level=logging.ERROR, where=f"stop {adapter.platform}", error=str(exc))
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        event(log, "serve_stopped")
