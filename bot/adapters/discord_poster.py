"""ports.Poster for Discord: posts a digest's messages into a channel, or says exactly why it could not."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord

from bot.adapters.discord_embeds import MARKER_PREFIX, digest_messages
from bot.chat.ports import ChannelKey, PostError, PostReceipt
from bot.chat.results import Digest

log = logging.getLogger(__name__)

# How far back find_digest looks: a digest is a handful of messages, and a crash between claim and
# post is found on the next start, so the run's messages are near the top of the channel.
HISTORY_LIMIT = 50

_HINTS = {
    50001: "the bot cannot see this channel (give it View Channel)",
    50013: "the bot lacks permissions here (give it Send Messages and Embed Links)",
    10003: "the channel no longer exists",
}


def describe(exc: discord.HTTPException) -> str:
    """A one-line reason people can act on: status, Discord's code and text, and a hint when known."""
    detail = f"Discord answered {exc.status}"
    if exc.code:
        detail += f" (code {exc.code})"
    if exc.text:
        detail += f": {exc.text}"
    hint = _HINTS.get(exc.code)
    return f"{detail} — {hint}" if hint else detail


def failure_reason(exc: Exception) -> tuple[str, bool]:
    """Why a post failed, for people, and whether trying again later can help."""
    if isinstance(exc, discord.HTTPException):
        # discord.py has already waited out and retried short rate limits and 5xx; what reaches here is final.
        # A deleted channel stays deleted; a missing permission can be granted before the next try.
        return describe(exc), not isinstance(exc, discord.NotFound)
    if isinstance(exc, discord.RateLimited):
        return f"Discord rate limit: retry after {exc.retry_after:.0f} s", True
    return f"could not reach Discord: {exc.__class__.__name__}: {exc}", True


def _channel_id(channel: ChannelKey) -> int:
    if channel.platform != "discord":
        raise PostError(f"{channel} is not a Discord channel", retryable=False)
    try:
        return int(channel.channel)
    except ValueError:
        raise PostError(f"{channel}: Discord channel ids are numbers", retryable=False) from None


class DiscordPoster:
    """Posts digests through a (logged-in) discord.py client's REST session; the gateway is not needed."""

    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        """Post ``digest`` as one or more messages; raises PostError and leaves no partial digest behind."""
        target = self._client.get_partial_messageable(_channel_id(channel))
        none = discord.AllowedMentions.none()
        posted: list[discord.Message] = []
        try:
            for message in digest_messages(digest, note=note):
                posted.append(await target.send(content=message.content, embeds=message.embeds, allowed_mentions=none))
        except (discord.HTTPException, discord.RateLimited, TimeoutError, OSError, aiohttp.ClientError) as exc:
            reason, retryable = failure_reason(exc)
            log.warning("discord post failed channel=%s reason=%s", channel, reason)
            raise PostError(reason + await self._roll_back(posted), retryable=retryable) from exc
        ids = tuple(str(m.id) for m in posted)
        log.info("discord digest posted channel=%s messages=%d", channel, len(ids))
        return PostReceipt(message_ids=ids)

    async def _roll_back(self, posted: list[discord.Message]) -> str:
        """Delete the parts already posted so the retry cannot double them; a note when that failed."""
        leftover = []
        for message in posted:
            try:
                await message.delete()
            except (discord.HTTPException, OSError, aiohttp.ClientError):
                leftover.append(str(message.id))
        return f" (earlier parts left in the channel: {', '.join(leftover)})" if leftover else ""

    async def find_digest(self, channel: ChannelKey, run_marker: str) -> PostReceipt | None:
        """The messages of an earlier post of this run (marker in the embed footer), or None."""
        if not run_marker:
            return None
        channel_id = _channel_id(channel)
        try:
            history: Any = await self._client.http.logs_from(channel_id, HISTORY_LIMIT)
        except discord.HTTPException as exc:
            # Without Read Message History the platform can't tell; the delivery rules decide what then.
            log.info("discord history unavailable channel=%s reason=%s", channel, describe(exc))
            return None
        me = self._client.user.id if self._client.user else None
        wanted = f"{MARKER_PREFIX}{run_marker}"
        ids = [
            str(m["id"])
            for m in reversed(history)  # the API returns newest first; receipts list the first part first
            if (me is None or int(m.get("author", {}).get("id", 0)) == me) and _footer_has(m, wanted)
        ]
        return PostReceipt(message_ids=tuple(ids)) if ids else None


def _footer_has(message: dict[str, Any], wanted: str) -> bool:
    for embed in message.get("embeds") or ():
        text = (embed.get("footer") or {}).get("text", "")
        # Exact run match: "run X" must not match "run X2", so compare the part before " · i/n".
        if text.split(" · ")[0] == wanted:
            return True
    return False
