"""Ports between the core and the chat adapters: who a channel is, how a digest gets posted.

The core only ever talks to a :class:`Poster`; Slack, Discord and the console each implement one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.chat.results import CommandContext, CommandReply, Digest


@dataclass(frozen=True, slots=True, order=True)
class ChannelKey:
    """A chat channel, keyed by ids only: (platform, workspace or guild, channel)."""

    platform: str  # "slack" | "discord" | "console"
    workspace: str  # Slack team id, Discord guild id, "local" for the console
    channel: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"

    @classmethod
    def parse(cls, text: str) -> ChannelKey:
        """Parse ``platform:workspace:channel`` (the form the CLI and config files use)."""
        parts = text.split(":")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValueError(f"channel must look like platform:workspace:channel, got {text!r}")
        return cls(*(p.strip() for p in parts))


@dataclass(frozen=True, slots=True)
class PostReceipt:
    """What the platform gave back for a posted digest: its message ids, first one first."""

    message_ids: tuple[str, ...]


class PostError(Exception):
    """A post the platform refused or that could not be delivered; ``reason`` is shown to people."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@runtime_checkable
class Poster(Protocol):
    """Posts a rendered digest into a channel of one platform."""

    platform: str

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        """Post ``digest``; ``note`` (e.g. "may repeat an earlier post") is shown above it. Raises PostError."""
        ...

    async def find_digest(self, channel: ChannelKey, run_marker: str) -> PostReceipt | None:
        """Look for an already posted digest carrying ``run_marker``; None when the platform can't tell."""
        ...


class CommandHandler(Protocol):
    """Platform-neutral commands: ``command`` is "brief" or "digest", ``text`` the rest of the line."""

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply: ...


class ChatAdapter(Protocol):
    """A running chat integration (Slack, Discord, console) that ``newsdigest serve`` starts and stops."""

    platform: str

    @property
    def poster(self) -> Poster:
        """The poster delivery uses for this platform (read-only, so concrete poster types fit)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
