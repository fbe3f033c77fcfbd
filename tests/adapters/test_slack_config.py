"""Where the Slack adapter listens and which Web API it talks to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack_config import oauth_enabled, resolve_api_url, resolve_port
from bot.app.settings import Settings
from tests.adapters.slack_standin import SLACK_ENV


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    values: dict[str, Any] = {"config_dir": tmp_path, "data_dir": tmp_path,
                              "slack": {"port": 3100, "api_url": "http://127.0.0.1:9/api"}}
    return Settings(**values)


def test_port_comes_from_the_flag_then_port_then_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_port(settings) == 3100
    monkeypatch.setenv("PORT", "8080")
    assert resolve_port(settings) == 8080
    assert resolve_port(settings, 9000) == 9000
    monkeypatch.setenv("PORT", "not-a-port")
    assert resolve_port(settings) == 3100


def test_api_url_from_environment_wins_and_gets_the_trailing_slash_slack_sdk_needs(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_api_url(settings) == "http://127.0.0.1:9/api/"
    monkeypatch.setenv("SLACK_API_URL", "http://stand-in:1/api/")
    assert resolve_api_url(settings) == "http://stand-in:1/api/"


def test_oauth_needs_both_client_id_and_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    values: dict[str, Any] = {"data_dir": tmp_path}
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    assert not oauth_enabled(Settings(**values))
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "s")
    assert oauth_enabled(Settings(**values))
