"""The aiohttp server in front of the Bolt app: ``POST /slack/events``, OAuth pages, ``GET /healthz``.

Like bolt-python's own framework adapters it only translates requests in and responses out; the
signature check happens inside Bolt (``AsyncRequestVerification``), before any listener runs.
It runs on the caller's event loop (an ``AppRunner``, not ``web.run_app``) so ``newsdigest serve``
can run Slack next to the scheduler and other adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp

from bot.adapters.slack_config import EVENTS_PATH, HEALTH_PATH
from bot.app.eventlog import event

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[bool]]
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286


def _plain_timestamp(value: str | None) -> bool:
    """Slack's timestamp is ASCII digits; anything else (missing, "abc", "1e9", huge) is not a signed request."""
    return value is not None and value.isascii() and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS
HEALTH_TIMEOUT_SECONDS = 5.0


class SlackHttpServer:
    """Serves one Bolt app on ``host:port``; ``port=0`` picks a free port (see :attr:`port`)."""

    def __init__(self, bolt: AsyncApp, *, host: str, port: int, health_check: HealthCheck | None,
                 serve_events: bool = True, extra_routes: Callable[[web.Application], None] | None = None) -> None:
        self._bolt = bolt
        self._host = host
        self._port = port
        self._health_check = health_check
        self._serve_events = serve_events
        self._extra_routes = extra_routes  # the dashboard (with its own /healthz, /readyz, /metrics)
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        """The aiohttp application (routes only; nothing listens until :meth:`start`)."""
        app = web.Application()
        if self._extra_routes is not None:
            self._extra_routes(app)
        else:
            app.router.add_get(HEALTH_PATH, self._health)
        if self._serve_events:  # Socket Mode receives events over its WebSocket instead
            app.router.add_post(EVENTS_PATH, self._events)
        flow = self._bolt.oauth_flow
        if flow is not None:
            app.router.add_get(flow.install_path, self._install)
            app.router.add_get(flow.redirect_uri_path, self._oauth_redirect)
        return app

    async def _events(self, request: web.Request) -> web.Response:
        if not _plain_timestamp(request.headers.get(TIMESTAMP_HEADER)):
            # slack_sdk's verifier calls int() on it: "abc" raised (a 500 and a traceback) and "١٢٣" parsed.
            event(log, "slack_request_refused", level=logging.WARNING, reason="malformed request timestamp")
            return web.json_response({"error": "invalid request"}, status=401)
        response = await self._bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _install(self, request: web.Request) -> web.Response:
        assert self._bolt.oauth_flow is not None  # the route only exists with a flow
        response = await self._bolt.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        assert self._bolt.oauth_flow is not None
        response = await self._bolt.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _health(self, _request: web.Request) -> web.Response:
        healthy = True
        if self._health_check is not None:
            try:
                healthy = bool(await asyncio.wait_for(self._health_check(), HEALTH_TIMEOUT_SECONDS))
            except Exception as exc:  # any failure of the check means "not ready", never a 500
                event(log, "health_check_failed", level=logging.WARNING, error=repr(exc))
                healthy = False
        status = 200 if healthy else 503
        return web.json_response({"status": "ok" if healthy else "unavailable"}, status=status)

    async def start(self) -> None:
        """Bind and start serving."""
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        event(log, "slack_http_listening", host=self._host, port=self.port)

    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0)."""
        if self._runner is None or not self._runner.addresses:
            return self._port
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
