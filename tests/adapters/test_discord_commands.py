"""Slash commands through the real CommandTree, with discord.py's HTTP client talking to a local stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import discord
import pytest

from bot.adapters import discord_autocomplete
from bot.adapters.discord_app import DiscordAdapter
from bot.adapters.discord_autocomplete import Suggester
from bot.chat.results import Brief, BriefReply, BriefSentence, CommandContext, CommandReply, StoryLine, TextReply
from tests.adapters.discord_standin import (
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    PERMS_MANAGER,
    USER_ID,
    DiscordStandIn,
    dispatch,
    standin_settings,
)

pytest_plugins = ("tests.adapters.discord_fixtures",)  # the `standin` fixture

class FakeCommands:
    """A CommandHandler that records calls; `add` honours can_manage like the real one must."""

    def __init__(self) -> None:
        self.calls: list[tuple[CommandContext, str, str]] = []
        self.topics: list[str] = []
        self.gate: asyncio.Event | None = None
        self.fail = False
        self.entered = asyncio.Event()

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        self.calls.append((ctx, command, text))
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()  # a slow brief: answers only when the test says so
        if self.fail:
            raise RuntimeError("database down")
        if command == "brief":
            story = StoryLine(1, "Grain corridor reopens", "Ships left Odesa on Tuesday.", ("Reuters",),
                              "https://example.com/grain")
            lead = (BriefSentence("Ukraine reopened its grain corridor.", 1),)
            return BriefReply(Brief(query=text, label=text.title(), matched_by="topic", lead=lead, stories=(story,)))
        verb, _, rest = text.partition(" ")
        if verb == "add":
            if not ctx.can_manage:
                return TextReply(f"Only {ctx.manage_hint} can change this channel's digest.", ok=False)
            self.topics += rest.split()
            return TextReply(f"Now following: {', '.join(self.topics)}")
        return TextReply(f"ok: {text}")


@pytest.fixture
def handler() -> FakeCommands:
    return FakeCommands()


async def _adapter(standin: DiscordStandIn, handler: FakeCommands, **kwargs: Any) -> DiscordAdapter:
    async def keywords() -> Sequence[str]:
        return ["ukrainian grain", "gold price"]

    overrides = kwargs.pop("discord", {})
    adapter = DiscordAdapter(standin_settings(standin.base_url, **overrides), handler,
                             topic_names=lambda: ["Ukraine", "Russia", "Gold", "Climate"], keywords=keywords, **kwargs)
    await adapter.login()
    return adapter


@pytest.fixture
async def adapter(standin: DiscordStandIn, handler: FakeCommands) -> AsyncIterator[DiscordAdapter]:
    adapter = await _adapter(standin, handler)
    yield adapter
    await adapter.stop()


def _followups(standin: DiscordStandIn) -> list[Any]:
    return [r.json for r in standin.of("POST", rf"^/webhooks/{APP_ID}/")]


def _callbacks(standin: DiscordStandIn) -> list[Any]:
    return [r.json for r in standin.of("POST", r"/callback$")]


async def test_brief_answers_with_the_brief_privately_by_default(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "brief", topic="ukraine")

    ctx, command, text = handler.calls[0]
    assert (command, text) == ("brief", "ukraine")
    assert (ctx.platform, ctx.workspace, ctx.channel, ctx.user_id) == (
        "discord", str(GUILD_ID), str(CHANNEL_ID), str(USER_ID))
    assert _callbacks(standin) == [{"type": 5, "data": {"flags": 64}}]  # deferred, thinking, ephemeral
    [reply] = _followups(standin)
    assert reply["flags"] == 64
    assert reply["allowed_mentions"] == {"parse": []}
    embed = reply["embeds"][0]
    assert embed["title"] == "Ukraine"
    assert "Ukraine reopened its grain corridor." in embed["description"]
    assert "[Grain corridor reopens](https://example.com/grain)" in embed["description"]


async def test_brief_public_option_answers_in_the_channel(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    await dispatch(adapter.client, adapter.tree, "brief", topic="gold", public=True)

    assert _callbacks(standin) == [{"type": 5}]
    [reply] = _followups(standin)
    assert not reply.get("flags")


async def test_slow_brief_is_deferred_before_the_answer_and_followed_up(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    handler.gate = asyncio.Event()
    running = asyncio.create_task(dispatch(adapter.client, adapter.tree, "brief", topic="ukraine"))

    await handler.entered.wait()  # the brief is being worked on...
    assert _callbacks(standin) == [{"type": 5, "data": {"flags": 64}}]  # ...and Discord already has its deferral
    assert _followups(standin) == []
    assert not running.done()

    handler.gate.set()
    await running
    [reply] = _followups(standin)
    assert reply["embeds"][0]["title"] == "Ukraine"


async def test_digest_add_without_manage_channels_is_refused(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "digest add", topics="ukraine russia")

    ctx, command, text = handler.calls[0]
    assert (command, text) == ("digest", "add ukraine russia")
    assert ctx.can_manage is False
    assert ctx.manage_hint == "members with Manage Channels"
    assert handler.topics == []
    assert "Only members with Manage Channels" in _followups(standin)[0]["content"]


async def test_digest_add_with_manage_channels_is_stored(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "digest add", topics="ukraine russia", permissions=PERMS_MANAGER)

    assert handler.calls[0][0].can_manage is True
    assert handler.topics == ["ukraine", "russia"]
    assert _followups(standin)[0]["content"] == "Now following: ukraine, russia"


async def test_administrators_may_manage(adapter: DiscordAdapter, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "digest add", topics="gold",
                   permissions=discord.Permissions(administrator=True))
    assert handler.calls[0][0].can_manage is True


async def test_manage_permission_is_configurable(standin: DiscordStandIn, handler: FakeCommands) -> None:
    adapter = await _adapter(standin, handler, discord={"manage_permission": "manage_guild"})
    try:
        await dispatch(adapter.client, adapter.tree, "digest add", topics="gold", permissions=PERMS_MANAGER)
    finally:
        await adapter.stop()
    ctx = handler.calls[0][0]
    assert ctx.can_manage is False  # Manage Channels is no longer enough
    assert ctx.manage_hint == "members with Manage Guild"


def test_unknown_manage_permission_is_a_clear_error(standin: DiscordStandIn, handler: FakeCommands) -> None:
    with pytest.raises(ValueError, match="manage_chanels"):
        DiscordAdapter(standin_settings("http://127.0.0.1:9", manage_permission="manage_chanels"), handler)


@pytest.mark.parametrize(("name", "options", "text"), [
    ("digest topics", {}, "topics"),
    ("digest remove", {"topic": "gold"}, "remove gold"),
    ("digest time", {"time": "07:30", "timezone": "Europe/London"}, "time 07:30 Europe/London"),
    ("digest time", {"time": "18:00"}, "time 18:00"),
    ("digest timezone", {"timezone": "America/New_York"}, "timezone America/New_York"),
    ("digest now", {}, "now"),
    ("digest pause", {}, "pause"),
    ("digest resume", {}, "resume"),
    ("digest settings", {}, "settings"),
    ("digest help", {}, "help"),
])
async def test_digest_subcommands_map_to_handler_text(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands,
        name: str, options: dict[str, str], text: str) -> None:
    await dispatch(adapter.client, adapter.tree, name, **options)
    assert handler.calls[0][1:] == ("digest", text)
    assert _followups(standin)[0]["content"] == f"ok: {text}".replace("_", "\\_")


async def _choices(standin: DiscordStandIn) -> list[str]:
    [callback] = _callbacks(standin)
    assert callback["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    return [c["value"] for c in callback["data"]["choices"]]


async def test_brief_autocomplete_offers_matching_topics_and_keywords(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "brief", topic="uk", focused="topic")
    assert await _choices(standin) == ["Ukraine", "ukrainian grain"]
    assert handler.calls == []  # autocomplete never runs the command


async def test_remove_autocomplete_offers_topics_only(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    await dispatch(adapter.client, adapter.tree, "digest remove", topic="g", focused="topic")
    assert await _choices(standin) == ["Gold"]


async def test_add_autocomplete_completes_the_last_word(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    await dispatch(adapter.client, adapter.tree, "digest add", topics="ukraine ru", focused="topics")
    assert await _choices(standin) == ["ukraine Russia"]


async def test_timezone_autocomplete_finds_iana_names(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    await dispatch(adapter.client, adapter.tree, "digest time", time="07:30", timezone="london", focused="timezone")
    assert "Europe/London" in await _choices(standin)


async def test_a_failing_handler_still_answers(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    handler.fail = True
    await dispatch(adapter.client, adapter.tree, "digest settings")
    assert "failed on our side" in _followups(standin)[0]["content"]


async def test_topics_come_from_the_config_when_not_injected(standin: DiscordStandIn, handler: FakeCommands) -> None:
    adapter = DiscordAdapter(standin_settings(standin.base_url), handler)  # as serve.py may build it
    await adapter.login(sync=False)
    try:
        await dispatch(adapter.client, adapter.tree, "brief", topic="ukr", focused="topic")
    finally:
        await adapter.stop()
    assert "ukraine" in await _choices(standin)  # from the shipped config/topics.toml


async def test_brief_works_in_direct_messages_without_manage_rights(
        adapter: DiscordAdapter, standin: DiscordStandIn, handler: FakeCommands) -> None:
    await dispatch(adapter.client, adapter.tree, "brief", topic="gold", guild_id=None)
    ctx = handler.calls[0][0]
    assert (ctx.workspace, ctx.can_manage) == ("dm", False)
    assert _followups(standin)[0]["embeds"][0]["title"] == "Gold"


async def test_a_refused_follow_up_is_reported_instead_of_leaving_the_user_waiting(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    standin.fail("POST", rf"^/webhooks/{APP_ID}/", 400, code=50035, message="Invalid Form Body")

    await dispatch(adapter.client, adapter.tree, "digest help")

    refused, apology = _followups(standin)
    assert refused["content"] == "ok: help"
    assert "failed on our side" in apology["content"]


async def test_a_slow_or_broken_keyword_source_leaves_the_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord_autocomplete, "KEYWORD_TIMEOUT", 0.0)  # Discord would have given up

    async def never() -> Sequence[str]:
        await asyncio.Event().wait()
        return []

    async def broken() -> Sequence[str]:
        raise RuntimeError("index not built")

    for keywords in (never, broken):
        choices = await Suggester(lambda: ["Ukraine", "Gold"], keywords).topics_and_keywords("")
        assert [c.value for c in choices] == ["Ukraine", "Gold"]
