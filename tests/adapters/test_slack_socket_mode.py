"""Socket Mode: the same commands arrive over a WebSocket instead of HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest

from bot.adapters.slack_config import slack_mode
from bot.app.settings import Settings
from tests.adapters.slack_fixtures import SLACK_ENV
from tests.adapters.slack_standin import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeHandler,
    SlackStandIn,
    running_adapter,
    slash_body,
)

pytest_plugins = ("tests.adapters.slack_fixtures",)
APP_TOKEN = "xapp-test"


def _settings(tmp_path: Path, api_url: str, **values: Any) -> Settings:
    base: dict[str, Any] = {"config_dir": tmp_path, "data_dir": tmp_path, "SLACK_BOT_TOKEN": BOT_TOKEN,
                            "SLACK_APP_TOKEN": APP_TOKEN, "slack": {"api_url": api_url, "port": 0}}
    return Settings(**{**base, **values})


def test_transport_follows_the_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    url = "http://127.0.0.1:9/api/"
    assert slack_mode(_settings(tmp_path, url)) == "socket"  # only the app token
    assert slack_mode(_settings(tmp_path, url, SLACK_SIGNING_SECRET=SIGNING_SECRET)) == "http"
    explicit = {"api_url": url, "port": 0, "socket_mode": True}
    assert slack_mode(_settings(tmp_path, url, SLACK_SIGNING_SECRET=SIGNING_SECRET, slack=explicit)) == "socket"
    nothing: dict[str, Any] = {"config_dir": tmp_path, "data_dir": tmp_path}
    assert slack_mode(Settings(**nothing)) is None


async def test_slash_command_over_socket_mode_is_acked_and_answered(slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler()
    async with running_adapter(_settings(tmp_path, slack.api_url), handler) as adapter:
        assert adapter.mode == "socket"
        await slack.wait_for(lambda: bool(slack.sockets))
        payload = dict(parse_qsl(slash_body("/brief", "ukraine", response_url=slack.response_url())))
        await slack.push({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                          "payload": payload})
        await slack.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in slack.socket_acks))
        await slack.wait_for(lambda: len(slack.hooks) == 1)
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{adapter.http_port}"
            async with session.post(f"{base}/slack/events", data="x") as events:
                events_status = events.status
            async with session.get(f"{base}/healthz") as health:
                health_status = health.status
    assert slack.calls_to("apps.connections.open")[0].params["token"] == APP_TOKEN
    assert handler.calls[0][1:] == ("brief", "ukraine")
    assert slack.hooks[0]["text"] == "Ukraine: 2 stories"
    assert (events_status, health_status) == (404, 200)  # no unverifiable HTTP events in Socket Mode
