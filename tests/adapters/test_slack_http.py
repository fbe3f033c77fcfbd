"""The Slack app on a real HTTP server: signed slash commands, the 3-second ack, response_url answers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack_replies import SHARE_ACTION_ID
from bot.chat.results import Brief, BriefReply, CommandContext, CommandReply, TextReply
from tests.adapters.slack_standin import (
    CHANNEL,
    SIGNING_SECRET,
    TEAM,
    FakeHandler,
    SlackStandIn,
    action_body,
    events_url,
    post_signed,
    running_adapter,
    sample_brief,
    slack_settings,
    slash_body,
)

pytest_plugins = ("tests.adapters.slack_fixtures",)  # the `slack` stand-in fixture

# Ends the test if the ack never comes (an ack that waited for the blocked handler would hang).
HANG = 120.0


def _hook_text(hook: dict[str, object]) -> str:
    return json.dumps(hook, ensure_ascii=False)


async def test_brief_is_acked_before_a_slow_handler_finishes_and_answered_via_response_url(
        slack: SlackStandIn, tmp_path: Path) -> None:
    # The handler is held until the ack has arrived: an ack that waited for it would never come.
    # (Ordering, not timing: Slack's 3-second limit is met by acking before any work at all.)
    handler = FakeHandler(gate=asyncio.Event())
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        body = slash_body("/brief", "ukraine", response_url=slack.response_url())
        async with asyncio.timeout(HANG):
            status, _text, _elapsed = await post_signed(events_url(adapter), body)
        assert status == 200
        assert not slack.hooks, "the answer must come later, through response_url"
        assert handler.gate is not None
        handler.gate.set()
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    ctx, command, text = handler.calls[0]
    assert (command, text) == ("brief", "ukraine")
    assert (ctx.platform, ctx.workspace, ctx.channel, ctx.user_id) == ("slack", TEAM, CHANNEL, "U0READER")
    hook = slack.hooks[0]
    assert hook["response_type"] == "ephemeral"
    types = [b["type"] for b in hook["blocks"]]
    assert types[-1] == "actions" and "section" in types
    button = hook["blocks"][-1]["elements"][0]
    assert button["action_id"] == SHARE_ACTION_ID and button["value"] == "ukraine"
    assert hook["text"] == "Ukraine: 2 stories"
    wire = _hook_text(hook)
    assert "<https://example.com/story/1?a=1&amp;b=2|" in wire
    assert "<!channel>" not in wire and "<!here>" not in wire and "<@U999>" not in wire
    assert "&lt;!channel&gt;" in wire


async def test_brief_public_goes_in_channel_without_share_button(slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler()
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        body = slash_body("/brief", "ukraine public", response_url=slack.response_url())
        assert (await post_signed(events_url(adapter), body))[0] == 200
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    assert handler.calls[0][2] == "ukraine public"  # the handler, not the adapter, reads "public"
    assert slack.hooks[0]["response_type"] == "in_channel"
    assert all(b["type"] != "actions" for b in slack.hooks[0]["blocks"])


async def test_share_button_reposts_in_channel_and_removes_the_private_copy(
        slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler()
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        body = action_body("ukraine", response_url=slack.response_url(), action_id=SHARE_ACTION_ID)
        assert (await post_signed(events_url(adapter), body))[0] == 200
        await slack.wait_for(lambda: len(slack.hooks) == 2)
    shared, cleanup = slack.hooks
    assert shared["response_type"] == "in_channel"
    assert "Shared by <@U0READER>" in _hook_text(shared)
    assert cleanup == {"delete_original": True}
    assert handler.calls[0][1:] == ("brief", "ukraine")


async def test_unknown_topic_shows_suggestions_and_empty_query_reaches_the_handler_for_help(
        slack: SlackStandIn, tmp_path: Path) -> None:
    nothing = Brief(query="ukrane", label="“ukrane”", matched_by="none", suggestions=("ukraine", "russia"))
    handler = FakeHandler(BriefReply(nothing, public=True))  # asked for in public, but there is nothing
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        for text in ("ukrane public", ""):
            body = slash_body("/brief", text, response_url=slack.response_url())
            assert (await post_signed(events_url(adapter), body))[0] == 200
        await slack.wait_for(lambda: len(slack.hooks) == 2)
    assert [c[2] for c in handler.calls] == ["ukrane public", ""]
    hook = slack.hooks[0]
    assert hook["response_type"] == "ephemeral", "an empty answer is not worth a public post"
    assert "Closest topics: ukraine, russia" in _hook_text(hook)


async def test_bad_signature_and_stale_timestamp_get_401_and_do_nothing(slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler()
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        body = slash_body("/brief", "ukraine", response_url=slack.response_url())
        forged = await post_signed(events_url(adapter), body, secret="not-the-secret")
        stale = await post_signed(events_url(adapter), body, timestamp=int(time.time()) - 10 * 60)
        async with aiohttp.ClientSession() as session, session.post(events_url(adapter), data=body) as unsigned:
            unsigned_status = unsigned.status
    assert (forged[0], stale[0], unsigned_status) == (401, 401, 401)
    assert handler.calls == []
    assert slack.hooks == []


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", " 1700000000", "\u0661\u0667\u0660\u0660", "9" * 400, "-1"])
async def test_a_malformed_timestamp_gets_401_not_a_traceback(slack: SlackStandIn, tmp_path: Path, timestamp: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    handler = FakeHandler()
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        body = slash_body("/brief", "ukraine", response_url=slack.response_url())
        # Signed with the real secret over the malformed value: only the timestamp is wrong.
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}",
                   "Content-Type": "application/x-www-form-urlencoded"}
        async with aiohttp.ClientSession() as session, session.post(
                events_url(adapter), data=body, headers=headers) as response:
            status = response.status
    assert status == 401
    assert handler.calls == [] and slack.hooks == []
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_handler_failure_becomes_a_private_apology(slack: SlackStandIn, tmp_path: Path) -> None:
    class Broken(FakeHandler):
        async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
            raise RuntimeError("database on fire")

    async with running_adapter(slack_settings(tmp_path, slack.api_url), Broken()) as adapter:
        body = slash_body("/brief", "ukraine", response_url=slack.response_url())
        await post_signed(events_url(adapter), body)
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    assert slack.hooks[0]["response_type"] == "ephemeral"
    assert "failed on our side" in slack.hooks[0]["text"]
    assert "database on fire" not in _hook_text(slack.hooks[0])


async def test_healthz_reflects_the_injected_database_check(slack: SlackStandIn, tmp_path: Path) -> None:
    state = {"db": True}

    async def db_ok() -> bool:
        if state["db"] is None:
            raise OSError("connection refused")
        return bool(state["db"])

    settings = slack_settings(tmp_path, slack.api_url)
    async with running_adapter(settings, FakeHandler(), health_check=db_ok) as adapter:
        url = f"http://127.0.0.1:{adapter.http_port}/healthz"
        statuses = []
        async with aiohttp.ClientSession() as session:
            for value in (True, False, None):
                state["db"] = value  # type: ignore[assignment]
                async with session.get(url) as response:
                    statuses.append(response.status)
    assert statuses == [200, 503, 503]


async def test_brief_reply_is_private_text_when_handler_answers_text(slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler(TextReply("How to use /brief", lines=("/brief TOPIC", "/brief TOPIC public")))
    async with running_adapter(slack_settings(tmp_path, slack.api_url), handler) as adapter:
        await post_signed(events_url(adapter), slash_body("/brief", "", response_url=slack.response_url()))
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    hook = slack.hooks[0]
    assert hook["response_type"] == "ephemeral"
    assert hook["blocks"][0]["text"]["text"] == "How to use /brief\n• /brief TOPIC\n• /brief TOPIC public"


def test_sample_brief_is_hostile() -> None:
    # The fixtures above only prove escaping if the sample really carries the dangerous text.
    brief = sample_brief("x")
    assert "<!channel>" in brief.lead[0].text and "<@U999>" in brief.stories[0].headline
