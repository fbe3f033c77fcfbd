"""The discord.py client as newsdigest runs it: minimal intents, optional sharding, optional REST stand-in."""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app.settings import DiscordSettings

log = logging.getLogger(__name__)

MAX_RATELIMIT_WAIT = 60.0  # seconds


def intents() -> discord.Intents:
    """Only the guilds intent: slash commands arrive as interactions, so no message content is needed."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # channel and permission resolution for interactions in guilds
    return wanted


def make_client(settings: DiscordSettings) -> discord.Client:
    """A Client, or an AutoShardedClient for large deployments (one gateway shard per ~2,500 guilds)."""
    cls = discord.AutoShardedClient if settings.sharded else discord.Client
    # No member or presence cache: nothing here reads them, and they cost memory at scale.
    # A rate limit longer than MAX_RATELIMIT_WAIT fails the post (RateLimited) instead of stalling every digest
    # behind it; the delivery rules retry it later.
    return cls(intents=intents(), member_cache_flags=discord.MemberCacheFlags.none(), chunk_guilds_at_startup=False,
               max_ratelimit_timeout=MAX_RATELIMIT_WAIT)


def point_rest_at(api_url: str) -> Callable[[], None]:
    """Send discord.py's REST calls to ``api_url`` (e.g. a local stand-in); returns the undo.

    discord.py has no per-client base URL: every request, interaction callbacks and follow-up webhooks
    included, is built from the class attribute ``discord.http.Route.BASE``. Setting it is therefore
    process-wide: every discord.py client in this process talks to ``api_url`` until the undo runs.
    newsdigest runs one Discord client per process, so that is acceptable. The gateway is separate:
    see :func:`follow_gateway_of`.
    """
    previous = Route.BASE
    Route.BASE = api_url.rstrip("/")
    log.info("discord REST base set to %s", Route.BASE)

    def undo() -> None:
        Route.BASE = previous

    return undo


async def follow_gateway_of(client: discord.Client) -> Callable[[], None]:
    """Connect the gateway where the REST API says it is (``GET /gateway/bot``); returns the undo.

    A plain ``Client`` dials the class attribute ``DiscordWebSocket.DEFAULT_GATEWAY`` (Discord's own)
    without asking; with a REST stand-in the gateway must come from the stand-in too. Like
    :func:`point_rest_at`, this is process-wide until undone. Needs a logged-in client.
    """
    _shards, url, _limits = await client.http.get_bot_gateway()
    previous = DiscordWebSocket.DEFAULT_GATEWAY
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("discord gateway set to %s", url)

    def undo() -> None:
        DiscordWebSocket.DEFAULT_GATEWAY = previous

    return undo


def required_permissions() -> discord.Permissions:
    """What the bot needs in a channel: see it, post, embed links, read history (to find a run's posts)."""
    return discord.Permissions(view_channel=True, send_messages=True, embed_links=True, read_message_history=True,
                               use_application_commands=True)


def invite_url(client_id: int | str) -> str:
    """The OAuth2 URL that adds the bot with its slash commands and exactly the permissions it needs."""
    return discord.utils.oauth_url(client_id, permissions=required_permissions(),
                                   scopes=("bot", "applications.commands"))
