"""A poster wrapper that simulates a process killed between posting a digest and recording it."""

from __future__ import annotations

from bot.chat.ports import ChannelKey, Poster, PostReceipt
from bot.chat.results import Digest


class Crash(BaseException):
    """Not an Exception: Delivery must not get to record anything, as when the process dies."""


class CrashAfterPosting:
    """Posts for real, then dies before Delivery can mark the run posted (a process killed mid-run)."""

    def __init__(self, inner: Poster) -> None:
        self.inner = inner
        self.platform = inner.platform

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        await self.inner.post_digest(channel, digest, note=note)
        raise Crash

    async def find_digest(self, channel: ChannelKey, run_marker: str) -> PostReceipt | None:
        return await self.inner.find_digest(channel, run_marker)
