"""With Slack over HTTP, the dashboard joins Slack's server: one port, events still signed, pages locked."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app.bootstrap import bootstrap
from bot.app.serve import run
from bot.app.settings import load_settings


async def test_dashboard_shares_slacks_http_server(tmp_path: Path, db_url: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = load_settings(data_dir=tmp_path, digest={"console": False}).model_copy(update={
        "slack_bot_token": SecretStr("xoxb-1"), "slack_signing_secret": SecretStr("signing-secret")})
    app = bootstrap(settings, database_url=db_url)
    stop = asyncio.Event()
    task = asyncio.create_task(run(app, stop=stop, port=0))
    try:
        url = None
        for _ in range(600):  # bounded wait (30 s) for the start line
            found = re.search(r"dashboard=(http://127\.0\.0\.1:\d+/)", caplog.text)
            if found or task.done():
                url = found.group(1) if found else None
                break
            await asyncio.sleep(0.05)
        assert url is not None, caplog.text
        assert "slack_started mode=http" in caplog.text and "dashboard_listening" not in caplog.text
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "readyz") as ready:
                assert ready.status == 200 and (await ready.json())["scheduler"] is True
            async with http.get(url, allow_redirects=False) as page:
                assert page.status == 401 and "NEWSDIGEST_ADMIN_PASSWORD" in await page.text()
            async with http.post(url + "slack/events", data={"command": "/brief", "text": "x"}) as events:
                assert events.status == 401  # Bolt's signature check is still in front of the events
        assert any("dashboard_locked" in r.getMessage() for r in caplog.records)
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        app.close()
