"""``/healthz`` (the database answers), ``/readyz`` (migrated, scheduler running), ``/metrics`` (Prometheus).

Health and readiness are public (load balancers and Docker's HEALTHCHECK call them) and say nothing
but ok or what is missing; ``/metrics`` needs the same access as the pages (or the admin token).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from bot.app.eventlog import event
from bot.store.db import reachable

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.web.server import Dashboard, View

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 5.0


def database_ok(app: App) -> bool:
    return reachable(app.engine)


def migrated(app: App) -> bool:
    from bot.store.db import pending_migrations

    try:
        return not pending_migrations(app.engine)
    except SQLAlchemyError:
        return False


async def _within(check: object, *args: object) -> bool:
    try:
        return bool(await asyncio.wait_for(asyncio.to_thread(check, *args), CHECK_TIMEOUT_SECONDS))  # type: ignore[arg-type]
    except Exception as exc:  # a hung or failing check is "not healthy", never a 500
        event(log, "health_check_failed", level=logging.WARNING, error=repr(exc))
        return False


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def healthz(request: web.Request) -> web.StreamResponse:
        ok = await _within(database_ok, dash.app)
        return web.json_response({"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503)

    async def readyz(request: web.Request) -> web.StreamResponse:
        service = dash._service
        checks = {
            "database": await _within(database_ok, dash.app),
            "migrated": await _within(migrated, dash.app),
            "scheduler": service is not None and service.scheduler.scheduler.running,
        }
        ok = all(checks.values())
        return web.json_response({"status": "ready" if ok else "not ready", **checks}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.StreamResponse:
        service = dash._service
        dash.app.metrics.scheduler_running.set(int(service is not None and service.scheduler.scheduler.running))
        body = await asyncio.to_thread(dash.app.metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [("GET", "/healthz", healthz, True), ("GET", "/readyz", readyz, True),
            ("GET", "/metrics", metrics, False)]
