"""Posting digests to Slack: threaded continuations, retries, run markers, never a half-posted copy.

Exactly-once needs two things from this side. A post that fails raises :class:`PostError` so
delivery records and retries it; if it failed *after* some messages went out, those are deleted
first, so the retry cannot double them (and if they cannot be deleted the error is marked
not-retryable). The run marker rides in message metadata, invisible to readers, so
:meth:`SlackPoster.find_digest` can tell after a crash whether the run already reached Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import digest_messages
from bot.app.eventlog import event
from bot.chat.ports import ChannelKey, PostError, PostReceipt
from bot.chat.results import Digest

log = logging.getLogger(__name__)

METADATA_EVENT = "newsdigest_digest"
TokenLookup = Callable[[str], Awaitable[str | None]]

# Errors that another attempt will not fix; everything else (rate limits that outlived the retry
# handlers, 5xx, timeouts, not_in_channel until someone invites the bot) is worth the next tick.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "is_archived", "invalid_auth", "account_inactive", "token_revoked",
    "not_authed", "missing_scope", "invalid_blocks", "msg_too_long", "no_installation",
})
# find_digest answers "can't tell" (None) on these instead of failing the delivery.
_UNKNOWABLE = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "no_installation"})


class _AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """slack_sdk's handler retries only 500 and 503; gateways in front of Slack also send 502/504."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers() -> list[AsyncRetryHandler]:
    """429 after its Retry-After, 5xx and dropped connections with backoff."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        _AnyServerErrorRetryHandler(max_retry_count=2),
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
    ]


def make_client(token: str | None, base_url: str | None) -> AsyncWebClient:
    """An AsyncWebClient with our retry handlers, pointed at ``base_url`` when given (a stand-in)."""
    kwargs: dict[str, Any] = {"token": token, "retry_handlers": retry_handlers()}
    if base_url:
        kwargs["base_url"] = base_url
    return AsyncWebClient(**kwargs)


def _reason(exc: Exception) -> tuple[str, bool]:
    """A short reason people can act on, and whether a retry may help."""
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if error == "not_in_channel":
            return "not_in_channel: invite the bot to the channel (/invite @newsdigest)", True
        return error, error not in PERMANENT_ERRORS
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, True


class SlackPoster:
    """ports.Poster for Slack; ``token_for(team_id)`` gives the bot token of that workspace."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, token_for: TokenLookup, *, history_limit: int = 200) -> None:
        self._client = client
        self._token_for = token_for
        self._history_limit = history_limit

    async def _token(self, channel: ChannelKey) -> str:
        token = await self._token_for(channel.workspace)
        if not token:
            raise PostError(f"no_installation: newsdigest is not installed in workspace {channel.workspace}",
                            retryable=False)
        return token

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        """Post the digest, continuations threaded under the first message; returns their ts ids."""
        token = await self._token(channel)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"run": digest.run_marker}}
        posted: list[str] = []
        try:
            for message in digest_messages(digest, note=note):
                response = await self._client.chat_postMessage(
                    token=token,
                    channel=channel.channel,
                    text=message.text,
                    blocks=list(message.blocks),
                    thread_ts=posted[0] if posted else None,
                    # Every part carries the marker, so find_digest recognises any of them.
                    metadata=metadata if digest.run_marker else None,
                    unfurl_links=False,  # a digest links dozens of stories; previews would bury it
                    unfurl_media=False,
                )
                posted.append(str(response["ts"]))
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            reason, retryable = _reason(exc)
            event(log, "slack_post_failed", level=logging.WARNING, channel=channel, reason=reason, posted=len(posted))
            if posted and not await self._delete(token, channel, posted):
                raise PostError(f"{reason}; partly posted ({len(posted)} messages, ts {posted[0]}) and could not "
                                "be removed, so it will not be retried", retryable=False) from exc
            raise PostError(reason, retryable=retryable) from exc
        return PostReceipt(tuple(posted))

    async def _delete(self, token: str, channel: ChannelKey, posted: list[str]) -> bool:
        """Remove a partial post (replies first), so a retry starts clean."""
        try:
            for ts in reversed(posted):
                await self._client.chat_delete(token=token, channel=channel.channel, ts=ts)
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            event(log, "error", level=logging.ERROR, where="slack partial digest removal", channel=channel,
                  error=str(exc))
            return False
        return True

    async def find_digest(self, channel: ChannelKey, run_marker: str) -> PostReceipt | None:
        """Search the channel's recent history for messages carrying ``run_marker`` in their metadata."""
        try:
            token = await self._token(channel)
            history = await self._client.conversations_history(
                token=token, channel=channel.channel, limit=self._history_limit, include_all_metadata=True)
            messages: list[dict[str, Any]] = history.get("messages") or []
            first = next((m for m in messages if _marker(m) == run_marker), None)
            if first is None:
                # Not found and "can't tell" are both None: an empty receipt would read as "posted".
                return None
            ids = [str(first["ts"])]
            if first.get("reply_count"):
                replies = await self._client.conversations_replies(
                    token=token, channel=channel.channel, ts=first["ts"], include_all_metadata=True)
                thread: list[dict[str, Any]] = replies.get("messages") or []
                ids += [str(m["ts"]) for m in thread if m.get("ts") != first["ts"] and _marker(m) == run_marker]
            return PostReceipt(tuple(ids))
        except PostError as exc:
            if not exc.retryable:
                return None
            raise
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            reason, _ = _reason(exc)
            if reason.split(":")[0] in _UNKNOWABLE:
                return None
            raise PostError(f"could not check Slack for an earlier post: {reason}") from exc


def _marker(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    run = (meta.get("event_payload") or {}).get("run")
    return str(run) if run else None
