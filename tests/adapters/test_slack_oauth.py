"""Multi-workspace OAuth: the install flow end to end, tokens from the store in the app's own database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, String, inspect

from bot.adapters.slack_app import SlackAdapter
from bot.app.settings import Settings
from bot.chat.ports import ChannelKey
from bot.chat.results import Digest
from tests.adapters.slack_standin import (
    OAUTH_CODE,
    OTHER_TEAM,
    OTHER_TOKEN,
    SIGNING_SECRET,
    FakeHandler,
    SlackStandIn,
    events_url,
    post_signed,
    running_adapter,
    slash_body,
)

pytest_plugins = ("tests.adapters.slack_fixtures",)


def _library_tables() -> MetaData:
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def test_migration_creates_slack_sdk_tables_as_the_library_defines_them(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in _library_tables().sorted_tables:
        reflected = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(reflected) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            got = reflected[column.name]
            assert got["nullable"] == column.nullable or column.primary_key, (table.name, column.name)
            if isinstance(column.type, String):
                assert getattr(got["type"], "length", None) == column.type.length, (table.name, column.name)


def _oauth_settings(tmp_path: Path, api_url: str) -> Settings:
    values: dict[str, Any] = {
        "config_dir": tmp_path, "data_dir": tmp_path, "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "slack": {"api_url": api_url, "port": 0},
    }
    return Settings(**values)


async def _install(adapter: SlackAdapter) -> int:
    """Walk the browser's part of an install: the install page, then Slack's redirect back."""
    base = f"http://127.0.0.1:{adapter.http_port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/slack/install") as page:
            html = await page.text()
            assert page.status == 200
        authorize = re.search(r'https://slack\.com/oauth/v2/authorize\?[^"\']+', html)
        assert authorize is not None, html
        url = authorize.group(0).replace("&amp;", "&")
        assert "client_id=111.222" in url and "scope=commands,chat:write,users:read,channels:history" in url
        state = re.search(r"state=([^&]+)", url)
        assert state is not None
        cookie = {"Cookie": f"slack-app-oauth-state={state.group(1)}"}  # the browser would send it back
        callback = f"{base}/slack/oauth_redirect?code={OAUTH_CODE}&state={state.group(1)}"
        async with session.get(callback, headers=cookie) as done:
            return done.status


async def test_install_then_commands_and_digests_use_that_workspaces_token(
        slack: SlackStandIn, tmp_path: Path, db_url: str) -> None:
    handler = FakeHandler()
    settings = _oauth_settings(tmp_path, slack.api_url)
    async with running_adapter(settings, handler, installation_store_url=db_url) as adapter:
        assert await _install(adapter) == 200
        assert [c.params["code"] for c in slack.calls_to("oauth.v2.access")] == [OAUTH_CODE]

        # "pause" changes settings, so the adapter asks users.info: with the installing workspace's token.
        body = slash_body("/digest", "pause", response_url=slack.response_url(), team=OTHER_TEAM, user="UX")
        assert (await post_signed(events_url(adapter), body))[0] == 200
        await slack.wait_for(lambda: len(slack.hooks) == 1)
        receipt = await adapter.poster.post_digest(ChannelKey("slack", OTHER_TEAM, "C0OTHER"),
                                                   Digest(title="D", window_start=None,
                                                          window_end=datetime(2026, 1, 28, tzinfo=UTC)))
    ctx = handler.calls[0][0]
    assert (ctx.workspace, ctx.channel, ctx.user_id) == (OTHER_TEAM, "C0NEWS", "UX")
    assert slack.calls_to("users.info")[0].params["token"] == OTHER_TOKEN
    [post] = slack.calls_to("chat.postMessage")
    assert post.params["token"] == OTHER_TOKEN and post.params["channel"] == "C0OTHER"
    assert len(receipt.message_ids) == 1


async def test_install_with_a_forged_state_is_refused(slack: SlackStandIn, tmp_path: Path, db_url: str) -> None:
    settings = _oauth_settings(tmp_path, slack.api_url)
    async with running_adapter(settings, FakeHandler(), installation_store_url=db_url) as adapter:
        url = f"http://127.0.0.1:{adapter.http_port}/slack/oauth_redirect?code={OAUTH_CODE}&state=forged"
        async with aiohttp.ClientSession() as session, session.get(
                url, headers={"Cookie": "slack-app-oauth-state=forged"}) as response:
            assert response.status == 401
    assert slack.calls_to("oauth.v2.access") == []


async def test_commands_from_a_workspace_that_never_installed_do_nothing(
        slack: SlackStandIn, tmp_path: Path, db_url: str) -> None:
    handler = FakeHandler()
    settings = _oauth_settings(tmp_path, slack.api_url)
    async with running_adapter(settings, handler, installation_store_url=db_url) as adapter:
        body = slash_body("/brief", "ukraine", response_url=slack.response_url(), team="TSTRANGER")
        status, _, _ = await post_signed(events_url(adapter), body)
    assert status == 200  # Bolt answers with a "please install" notice, never the brief
    assert handler.calls == []
