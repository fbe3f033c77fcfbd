"""A running ``newsdigest serve`` (console adapter, dashboard on a free loopback port) for web tests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import App, bootstrap
from bot.app.serve import Service, build_service, console_factory, serve
from bot.app.settings import load_settings
from bot.web.server import Dashboard

PASSWORD = "correct horse battery staple"
TOKEN = "t0ken-for-scrapers"
CHANNEL = "console:local:newsroom"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Running:
    app: App
    service: Service
    poster: ConsolePoster
    url: str
    inbox: Path


@asynccontextmanager
async def running_service(tmp_path: Path, db_url: str, *, password: str | None = PASSWORD, token: str | None = None,
                          viewer: str | None = None, bind_host: str = "127.0.0.1",
                          **settings: Any) -> AsyncIterator[Running]:
    """Serve (scheduler, inbox, console poster, dashboard) until the block ends."""
    base = load_settings(data_dir=tmp_path / "data", inbox={"poll_seconds": 0.2, "stable_seconds": 0.0},
                         digest={"console": False, "markdown_dir": tmp_path / "digests"}, **settings)
    given = (("admin_password", password), ("admin_token", token), ("viewer_password", viewer))
    secrets = {k: SecretStr(v) for k, v in given if v}
    app = bootstrap(base.model_copy(update=secrets), database_url=db_url)
    poster = ConsolePoster(terminal=False, markdown_dir=tmp_path / "digests")
    service = build_service(app, [console_factory(poster)])
    service.dashboard = Dashboard(app, bind_host=bind_host)
    service.dashboard.bind(service)
    service.web_port = 0
    stop = asyncio.Event()
    task = asyncio.create_task(serve(service, stop=stop))
    try:
        for _ in range(600):  # bounded wait for the server to bind (30 s on a loaded machine)
            if service.dashboard.port is not None or task.done():
                break
            await asyncio.sleep(0.05)
        assert service.dashboard.port is not None, "the dashboard did not start"
        yield Running(app, service, poster, f"http://127.0.0.1:{service.dashboard.port}", app.settings.inbox_dir)
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        app.close()


def client() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies set by an IP-address host (127.0.0.1), which aiohttp drops by default.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                 headers={"Accept": "text/html"})


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def log_in(http: aiohttp.ClientSession, url: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
    async with http.get(f"{url}/login") as page:
        token = csrf_of(await page.text())
    async with http.post(f"{url}/login", data={"csrf": token, "password": password, "next": "/"},
                         allow_redirects=False) as response:
        await response.read()
        return response


async def wait_for(predicate: Any, what: str, *, seconds: float = 30.0) -> None:
    """Poll ``predicate`` (sync) until true; bounded and generous for a loaded machine."""
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
