"""Pytest fixtures for the Discord tests, loaded with ``pytest_plugins`` (tests/adapters has no shared conftest)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.adapters.discord_standin import DiscordStandIn


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    """A running stand-in for Discord's HTTP API."""
    server = DiscordStandIn()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(autouse=True)
def _clean_discord_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment wins over settings passed in code, so a developer's real token must not leak in."""
    for name in list(os.environ):
        if name == "DISCORD_TOKEN" or name.startswith("NEWSDIGEST_DISCORD__"):
            monkeypatch.delenv(name)
