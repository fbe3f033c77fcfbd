"""manifest.yml is valid YAML and declares what the code serves and requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot.adapters.slack_config import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_lists_both_commands_pointing_at_the_events_path() -> None:
    commands = {c["command"]: c for c in _manifest()["features"]["slash_commands"]}
    assert set(commands) == {"/brief", "/digest"}
    for command in commands.values():
        assert urlparse(command["url"]).path == EVENTS_PATH
        assert command["should_escape"] is False  # /brief takes free words, not resolved mentions
        assert command["description"] and command["usage_hint"]


def test_manifest_scopes_are_exactly_what_the_oauth_flow_requests() -> None:
    assert tuple(_manifest()["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


def test_manifest_enables_interactivity_for_share_and_defaults_to_http_mode() -> None:
    manifest = _manifest()
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert urlparse(settings["interactivity"]["request_url"]).path == EVENTS_PATH
    assert settings["socket_mode_enabled"] is False
    assert [urlparse(u).path for u in manifest["oauth_config"]["redirect_urls"]] == [REDIRECT_PATH]
