"""The console adapter: digests to the terminal and/or Markdown files; also the test adapter.

With no chat credentials, ``newsdigest serve`` posts here, so the whole flow runs on one machine.
Every post is also kept in :attr:`ConsolePoster.posts`, and tests can make the next posts fail
(:meth:`ConsolePoster.fail_next`) or make the process "die" right after a post reached the channel
but before delivery could mark it (:meth:`ConsolePoster.crash_after_next_post`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.chat.ports import ChannelKey, Poster, PostError, PostReceipt
from bot.chat.results import Digest

MARKER_PREFIX = "newsdigest-run:"  # written into every Markdown file so find_digest can look for it


class SimulatedCrash(BaseException):
    """Raised by a test poster to stand for the process dying; BaseException so no ``except Exception`` eats it."""


@dataclass(frozen=True, slots=True)
class ConsolePost:
    channel: ChannelKey
    digest: Digest
    note: str | None
    message_id: str


def _default_render(digest: Digest, fmt: str) -> str:
    from bot.chat.rendering import render_digest

    return render_digest(digest, fmt)  # type: ignore[arg-type]


def archive_folder(channel: ChannelKey) -> str:
    """The Markdown archive's folder for a channel (the dashboard links into it)."""
    return _safe(str(channel))


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "channel"


class ConsolePoster:
    """ports.Poster for the terminal (rich) and/or a directory of Markdown files."""

    platform = "console"

    def __init__(self, *, terminal: bool = True, markdown_dir: Path | None = None,
                 render: Callable[[Digest, str], str] | None = None, platform: str = "console") -> None:
        self.platform = platform
        self.terminal = terminal
        self.markdown_dir = markdown_dir
        self.render = render or _default_render
        self.posts: list[ConsolePost] = []
        self._failures: list[PostError] = []
        self._crashes = 0
        self._lock = asyncio.Lock()

    def fail_next(self, reason: str = "console unavailable", *, times: int = 1, retryable: bool = True) -> None:
        """Make the next ``times`` posts raise PostError(reason) without posting."""
        self._failures.extend(PostError(reason, retryable=retryable) for _ in range(times))

    def crash_after_next_post(self, times: int = 1) -> None:
        """Make the next post reach the channel and then raise SimulatedCrash (a death before marking)."""
        self._crashes += times

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        """Print and/or write the digest; returns the Markdown file name (or a sequence number) as its id."""
        async with self._lock:
            if self._failures:
                raise self._failures.pop(0)
            message_id = f"{_safe(str(channel))}-{len(self.posts) + 1:05d}-{digest.run_marker[:12]}"
            if self.markdown_dir is not None:
                message_id = await asyncio.to_thread(self._write, channel, digest, note, message_id)
            if self.terminal:
                self._print(channel, digest, note)
            self.posts.append(ConsolePost(channel, digest, note, message_id))
            if self._crashes:
                self._crashes -= 1
                raise SimulatedCrash(f"crash after posting {message_id}")
            return PostReceipt((message_id,))

    async def find_digest(self, channel: ChannelKey, run_marker: str) -> PostReceipt | None:
        """With a Markdown directory the files tell; a terminal can't (None: "can't tell")."""
        if self.markdown_dir is None:
            return None
        return await asyncio.to_thread(self._find, channel, run_marker)

    def _write(self, channel: ChannelKey, digest: Digest, note: str | None, message_id: str) -> str:
        assert self.markdown_dir is not None
        folder = self.markdown_dir / archive_folder(channel)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{digest.window_end:%Y-%m-%d-%H%M}-{digest.run_marker[:12] or 'run'}.md"
        text = self.render(digest, "markdown")
        if note:
            text = f"> {note}\n\n{text}"
        text += f"\n<!-- {MARKER_PREFIX}{digest.run_marker} -->\n"
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(folder / name)  # readers (and find_digest) never see a half-written file
        return name

    def _find(self, channel: ChannelKey, run_marker: str) -> PostReceipt:
        assert self.markdown_dir is not None
        folder = self.markdown_dir / archive_folder(channel)
        needle = f"{MARKER_PREFIX}{run_marker}"
        found = sorted(p.name for p in folder.glob("*.md") if needle in p.read_text(encoding="utf-8"))
        return PostReceipt(tuple(found))  # empty: looked, and it is certainly not there

    def _print(self, channel: ChannelKey, digest: Digest, note: str | None) -> None:
        from rich.console import Console
        from rich.markdown import Markdown
        from rich.rule import Rule

        console = Console()
        console.print(Rule(f"digest for {channel}"))
        if note:
            console.print(f"[yellow]{note}[/yellow]")
        console.print(Markdown(self.render(digest, "markdown")))


class ConsoleAdapter:
    """ports.ChatAdapter for the console: nothing to connect, it only posts."""

    platform = "console"

    def __init__(self, poster: ConsolePoster) -> None:
        self.poster: Poster = poster

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
