"""What ``newsdigest serve`` says when it starts: configuration mistakes, and when each channel posts next.

A new operator's first question is "why didn't it post?". At start the service therefore warns about
half-set chat credentials and a missing config directory, and prints one line per channel with its
next digest time (and, for a channel that never had a digest, how to get one right now).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

from bot.app.eventlog import event
from bot.app.settings import Settings
from bot.delivery.channels import ChannelConfig
from bot.delivery.digest_time import next_occurrence

log = logging.getLogger(__name__)

MAX_CHANNEL_LINES = 50  # thousands of channels: the first ones, then a pointer to `newsdigest channels`


def _set(settings: Settings, name: str) -> bool:
    value = getattr(settings, name)
    if value is None:
        return False
    return bool(value.get_secret_value() if hasattr(value, "get_secret_value") else value)


def credential_warnings(settings: Settings) -> list[str]:
    """Chat credentials that are set but cannot work as set (never the values themselves)."""
    bot, signing, app_token = (_set(settings, n) for n in ("slack_bot_token", "slack_signing_secret",
                                                          "slack_app_token"))
    client_id, client_secret = _set(settings, "slack_client_id"), _set(settings, "slack_client_secret")
    oauth = client_id and client_secret
    out: list[str] = []
    if client_id != client_secret:
        have, missing = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if client_id else ("SLACK_CLIENT_SECRET",
                                                                                       "SLACK_CLIENT_ID")
        out.append(f"{have} is set without {missing}: the Slack install flow (OAuth) is off.")
    if (bot or oauth) and not (signing or app_token):
        out.append("Slack is not started: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) "
                   "nor SLACK_APP_TOKEN (Socket Mode) is.")
    if (signing or app_token) and not (bot or oauth):
        given = "SLACK_SIGNING_SECRET" if signing else "SLACK_APP_TOKEN"
        out.append(f"Slack is not started: {given} is set but SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
                   "SLACK_CLIENT_SECRET) is not.")
    if settings.slack.socket_mode and not app_token and (bot or oauth):
        out.append("[slack] socket_mode is on but SLACK_APP_TOKEN is not set: Socket Mode needs it.")
    return out


def config_dir_warning(environ: dict[str, str] | None = None) -> str | None:
    """NEWSDIGEST_CONFIG_DIR pointing nowhere: the shipped defaults are used instead, silently otherwise."""
    env = os.environ if environ is None else environ
    value = env.get("NEWSDIGEST_CONFIG_DIR")
    if value and not Path(value).is_dir():
        return (f"NEWSDIGEST_CONFIG_DIR={value} does not exist: using the shipped settings, topics and no "
                "channels.toml.")
    return None


def channel_lines(configs: Sequence[ChannelConfig], platforms: Collection[str], now: datetime,
                  *, dashboard_url: str | None = None) -> list[str]:
    """One line per channel: when its next digest is due here, or why it gets none."""
    lines: list[str] = []
    for config in configs[:MAX_CHANNEL_LINES]:
        key = config.key
        if key.platform not in platforms:
            lines.append(f"{key}: no digest from this process (the {key.platform} adapter is not running)")
        elif not config.enabled:
            lines.append(f"{key}: paused (/digest resume restarts it)")
        elif not config.topics:
            lines.append(f"{key}: follows no topics, so no digest (/digest add TOPIC)")
        else:
            _, at = next_occurrence(now, config.local_time, config.tz)
            line = f"{key}: next digest {at.astimezone(config.tz):%a %d %b %H:%M %Z} ({', '.join(config.topics)})"
            if config.covered_until is None:
                how = ["/digest now in the channel" if key.platform != "console" else
                       f"`newsdigest digest --channel {key} --force`"]
                if dashboard_url:
                    how.append(f"Post now on {dashboard_url}channels/{key}")
                line += f"; first digest then, or post one now: {' or '.join(how)}"
            lines.append(line)
    if len(configs) > MAX_CHANNEL_LINES:
        lines.append(f"... and {len(configs) - MAX_CHANNEL_LINES} more channels (newsdigest channels lists them)")
    if not configs:
        lines.append("No channels yet: add one to config/channels.toml, or use /digest add in a chat channel.")
    return lines


def log_startup_warnings(settings: Settings) -> None:
    for text in credential_warnings(settings):
        event(log, "config_warning", level=logging.WARNING, problem=text)
    warning = config_dir_warning()
    if warning:
        event(log, "config_warning", level=logging.WARNING, problem=warning)


def log_channels(configs: Sequence[ChannelConfig], platforms: Collection[str], now: datetime,
                 *, dashboard_url: str | None = None) -> None:
    for line in channel_lines(configs, platforms, now, dashboard_url=dashboard_url):
        log.info("channel %s", line)
