"""Which Slack transport the settings ask for, decided without importing slack_bolt.

``newsdigest serve`` calls :func:`slack_mode` before it imports the adapter, so a deployment without
Slack credentials never pays for (or breaks on) the Slack libraries.
"""

from __future__ import annotations

import os
from typing import Literal

from bot.app.settings import Settings

SlackMode = Literal["http", "socket"]

# Bot scopes requested by the OAuth flow; manifest.yml must list exactly these (a test holds it).
BOT_SCOPES: tuple[str, ...] = ("commands", "chat:write", "users:read", "channels:history")

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
HEALTH_PATH = "/healthz"


def _secret(settings: Settings, name: str) -> str:
    value = getattr(settings, name)
    return value.get_secret_value() if value is not None else ""


def oauth_enabled(settings: Settings) -> bool:
    """Multi-workspace install flow: on when both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set."""
    return bool(settings.slack_client_id) and bool(_secret(settings, "slack_client_secret"))


def slack_mode(settings: Settings) -> SlackMode | None:
    """"socket", "http", or None when the credentials for neither are present.

    Socket Mode needs the app-level token and is chosen when configured explicitly or when the app
    token is the only way in (no signing secret); HTTP mode needs the signing secret, since every
    request must be verified. Either way the bot needs a bot token or the OAuth installation store.
    """
    has_bot = bool(_secret(settings, "slack_bot_token")) or oauth_enabled(settings)
    app_token = bool(_secret(settings, "slack_app_token"))
    signing = bool(_secret(settings, "slack_signing_secret"))
    if not has_bot:
        return None
    if app_token and (settings.slack.socket_mode or not signing):
        return "socket"
    if signing:
        return "http"
    return None


def resolve_port(settings: Settings, port: int | None = None) -> int:
    """``--port`` (passed in) wins over ``PORT`` (what PaaS hosts set) over ``slack.port``."""
    if port is not None:
        return port
    env = os.environ.get("PORT", "").strip()
    if env.isdigit():
        return int(env)
    return settings.slack.port


def resolve_api_url(settings: Settings) -> str | None:
    """Web API base URL: ``SLACK_API_URL`` or ``slack.api_url``; slack_sdk wants a trailing slash."""
    url = os.environ.get("SLACK_API_URL") or settings.slack.api_url
    if not url:
        return None
    return url if url.endswith("/") else url + "/"
