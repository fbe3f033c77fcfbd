"""DiscordAdapter runtime: intents, sharding, login and command sync against the stand-in, the CLI."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_app import DiscordAdapter
from bot.adapters.discord_runtime import intents, invite_url, make_client
from bot.app.errors import UserError
from bot.app.settings import DiscordSettings, Settings
from bot.chat.results import CommandContext, CommandReply, TextReply
from bot.cli import main
from tests.adapters.discord_standin import (
    APP_ID,
    GUILD_ID,
    TOKEN,
    DiscordStandIn,
    find_command,
    interaction_payload,
    standin_settings,
)

pytest_plugins = ("tests.adapters.discord_fixtures",)  # the `standin` fixture

DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


class NoCommands:
    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        raise AssertionError("not called")


def test_intents_are_minimal() -> None:
    wanted = intents()
    assert wanted.guilds
    assert not wanted.message_content and not wanted.members and not wanted.presences and not wanted.guild_messages


def test_sharded_setting_uses_the_auto_sharded_client() -> None:
    assert isinstance(make_client(DiscordSettings(sharded=True)), discord.AutoShardedClient)
    assert not isinstance(make_client(DiscordSettings()), discord.AutoShardedClient)


async def test_login_syncs_commands_globally_and_restores_the_rest_base(standin: DiscordStandIn) -> None:
    before = Route.BASE
    adapter = DiscordAdapter(standin_settings(standin.base_url), NoCommands())
    await adapter.login()
    assert standin.base_url == Route.BASE
    await adapter.stop()

    assert before == Route.BASE
    [sync] = standin.of("PUT", rf"^/applications/{APP_ID}/commands$")
    commands = {c["name"]: c for c in sync.json}
    assert set(commands) == {"brief", "digest"}
    assert commands["digest"]["dm_permission"] is False  # channel settings only make sense in a server
    assert {o["name"] for o in commands["digest"]["options"]} == {
        "topics", "add", "remove", "time", "timezone", "now", "pause", "resume", "settings", "help"}


async def test_dev_guild_syncs_to_that_guild_only(standin: DiscordStandIn) -> None:
    adapter = DiscordAdapter(standin_settings(standin.base_url, dev_guild_id=GUILD_ID), NoCommands())
    await adapter.login()
    await adapter.stop()
    assert standin.of("PUT", rf"^/applications/{APP_ID}/commands$") == []
    [sync] = standin.of("PUT", rf"^/applications/{APP_ID}/guilds/{GUILD_ID}/commands$")
    assert {c["name"] for c in sync.json} == {"brief", "digest"}


async def test_a_failed_sync_does_not_stop_the_bot(standin: DiscordStandIn) -> None:
    standin.fail("PUT", "/commands$", 403, code=50001, message="Missing Access")
    adapter = DiscordAdapter(standin_settings(standin.base_url), NoCommands())
    await adapter.login()  # the commands from the previous sync still work
    assert adapter.client.user is not None and adapter.client.user.id
    await adapter.stop()


async def test_login_without_a_token_says_how_to_get_one() -> None:
    adapter = DiscordAdapter(Settings.model_validate({}), NoCommands())
    with pytest.raises(UserError, match="DISCORD_TOKEN"):
        await adapter.login()


def test_invite_url_asks_for_the_bot_and_commands_scopes_and_needed_permissions() -> None:
    url = invite_url(APP_ID)
    assert f"client_id={APP_ID}" in url and "scope=bot+applications.commands" in url
    perms = discord.Permissions(int(url.rsplit("permissions=", 1)[1]))
    assert perms.send_messages and perms.embed_links and perms.read_message_history and perms.view_channel
    assert not perms.administrator and not perms.mention_everyone


@pytest.fixture
def threaded_standin() -> Iterator[DiscordStandIn]:
    """The stand-in on its own event loop, for CLI commands that run asyncio.run themselves."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = DiscordStandIn()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result()
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def test_cli_sync_registers_the_commands(threaded_standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSDIGEST_DISCORD__API_URL", threaded_standin.base_url)

    assert main(["discord", "sync", "--guild", str(GUILD_ID)]) == 0

    [sync] = threaded_standin.of("PUT", rf"^/applications/{APP_ID}/guilds/{GUILD_ID}/commands$")
    assert {c["name"] for c in sync.json} == {"brief", "digest"}
    assert "synced 2 commands to guild" in capsys.readouterr().out


def test_cli_sync_refused_is_one_line_not_a_traceback(threaded_standin: DiscordStandIn,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSDIGEST_DISCORD__API_URL", threaded_standin.base_url)
    threaded_standin.fail("PUT", "/commands$", 403, code=50001, message="Missing Access")

    assert main(["discord", "sync"]) == 2
    assert "Discord refused the command sync: Discord answered 403 (code 50001): Missing Access" in (
        capsys.readouterr().err)


async def test_start_connects_the_gateway_with_minimal_intents_and_answers_interactions(
        standin: DiscordStandIn) -> None:
    class Briefs:
        async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
            return TextReply(f"brief for {text}")

    adapter = DiscordAdapter(standin_settings(standin.base_url), Briefs())
    await adapter.start()
    try:
        identify = await standin.wait_for_gateway(2)
        assert identify["d"]["intents"] == intents().value == discord.Intents(guilds=True).value
        assert identify["d"]["token"] == TOKEN

        # The whole way a real command comes in: gateway event -> discord.py state -> our CommandTree.
        await standin.dispatch_event("INTERACTION_CREATE",
                                     interaction_payload(find_command(adapter.tree, "brief"), topic="gold"))
        [followup] = await standin.wait_for("POST", rf"^/webhooks/{APP_ID}/")
        assert followup.json["content"] == "brief for gold"
    finally:
        await adapter.stop()
    assert DiscordWebSocket.DEFAULT_GATEWAY == DEFAULT_GATEWAY  # the redirection ends with the adapter


async def test_a_failed_start_cleans_up_after_itself(standin: DiscordStandIn) -> None:
    before = Route.BASE
    standin.fail("GET", "^/users/@me$", 401, code=0, message="401: Unauthorized")
    adapter = DiscordAdapter(standin_settings(standin.base_url), NoCommands())

    with pytest.raises(UserError, match="Discord refused the token"):
        await adapter.start()

    assert before == Route.BASE
    assert adapter.client.is_closed()
