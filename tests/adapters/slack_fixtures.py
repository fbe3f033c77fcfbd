"""Pytest fixtures for the Slack tests, loaded with ``pytest_plugins`` (tests/adapters has no shared conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack_standin import SLACK_ENV, SlackStandIn


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackStandIn]:
    """A running stand-in for Slack's Web API and response_url hooks.

    It also clears the Slack variables from the environment (a plugin-wide autouse fixture would
    reach other areas' tests): a developer's own credentials must never leak into a test.
    """
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    standin = SlackStandIn()
    await standin.start()
    yield standin
    await standin.stop()
