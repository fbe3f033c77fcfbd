"""DiscordPoster against the local stand-in: safe mentions, embed limits, failures as PostError, find_digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.discord_app import DiscordAdapter
from bot.adapters.discord_text import ulen
from bot.chat.ports import ChannelKey, PostError, PostReceipt
from bot.chat.results import Brief, BriefSentence, CommandContext, CommandReply, Digest, StoryLine
from tests.adapters.discord_standin import CHANNEL_ID, GUILD_ID, DiscordStandIn, standin_settings

pytest_plugins = ("tests.adapters.discord_fixtures",)  # the `standin` fixture

CHANNEL = ChannelKey("discord", str(GUILD_ID), str(CHANNEL_ID))
MESSAGES = rf"^/channels/{CHANNEL_ID}/messages$"


class NoCommands:
    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        raise AssertionError("no commands in poster tests")


@pytest.fixture
async def adapter(standin: DiscordStandIn) -> AsyncIterator[DiscordAdapter]:
    adapter = DiscordAdapter(standin_settings(standin.base_url), NoCommands())
    await adapter.login(sync=False)
    yield adapter
    await adapter.stop()


def _digest(sections: tuple[Brief, ...], marker: str = "discord:1:2:2026-01-28") -> Digest:
    return Digest(title="Morning digest, 28 January", window_start=None,
                  window_end=datetime(2026, 1, 28, 7, 30, tzinfo=UTC), sections=sections, run_marker=marker)


def _section(label: str, stories: int, *, headline_words: int = 6, blurb_words: int = 20) -> Brief:
    lines = tuple(
        StoryLine(article_id=i, headline=f"{label} story {i} " + "word " * headline_words,
                  blurb="Blurb " + "text " * blurb_words, credits=("Reuters", "AP"), url=f"https://example.com/{i}")
        for i in range(stories)
    )
    lead = (BriefSentence(f"The {label} lead sentence. " * 5, 0),)
    return Brief(query=label.lower(), label=label, matched_by="topic", lead=lead, stories=lines, more=3)


def _posted(standin: DiscordStandIn) -> list[dict[str, Any]]:
    return [r.json for r in standin.of("POST", MESSAGES)]


async def test_mentions_in_articles_never_ping(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    story = StoryLine(1, "Protest @everyone <@&123> **bold**", "Organisers wrote @here and <@42> to all.", ("AFP",),
                      "https://example.com/p")
    brief = Brief(query="protests", label="Protests @everyone", matched_by="topic",
                  lead=(BriefSentence("Crowds gathered; @everyone was told <@&123>.", 1),), stories=(story,))

    receipt = await adapter.poster.post_digest(CHANNEL, _digest((brief,)))

    [payload] = _posted(standin)
    assert payload["allowed_mentions"] == {"parse": []}
    embed = payload["embeds"][0]
    text = embed["title"] + embed["description"]
    assert "@everyone" not in text and "@here" not in text  # zero-width space after the @
    assert "@\u200beveryone" in text and "@\u200bhere" in text
    assert "<@&123>" not in text.replace("\\<@&123>", "")  # only the escaped form appears
    assert "\\<@42>" in text
    assert "\\*\\*bold\\*\\*" in text  # markdown from the dump is shown, not applied
    assert receipt == PostReceipt(message_ids=(standin.channels[CHANNEL_ID][0]["id"],))


async def test_huge_digest_is_split_into_messages_within_every_limit(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    sections = tuple(_section(f"Topic{t}", 60, headline_words=40, blurb_words=120) for t in range(14))

    receipt = await adapter.poster.post_digest(CHANNEL, _digest(sections), note="may repeat an earlier post")

    payloads = _posted(standin)
    assert len(payloads) > 3
    for payload in payloads:
        assert payload["allowed_mentions"] == {"parse": []}
        embeds = payload["embeds"]
        assert 1 <= len(embeds) <= 10
        total = 0
        for embed in embeds:
            assert ulen(embed.get("title", "")) <= 256
            assert ulen(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            assert all(ulen(f["value"]) <= 1024 and ulen(f["name"]) <= 256 for f in embed.get("fields", []))
            assert ulen(embed.get("footer", {}).get("text", "")) <= 2048
            total += sum(ulen(embed.get(k, "")) for k in ("title", "description"))
            total += ulen(embed.get("footer", {}).get("text", ""))
        assert total <= 6000
        assert ulen(payload.get("content") or "") <= 2000
    everything = "\n".join(e.get("description", "") for p in payloads for e in p["embeds"])
    for t in range(14):  # nothing dropped: every story of every topic is in some message
        for i in range(60):
            assert f"Topic{t} story {i} " in everything
    assert "may repeat an earlier post" in payloads[0]["content"]
    assert receipt.message_ids == tuple(m["id"] for m in standin.channels[CHANNEL_ID])


async def test_forbidden_post_raises_post_error_with_the_reason(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    standin.fail("POST", MESSAGES, 403, code=50013, message="Missing Permissions")

    with pytest.raises(PostError) as failed:
        await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 2),)))

    assert "403" in failed.value.reason and "Missing Permissions" in failed.value.reason
    assert "Send Messages" in failed.value.reason  # tells people what to fix
    assert failed.value.retryable
    assert standin.channels.get(CHANNEL_ID, []) == []


async def test_deleted_channel_is_not_retryable(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    standin.fail("POST", MESSAGES, 404, code=10003, message="Unknown Channel")
    with pytest.raises(PostError) as failed:
        await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 2),)))
    assert "Unknown Channel" in failed.value.reason
    assert not failed.value.retryable


async def test_rate_limit_is_retried_by_discord_py_and_posted_once(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    standin.fail("POST", MESSAGES, 429, message="You are being rate limited.", retry_after=0.01)

    receipt = await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 2),)))

    assert len(standin.of("POST", MESSAGES)) == 2  # the refused attempt, then the retry
    assert [m["id"] for m in standin.channels[CHANNEL_ID]] == list(receipt.message_ids)
    assert len(receipt.message_ids) == 1


async def test_a_long_rate_limit_fails_the_post_instead_of_stalling(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    standin.fail("POST", MESSAGES, 429, message="You are being rate limited.", retry_after=900)
    with pytest.raises(PostError) as failed:
        await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 2),)))
    assert "rate limit" in failed.value.reason and failed.value.retryable
    assert standin.channels.get(CHANNEL_ID, []) == []


async def test_a_failure_midway_leaves_no_partial_digest(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    sections = tuple(_section(f"Topic{t}", 60, headline_words=40, blurb_words=120) for t in range(3))
    standin.fail("POST", MESSAGES, 403, code=50013, message="Missing Permissions", after=1)

    with pytest.raises(PostError):
        await adapter.poster.post_digest(CHANNEL, _digest(sections))

    assert len(standin.of("POST", MESSAGES)) == 2  # the first part went out, the second was refused
    assert standin.channels[CHANNEL_ID] == []  # and the first part was deleted again: a retry cannot double it
    assert len(standin.of("DELETE", rf"/channels/{CHANNEL_ID}/messages/\d+$")) == 1


async def test_find_digest_finds_the_runs_messages(adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    sections = tuple(_section(f"Topic{t}", 60, headline_words=40, blurb_words=120) for t in range(3))
    receipt = await adapter.poster.post_digest(CHANNEL, _digest(sections, marker="run-A"))
    await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 1),), marker="run-A2"))

    assert len(receipt.message_ids) > 1
    assert await adapter.poster.find_digest(CHANNEL, "run-A") == receipt
    assert await adapter.poster.find_digest(CHANNEL, "run-B") is None


async def test_find_digest_without_history_access_cannot_tell(
        adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
    await adapter.poster.post_digest(CHANNEL, _digest((_section("Gold", 1),), marker="run-A"))
    standin.fail("GET", MESSAGES, 403, code=50001, message="Missing Access")
    assert await adapter.poster.find_digest(CHANNEL, "run-A") is None


async def test_channels_of_other_platforms_are_refused(adapter: DiscordAdapter) -> None:
    with pytest.raises(PostError) as failed:
        await adapter.poster.post_digest(ChannelKey("slack", "T1", "C1"), _digest(()))
    assert not failed.value.retryable
