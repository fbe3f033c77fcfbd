"""End to end on Slack: the real Commands, Delivery and SQLite database as ``newsdigest serve`` wires them,
the sample dump ingested, signed slash commands over HTTP, posts to the local Slack stand-in."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from bot.adapters.slack_app import SlackAdapter
from bot.adapters.slack_blocks import MAX_BLOCKS, MAX_HEADER_CHARS, MAX_SECTION_CHARS
from bot.adapters.slack_escape import WORD_JOINER, escape_mrkdwn
from bot.app.bootstrap import App, bootstrap
from bot.app.serve import Service, build_service
from bot.app.serve import run as serve
from bot.app.settings import Settings, load_settings
from bot.chat.ports import ChannelKey, CommandHandler, Poster
from bot.chat.results import BriefReply
from bot.delivery.runner import STALE_AFTER
from bot.ingest.service import ingest_paths
from tests.adapters.crash_support import Crash, CrashAfterPosting
from tests.adapters.slack_standin import (
    BOT_TOKEN,
    CHANNEL,
    OTHER_TEAM,
    SIGNING_SECRET,
    TEAM,
    Failure,
    SlackStandIn,
    events_url,
    post_signed,
    slash_body,
)
from tests.conftest import SAMPLE_DUMP

pytest_plugins = ("tests.adapters.slack_fixtures",)

KEY = ChannelKey("slack", TEAM, CHANNEL)
ADMIN, MEMBER = "U0ADMIN", "U0MEMBER"

# An article whose text tries every way of pinging a Slack channel.
PINGING_ARTICLE = {
    "title": "Kyiv protest organisers <!channel> over Ukraine grain deal",
    "body": [
        "Organisers in Kyiv wrote <!here> and <@U0BOSS> in a message about Ukraine's grain exports to Europe.",
        "Ukraine's government said the grain corridor would stay open, and @here was trending in Kyiv.",
    ],
    "url": "https://example.com/kyiv-protest?a=1&b=2",
    "source": "Wire",
    "published_at": "2026-01-28T06:00:00Z",
}


@dataclass
class Running:
    service: Service
    adapter: SlackAdapter
    slack: SlackStandIn

    async def command(self, command: str, text: str, *, user: str = MEMBER, team: str = TEAM) -> dict[str, Any]:
        """Send a signed slash command over HTTP and return the answer posted to its response_url."""
        before = len(self.slack.hooks)
        body = slash_body(command, text, response_url=self.slack.response_url(), user=user, team=team)
        status, _, _ = await post_signed(events_url(self.adapter), body)
        assert status == 200
        await self.slack.wait_for(lambda: len(self.slack.hooks) > before)
        return self.slack.hooks[-1]

    def posts(self) -> list[dict[str, Any]]:
        return [c.params for c in self.slack.calls_to("chat.postMessage") if c.status == 200]


def _ping(app: App) -> bool:
    with app.engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1


@pytest.fixture
async def running(slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[Running]:
    slack.users[ADMIN] = {"is_admin": True}
    dump = tmp_path / "pings.jsonl"
    dump.write_text(json.dumps(PINGING_ARTICLE) + "\n", encoding="utf-8")
    values: dict[str, Any] = {"data_dir": tmp_path, "SLACK_BOT_TOKEN": BOT_TOKEN,
                              "SLACK_SIGNING_SECRET": SIGNING_SECRET, "slack": {"api_url": slack.api_url, "port": 0}}
    app = bootstrap(Settings(**values))
    report = ingest_paths(app, [SAMPLE_DUMP, dump])
    assert all(r.status == "ok" and r.new for r in report.results), report

    def slack_factory(settings: Settings, handler: CommandHandler) -> SlackAdapter:
        # What serve's factory builds, plus the database health check serve should pass.
        return SlackAdapter(settings, handler, host="127.0.0.1", health_check=lambda: asyncio.to_thread(_ping, app))

    service = build_service(app, [slack_factory])  # type: ignore[list-item]
    adapter = service.adapters[0]
    assert isinstance(adapter, SlackAdapter)
    await adapter.start()
    yield Running(service, adapter, slack)
    await adapter.stop()
    app.close()


async def test_brief_ukraine_answers_with_the_brief_from_the_sample_dump(running: Running) -> None:
    hook = await running.command("/brief", "ukraine")

    answer = await running.service.commands.brief("ukraine")
    assert isinstance(answer, BriefReply) and answer.brief.stories
    wire = json.dumps(hook["blocks"], ensure_ascii=False)
    assert hook["response_type"] == "ephemeral"
    for story in answer.brief.stories:
        assert escape_mrkdwn(story.headline)[:60] in wire
    assert hook["blocks"][-1]["elements"][0]["text"]["text"] == "Share in channel"
    assert "<!channel>" not in wire and "<!here>" not in wire


async def test_empty_brief_gets_help_and_unknown_words_get_suggestions(running: Running) -> None:
    help_hook = await running.command("/brief", "")
    assert "Usage: /brief TOPIC" in help_hook["text"]
    unknown = await running.command("/brief", "ukrane")
    assert unknown["response_type"] == "ephemeral"
    assert "ukraine" in json.dumps(unknown["blocks"], ensure_ascii=False).lower()


async def test_digest_add_is_refused_for_a_member_and_stored_for_an_admin(running: Running) -> None:
    refused = await running.command("/digest", "add ukraine", user=MEMBER)
    assert running.service.registry.get(KEY).topics == ()
    assert "Only workspace admins and owners can change" in refused["text"]

    await running.command("/digest", "add ukraine russia", user=ADMIN)
    assert running.service.registry.get(KEY).topics == ("ukraine", "russia")

    await running.command("/digest", "time 06:45 Europe/Kyiv", user=ADMIN)
    config = running.service.registry.get(KEY)
    assert (config.digest_time, config.timezone) == ("06:45", "Europe/Kyiv")

    shown = await running.command("/digest", "topics", user=MEMBER)  # anyone may read
    assert "ukraine, russia" in shown["text"]


async def test_digest_now_posts_within_limits_and_escaped(running: Running) -> None:
    await running.command("/digest", "add ukraine russia", user=ADMIN)

    done = await running.command("/digest", "now", user=ADMIN)

    posts = running.posts()
    assert posts, done
    assert done["text"].startswith(":white_check_mark:")
    for post in posts:
        assert post["channel"] == CHANNEL and post["text"]
        assert len(post["blocks"]) <= MAX_BLOCKS
        for block in post["blocks"]:
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= MAX_HEADER_CHARS
            elif block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
        assert post["metadata"]["event_type"] == "newsdigest_digest"
    wire = json.dumps(posts, ensure_ascii=False)
    assert "Kyiv protest organisers" in wire
    assert "<!channel>" not in wire and "<!here>" not in wire and "<@U0BOSS>" not in wire
    assert "&lt;!channel&gt;" in wire
    assert "@here" not in wire  # the word joiner after "@" keeps it from ever matching
    assert f"@{WORD_JOINER}here was trending" in wire  # ...and the sentence still arrived, readable
    assert "<https://example.com/kyiv-protest?a=1&amp;b=2|" in wire


async def test_a_command_from_another_team_in_a_shared_channel_never_makes_a_second_entry(running: Running) -> None:
    # Slack Connect / Enterprise Grid: the caller's team_id is not the installation's, the channel is the same.
    guest_admin = "U0GUESTADMIN"
    running.slack.users[guest_admin] = {"is_admin": True}  # an admin, but of their own workspace
    await running.command("/digest", "add ukraine russia", user=ADMIN)
    first = await running.command("/digest", "now", user=ADMIN)
    posted = len(running.posts())
    assert posted and first["text"].startswith(":white_check_mark:")

    refused = await running.command("/digest", "add sanctions", user=guest_admin, team=OTHER_TEAM)
    assert "admins and owners of the workspace that installed newsdigest" in refused["text"]
    again = await running.command("/digest", "now", user=guest_admin, team=OTHER_TEAM)
    assert not again["text"].startswith(":white_check_mark:")
    shown = await running.command("/digest", "topics", user="U0GUEST", team=OTHER_TEAM)  # reading is mapped
    assert "ukraine, russia" in shown["text"]

    assert [c.key for c in running.service.registry.all() if c.key.platform == "slack"] == [KEY]
    assert len(running.posts()) == posted  # nothing went into the channel twice
    outcomes = await running.service.delivery.tick()
    assert all(o.outcome != "posted" for o in outcomes) and len(running.posts()) == posted


async def test_secrets_never_reach_the_logs_even_at_debug(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    await running.command("/digest", "add ukraine", user=ADMIN)
    running.slack.fail_next("chat.postMessage", Failure(500))
    await running.command("/digest", "now", user=ADMIN)
    await running.command("/brief", "ukraine")
    assert caplog.records  # the run did log (slack_sdk requests, digest runs, the failure)
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text


async def test_rate_limited_digest_is_retried_and_posted_once(running: Running) -> None:
    await running.command("/digest", "add ukraine", user=ADMIN)
    running.slack.fail_next("chat.postMessage", Failure(429, headers={"Retry-After": "1"}))

    outcome = await running.service.delivery.run(KEY, "daily")

    assert outcome.outcome == "posted"
    statuses = [c.status for c in running.slack.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 200] and statuses.count(429) == 1
    assert list(outcome.message_ids) == [m["ts"] for m in running.slack.messages]


async def test_a_refused_post_is_recorded_shown_in_settings_and_retried(running: Running) -> None:
    await running.command("/digest", "add ukraine", user=ADMIN)
    running.slack.fail_next("chat.postMessage", Failure(200, body={"ok": False, "error": "not_in_channel"}))

    failed = await running.service.delivery.run(KEY, "daily")

    assert failed.outcome == "failed"
    assert "not_in_channel" in (running.service.registry.get(KEY).last_error or "")
    assert running.slack.messages == []
    shown = await running.command("/digest", "settings")
    assert "not_in_channel" in json.dumps(shown, ensure_ascii=False)

    retried = await running.service.delivery.run(KEY, "daily")
    assert retried.outcome == "posted"
    assert list(retried.message_ids) == [m["ts"] for m in running.slack.messages]


async def test_healthz_checks_the_real_database(running: Running) -> None:
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{running.adapter.http_port}/healthz") as response:
        assert response.status == 200
    app = running.service.app
    working = app.engine
    app.engine = create_engine("sqlite:////proc/no-such-dir/newsdigest.sqlite3")  # a database that cannot open
    try:
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{running.adapter.http_port}/healthz") as response:
            assert response.status == 503
    finally:
        app.engine.dispose()
        app.engine = working






async def test_a_crash_after_posting_is_recovered_from_the_metadata_marker_without_posting_again(
        running: Running) -> None:
    await running.command("/digest", "add ukraine russia", user=ADMIN)
    delivery = running.service.delivery
    posters = cast(dict[str, Poster], delivery.posters)
    posters["slack"] = CrashAfterPosting(running.adapter.poster)
    with pytest.raises(Crash):
        await delivery.run(KEY, "daily")
    posted = [m["ts"] for m in running.slack.messages]
    posters["slack"] = running.adapter.poster  # the restarted process

    [outcome] = await delivery.recover(datetime.now(UTC) + STALE_AFTER + timedelta(minutes=1))

    assert outcome.outcome == "recovered"  # found in conversations.history by the invisible metadata...
    assert list(outcome.message_ids) == posted
    assert [m["ts"] for m in running.slack.messages] == posted  # ...and not posted twice


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_starts_the_slack_adapter_when_token_and_signing_secret_are_set(
        slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("PORT", str(port))
    app = bootstrap(load_settings(data_dir=tmp_path))
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, stop=stop))
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        body = slash_body("/digest", "help", response_url=slack.response_url())
        async with asyncio.timeout(120):  # generous: serve starts slowly on a loaded machine
            while True:  # until serve has bound the port
                try:
                    status, _, _ = await post_signed(url, body)
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        assert status == 200
        await slack.wait_for(lambda: len(slack.hooks) == 1)
        assert "Daily digest commands" in slack.hooks[0]["text"]
    finally:
        stop.set()
        await serving
        app.close()
