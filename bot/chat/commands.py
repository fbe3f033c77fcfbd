"""Platform-neutral chat commands: ``/brief ...`` and ``/digest ...``, answered with result objects.

Adapters parse nothing: they pass the command name and the rest of the line, plus a CommandContext
saying who asked, where, and whether they may change this channel's settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.app.errors import UserError
from bot.chat.ports import ChannelKey
from bot.chat.results import DIGEST_MUTATIONS, BriefReply, CommandContext, CommandReply, DigestReply, TextReply
from bot.delivery.channels import ChannelConfig, ChannelRegistry, normalise_time, resolve_topics, validate_timezone
from bot.delivery.digest import BriefBuilder
from bot.delivery.digest_time import next_occurrence
from bot.newsroom.topics import TopicSet

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.delivery.runner import Delivery

BRIEF_SINCE = timedelta(hours=24)
FAILING_FEED_LINES = 5  # /brief looks at the last day first, then at everything stored

DIGEST_HELP = (
    "/digest topics: the topics this channel follows",
    "/digest add TOPIC...: follow topics (e.g. /digest add ukraine russia)",
    "/digest remove TOPIC...: stop following topics",
    "/digest time HH:MM [TIMEZONE]: when the daily digest is posted (e.g. /digest time 07:30 Europe/London)",
    "/digest timezone TIMEZONE: the channel's IANA timezone",
    "/digest pause | resume: stop or restart the daily digest",
    "/digest now: post what is new since the last digest, right away",
    "/digest settings: this channel's settings and the last failed post",
    "/brief TOPIC or words [public]: a brief on a topic or anything else",
)
class Commands:
    """ports.CommandHandler: ``await commands(ctx, "brief" | "digest", text)``."""

    def __init__(self, app: App, registry: ChannelRegistry, *, delivery: Delivery | None = None,
                 on_change: Callable[[], Awaitable[None]] | None = None, topics: TopicSet | None = None,
                 brief_fn: BriefBuilder | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.registry = registry
        self.delivery = delivery
        self.on_change = on_change
        self._topics = topics
        self.brief_fn = brief_fn
        self.clock = clock or (lambda: datetime.now(UTC))

    @property
    def topics(self) -> TopicSet:
        if self._topics is None:
            self._topics = self.app.topics
        return self._topics

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        try:
            if command == "brief":
                return await self.brief(text)
            if command == "digest":
                return await self.digest(ctx, text)
            raise UserError(f"unknown command {command!r}: use /brief or /digest")
        except UserError as exc:
            return TextReply(str(exc), ok=False)

    async def brief(self, text: str) -> CommandReply:
        words = text.split()
        public = bool(words) and words[-1].casefold() == "public"
        query = " ".join(words[:-1] if public else words)
        if not query:
            return TextReply("Usage: /brief TOPIC or words [public]", ok=False,
                             lines=(f"Topics: {', '.join(self.topics.names)}",))
        build: BriefBuilder
        if self.brief_fn is not None:
            build = self.brief_fn
        else:
            from bot.newsroom.briefs import build_brief as build
        since = self.clock() - BRIEF_SINCE
        brief = await asyncio.to_thread(build, self.app, query, since=since)
        if brief.empty and brief.matched_by != "none":  # a quiet day: fall back to everything stored
            brief = await asyncio.to_thread(build, self.app, query)
        return BriefReply(brief, public=public)

    async def digest(self, ctx: CommandContext, text: str) -> CommandReply:
        words = text.split()
        sub, args = (words[0].casefold(), words[1:]) if words else ("help", [])
        # The key the channel is kept under: a shared Slack channel has one entry, whoever's team asks.
        key = await asyncio.to_thread(self.registry.canonical, ChannelKey(ctx.platform, ctx.workspace, ctx.channel))
        if sub in DIGEST_MUTATIONS and not ctx.can_manage:
            return TextReply(f"Only {ctx.manage_hint} can change this channel's digest (/digest {sub}).", ok=False)
        if sub in DIGEST_MUTATIONS and key.workspace != ctx.workspace:
            return TextReply(f"This channel's digest is run by the newsdigest of workspace {key.workspace}, which "
                             f"shares this channel; change it from there (/digest {sub}).", ok=False)
        handler = {
            "help": self._help, "topics": self._list_topics, "add": self._add, "remove": self._remove,
            "time": self._time, "timezone": self._timezone, "pause": self._pause, "resume": self._resume,
            "settings": self._settings, "now": self._now,
        }.get(sub)
        if handler is None:
            return TextReply(f"Unknown /digest command {sub!r}.", ok=False, lines=DIGEST_HELP)
        return await handler(ctx, key, args)

    async def _update(self, ctx: CommandContext, key: ChannelKey, **changes: object) -> ChannelConfig:
        config = await asyncio.to_thread(self.registry.update, key, by=ctx.user_id, **changes)
        if self.on_change is not None:
            await self.on_change()
        return config

    async def _help(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        return TextReply("Daily digest commands for this channel:", lines=DIGEST_HELP)

    async def _list_topics(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        config = await asyncio.to_thread(self.registry.get, key)
        others = [n for n in self.topics.names if n not in config.topics]
        head = (f"This channel follows: {', '.join(config.topics)}." if config.topics
                else "This channel follows no topics yet: /digest add TOPIC.")
        return TextReply(head, lines=(f"Also available: {', '.join(others)}",) if others else ())

    async def _add(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        if not args:
            raise UserError(f"Which topics? e.g. /digest add ukraine. Topics: {', '.join(self.topics.names)}")
        wanted = resolve_topics(args, self.topics)
        config = await asyncio.to_thread(self.registry.get, key)
        new = [t for t in wanted if t not in config.topics]
        config = await self._update(ctx, key, topics=(*config.topics, *new))
        done = f"Added {', '.join(new)}." if new else "Already following those."
        return TextReply(f"{done} This channel follows: {', '.join(config.topics)}.")

    async def _remove(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        config = await asyncio.to_thread(self.registry.get, key)
        if not args:
            raise UserError(f"Which topics? This channel follows: {', '.join(config.topics) or 'none'}")
        wanted = resolve_topics(args, self.topics)
        missing = [t for t in wanted if t not in config.topics]
        if missing:
            raise UserError(f"This channel does not follow {', '.join(missing)}; it follows: "
                            f"{', '.join(config.topics) or 'none'}")
        config = await self._update(ctx, key, topics=tuple(t for t in config.topics if t not in wanted))
        left = ", ".join(config.topics) or "no topics (no daily digest until you /digest add one)"
        return TextReply(f"Removed {', '.join(wanted)}. This channel follows: {left}.")

    async def _time(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        if not 1 <= len(args) <= 2:
            raise UserError("Usage: /digest time HH:MM [TIMEZONE], e.g. /digest time 07:30 Europe/London")
        changes: dict[str, object] = {"digest_time": normalise_time(args[0])}
        if len(args) == 2:
            changes["timezone"] = validate_timezone(args[1])
        config = await self._update(ctx, key, **changes)
        return TextReply(f"Daily digest at {config.digest_time} {config.timezone}. {self._next(config)}")

    async def _timezone(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        if len(args) != 1:
            raise UserError("Usage: /digest timezone TIMEZONE, e.g. /digest timezone America/New_York")
        config = await self._update(ctx, key, timezone=validate_timezone(args[0]))
        return TextReply(f"Timezone set to {config.timezone}. {self._next(config)}")

    async def _pause(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        await self._update(ctx, key, enabled=False)
        return TextReply("Daily digest paused. /digest resume restarts it (stories keep collecting).")

    async def _resume(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        config = await self._update(ctx, key, enabled=True)
        return TextReply(f"Daily digest resumed. {self._next(config)}")

    async def _now(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        if self.delivery is None:
            return DigestReply("Posting needs the running service (newsdigest serve).", ok=False)
        config = await asyncio.to_thread(self.registry.get, key)
        if not config.topics:
            return DigestReply("This channel follows no topics yet: /digest add TOPIC first.", ok=False)
        outcome = await self.delivery.run(key, "extra", now=self.clock())
        return DigestReply(outcome.text, ok=outcome.outcome in ("posted", "empty"))

    async def _settings(self, ctx: CommandContext, key: ChannelKey, args: list[str]) -> CommandReply:
        c = await asyncio.to_thread(self.registry.get, key)
        covered = f"{c.covered_until.astimezone(c.tz):%Y-%m-%d %H:%M %Z}" if c.covered_until else "never"
        lines = (
            f"Topics: {', '.join(c.topics) or 'none'}",
            f"Daily digest: {c.digest_time} {c.timezone} ({'active' if c.enabled else 'paused'})",
            f"Stories per topic: {c.per_topic}; on a quiet day: "
            f"{'post No new stories' if c.post_empty else 'post nothing'}",
            f"Last digest covered stories up to: {covered}",
            self._next(c),
            f"Last failed post: {c.last_error}" if c.last_error else "Last failed post: none",
            *(await asyncio.to_thread(self._failing_feeds, c.topics)),
        )
        return TextReply(f"Digest settings for this channel ({key}):", lines=lines)

    def _failing_feeds(self, topics: tuple[str, ...]) -> list[str]:
        """A line per failing feed that feeds these topics (see ``failing_sources``), at most a few."""
        from bot.sources.registry import failing_sources

        with self.app.sessions() as session:
            failing = failing_sources(session, topics)
        lines = []
        for s in failing[:FAILING_FEED_LINES]:
            since = f"last success {s.last_success_at:%Y-%m-%d %H:%M} UTC" if s.last_success_at else "never fetched"
            lines.append(f"Feed failing: {s.label} ({s.consecutive_failures} failed polls in a row, {since}): "
                         f"{s.last_error}")
        if len(failing) > FAILING_FEED_LINES:
            lines.append(f"…and {len(failing) - FAILING_FEED_LINES} more failing feeds (newsdigest sources lists them)")
        return lines

    def _next(self, config: ChannelConfig) -> str:
        if not config.subscribed:
            return "No digest is scheduled (paused or no topics)."
        _, at = next_occurrence(self.clock(), config.local_time, config.tz)
        return f"Next digest: {at.astimezone(config.tz):%a %d %b %H:%M %Z}."
