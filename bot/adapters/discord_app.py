"""DiscordAdapter: slash commands in, digests out, on discord.py 2.x (ports.ChatAdapter).

``start()`` logs in over REST, syncs the slash commands and connects the gateway in a background
task (discord.py reconnects on its own); ``poster`` posts digests over REST. Nothing here touches
the database: commands go to the injected handler, digests come in through the poster.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import discord
from discord import app_commands

from bot.adapters.discord_autocomplete import Keywords, Suggester, TopicNames
from bot.adapters.discord_commands import SlashCommands, build_tree, check_permission_name
from bot.adapters.discord_poster import DiscordPoster, describe
from bot.adapters.discord_runtime import follow_gateway_of, make_client, point_rest_at
from bot.app.errors import UserError
from bot.app.settings import Settings
from bot.chat.ports import CommandHandler
from bot.chat.results import CommandContext, CommandReply

log = logging.getLogger(__name__)


class DiscordAdapter:
    """The Discord integration ``newsdigest serve`` starts when ``DISCORD_TOKEN`` is set."""

    platform = "discord"

    def __init__(self, settings: Settings, handler: CommandHandler, *, topic_names: TopicNames | None = None,
                 keywords: Keywords | None = None) -> None:
        self.settings = settings
        self.client: discord.Client = make_client(settings.discord)
        permission = check_permission_name(settings.discord.manage_permission)
        suggest = Suggester(topic_names or configured_topic_names(settings), keywords)
        commands = SlashCommands(handler=handler, manage_permission=permission, suggest=suggest)
        self.tree: app_commands.CommandTree[discord.Client] = build_tree(self.client, commands)
        self.poster = DiscordPoster(self.client)
        self._gateway: asyncio.Task[None] | None = None
        self._undo: list[Callable[[], None]] = []  # process-wide redirections to a stand-in, undone on stop

    async def login(self, *, sync: bool = True) -> None:
        """Log in over REST (no gateway yet) and, unless ``sync`` is False, sync the slash commands."""
        token = self.settings.discord_token
        if token is None or not token.get_secret_value():
            raise UserError("DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications")
        if self.settings.discord.api_url and not self._undo:
            self._undo.append(point_rest_at(self.settings.discord.api_url))
        try:
            await self.client.login(token.get_secret_value())
        except discord.LoginFailure as exc:
            raise UserError(f"Discord refused the token: {exc}") from exc
        if sync:
            try:
                await self.sync_commands()
            except discord.HTTPException as exc:
                # Commands from the last sync stay registered on Discord's side, so serving can go on.
                log.warning("discord command sync failed, serving the previously synced commands: %s", exc)

    async def sync_commands(self) -> list[str]:
        """Register the commands globally, or only in ``discord.dev_guild_id`` (instant, for development)."""
        guild_id = self.settings.discord.dev_guild_id
        if guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        names = [c.name for c in synced]
        log.info("discord commands synced scope=%s commands=%s", guild_id or "global", ",".join(names))
        return names

    async def start(self) -> None:
        """Log in, sync commands, and connect the gateway in a background task."""
        try:
            await self.login()
            if self.settings.discord.api_url:
                self._undo.append(await follow_gateway_of(self.client))
        except BaseException:
            # serve only stops adapters that started: close the session and undo redirections here.
            await self.stop()
            raise
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._gateway.add_done_callback(_report_gateway_end)

    async def stop(self) -> None:
        """Disconnect, close the HTTP session, and restore discord.py's REST base and gateway."""
        await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._gateway
            self._gateway = None
        while self._undo:
            self._undo.pop()()


def configured_topic_names(settings: Settings) -> TopicNames:
    """Topic names from ``topics.toml``, read on first use (not at construction) and then kept."""
    loaded: list[Sequence[str]] = []  # a box, so an empty topic list is read once too

    def topic_names() -> Sequence[str]:
        if not loaded:
            from bot.newsroom.topics import load_topics

            loaded.append(load_topics(settings.config_dir).names)
        return loaded[0]

    return topic_names


def _report_gateway_end(task: asyncio.Task[None]) -> None:
    # discord.py retries transient disconnects itself; reaching here with an error is fatal (bad token,
    # missing intents), and must be loud rather than leave a bot that silently never answers.
    if not task.cancelled() and task.exception() is not None:
        log.error("discord gateway stopped", exc_info=task.exception())


class _NoCommands:
    """Handler for a sync-only adapter: syncing needs the command shapes, never their answers."""

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        raise RuntimeError("this adapter only syncs commands")


async def sync_commands(settings: Settings) -> list[str]:
    """Log in over REST, sync the slash commands, log out; for ``newsdigest discord sync``."""
    adapter = DiscordAdapter(settings, _NoCommands())
    try:
        await adapter.login(sync=False)
        return await adapter.sync_commands()
    except discord.HTTPException as exc:
        raise UserError(f"Discord refused the command sync: {describe(exc)}") from exc
    finally:
        await adapter.stop()
