"""The slash commands: ``/brief`` and the ``/digest`` group, translated to the platform-neutral handler.

Each command defers first (Discord allows 3 seconds for the first answer and a brief or ``now``
can take longer), asks the handler, and sends the rendered reply as a follow-up. Whether the caller
may change settings is computed here from Discord's resolved permissions; the refusal itself is
the handler's, so Slack and Discord refuse with the same words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.adapters.discord_autocomplete import Suggester
from bot.adapters.discord_embeds import DiscordMessage, brief_messages, text_messages
from bot.app.errors import UserError
from bot.chat.ports import CommandHandler
from bot.chat.results import BriefReply, CommandContext, CommandReply, TextReply

log = logging.getLogger(__name__)


def permission_label(name: str) -> str:
    """``manage_channels`` -> ``Manage Channels``, as Discord's UI names it."""
    return name.replace("_", " ").title()


def check_permission_name(name: str) -> str:
    """``name`` if it is a Discord permission flag; a ValueError naming the setting otherwise."""
    if name not in discord.Permissions.VALID_FLAGS:
        raise ValueError(f"discord.manage_permission: {name!r} is not a Discord permission (e.g. manage_channels)")
    return name


def command_context(interaction: discord.Interaction, manage_permission: str) -> CommandContext:
    """Who asked and where, with ``can_manage`` from the member's resolved channel permissions."""
    perms = interaction.permissions  # resolved by Discord for this channel, overwrites included
    can_manage = interaction.guild_id is not None and (perms.administrator or getattr(perms, manage_permission))
    channel = interaction.channel_id or interaction.user.id
    return CommandContext(
        platform="discord",
        workspace=str(interaction.guild_id) if interaction.guild_id else "dm",
        channel=str(channel),
        user_id=str(interaction.user.id),
        can_manage=bool(can_manage),
        manage_hint=f"members with {permission_label(manage_permission)}",
    )


def reply_messages(reply: CommandReply) -> list[DiscordMessage]:
    """Render any handler reply as Discord messages."""
    if isinstance(reply, BriefReply):
        return brief_messages(reply.brief)
    if isinstance(reply, TextReply):
        return text_messages(reply.text, reply.lines)
    return text_messages(reply.text)


@dataclass(frozen=True)
class SlashCommands:
    """What the slash commands need: the handler, the permission that manages a channel, suggestions."""

    handler: CommandHandler
    manage_permission: str
    suggest: Suggester

    async def run(self, interaction: discord.Interaction, command: str, text: str, *, public: bool = False) -> None:
        """Defer, ask the handler, follow up with its rendered reply (ephemeral unless ``public``)."""
        await interaction.response.defer(ephemeral=not public, thinking=True)
        ctx = command_context(interaction, self.manage_permission)
        reply: CommandReply
        try:
            reply = await self.handler(ctx, command, text)
        except UserError as exc:
            reply = TextReply(str(exc), ok=False)
        except Exception:
            log.exception("discord command failed command=%s text=%r channel=%s", command, text, ctx.channel)
            reply = TextReply("Sorry, that failed on our side; the error has been logged.", ok=False)
        for message in reply_messages(reply):
            await interaction.followup.send(
                content=message.content or discord.utils.MISSING,
                embeds=message.embeds,
                ephemeral=not public,
                allowed_mentions=discord.AllowedMentions.none(),
            )


def build_tree(client: discord.Client, commands: SlashCommands) -> app_commands.CommandTree[discord.Client]:
    """A CommandTree with ``/brief`` and ``/digest ...`` bound to ``commands``."""
    tree: app_commands.CommandTree[discord.Client] = ErrorReportingTree(client)
    tree.add_command(brief_command(commands))
    tree.add_command(digest_group(commands))
    return tree


class ErrorReportingTree(app_commands.CommandTree[discord.Client]):
    """Logs command errors and tells the person something went wrong instead of leaving them waiting."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("discord interaction failed command=%s", interaction.command and interaction.command.qualified_name,
                  exc_info=error)
        text = "Sorry, that failed on our side; the error has been logged."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not report the error to the user")


def brief_command(commands: SlashCommands) -> app_commands.Command[discord.app_commands.Group, ..., None]:
    """``/brief topic:<text> [public:<bool>]``."""

    @app_commands.command(name="brief", description="A short brief on a topic or any words, from today's stories")
    @app_commands.describe(topic="A topic name or any words", public="Show the answer to the whole channel")
    async def brief(interaction: discord.Interaction, topic: app_commands.Range[str, 1, 200],
                    public: bool = False) -> None:
        await commands.run(interaction, "brief", topic, public=public)

    @brief.autocomplete("topic")
    async def _topic(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await commands.suggest.topics_and_keywords(current)

    return brief


def digest_group(commands: SlashCommands) -> app_commands.Group:
    """``/digest topics|add|remove|time|now|pause|resume|settings|help`` for the current channel."""
    group = app_commands.Group(name="digest", description="This channel's daily news digest", guild_only=True)
    suggest = commands.suggest

    def simple(name: str, description: str) -> None:
        async def callback(interaction: discord.Interaction) -> None:
            await commands.run(interaction, "digest", name)

        group.add_command(app_commands.Command(name=name, description=description, callback=callback))

    simple("topics", "List the topics this channel's digest follows")

    @group.command(name="add", description="Follow more topics (space separated)")
    @app_commands.describe(topics="Topic names, e.g. ukraine russia")
    async def add(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 200]) -> None:
        await commands.run(interaction, "digest", f"add {topics}")

    @add.autocomplete("topics")
    async def _add(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return suggest.topic_list(current)

    @group.command(name="remove", description="Stop following a topic")
    @app_commands.describe(topic="A topic this channel follows")
    async def remove(interaction: discord.Interaction, topic: app_commands.Range[str, 1, 100]) -> None:
        await commands.run(interaction, "digest", f"remove {topic}")

    @remove.autocomplete("topic")
    async def _remove(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return suggest.topics(current)

    @group.command(name="time", description="When the digest is posted each day")
    @app_commands.describe(time="Local time, HH:MM (24-hour)", timezone="IANA time zone, e.g. Europe/London")
    async def time(interaction: discord.Interaction, time: app_commands.Range[str, 1, 5],
                   timezone: app_commands.Range[str, 1, 64] | None = None) -> None:
        await commands.run(interaction, "digest", f"time {time} {timezone or ''}".strip())

    @time.autocomplete("timezone")
    async def _tz(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return suggest.timezones(current)

    @group.command(name="timezone", description="The channel's time zone for the daily digest")
    @app_commands.describe(timezone="IANA time zone, e.g. America/New_York")
    async def timezone(interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 64]) -> None:
        await commands.run(interaction, "digest", f"timezone {timezone}")

    timezone.autocomplete("timezone")(_tz)

    simple("now", "Post the digest now")
    simple("pause", "Pause the daily digest")
    simple("resume", "Resume the daily digest")
    simple("settings", "Show this channel's digest settings and last delivery")
    simple("help", "How the digest commands work")
    return group
