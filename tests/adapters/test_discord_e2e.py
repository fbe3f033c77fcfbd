"""End to end on Discord: the real Commands, Delivery and SQLite database as ``newsdigest serve`` wires them,
the sample dump ingested, interactions through the real CommandTree, posts to the local API stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.adapters.discord_app import DiscordAdapter
from bot.app.bootstrap import bootstrap
from bot.app.serve import Service, build_service
from bot.app.serve import run as serve
from bot.app.settings import DiscordSettings, Settings, load_settings
from bot.chat.commands import Commands
from bot.chat.ports import ChannelKey, CommandHandler, Poster
from bot.chat.results import BriefReply
from bot.delivery.runner import STALE_AFTER
from bot.ingest.service import ingest_paths
from tests.adapters.crash_support import Crash, CrashAfterPosting
from tests.adapters.discord_standin import (
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    PERMS_MANAGER,
    TOKEN,
    DiscordStandIn,
    dispatch,
)
from tests.conftest import SAMPLE_DUMP

pytest_plugins = ("tests.adapters.discord_fixtures",)  # the `standin` fixture

KEY = ChannelKey("discord", str(GUILD_ID), str(CHANNEL_ID))
MESSAGES = rf"^/channels/{CHANNEL_ID}/messages$"

# An article whose text tries every way of pinging a Discord server.
PINGING_ARTICLE = {
    "title": "Kyiv protest organisers ping @everyone over Ukraine grain deal",
    "body": [
        "Organisers in Kyiv wrote @everyone and <@&123> in a message about Ukraine's grain exports to Europe.",
        "Ukraine's government said the grain corridor would stay open, and @here was trending in Kyiv.",
    ],
    "url": "https://example.com/kyiv-protest",
    "source": "Wire",
    "published_at": "2026-01-28T06:00:00Z",
}


@dataclass
class Running:
    service: Service
    adapter: DiscordAdapter
    standin: DiscordStandIn

    @property
    def commands(self) -> Commands:
        return self.service.commands

    def followups(self) -> list[Any]:
        return [r.json for r in self.standin.of("POST", rf"^/webhooks/{APP_ID}/")]


@pytest.fixture
async def running(standin: DiscordStandIn, tmp_path: Path) -> AsyncIterator[Running]:
    dump = tmp_path / "pings.jsonl"
    dump.write_text(json.dumps(PINGING_ARTICLE) + "\n", encoding="utf-8")
    token: dict[str, Any] = {"DISCORD_TOKEN": TOKEN}
    settings = Settings(data_dir=tmp_path, discord=DiscordSettings(api_url=standin.base_url), **token)
    app = bootstrap(settings)
    report = ingest_paths(app, [SAMPLE_DUMP, dump])
    assert all(r.status == "ok" and r.new for r in report.results), report

    def discord_factory(settings: Settings, handler: CommandHandler) -> DiscordAdapter:
        return DiscordAdapter(settings, handler)  # exactly what serve's factory builds

    service = build_service(app, [discord_factory])  # type: ignore[list-item]
    adapter = service.adapters[0]
    assert isinstance(adapter, DiscordAdapter)
    await adapter.login(sync=False)
    yield Running(service, adapter, standin)
    await adapter.stop()
    app.close()


async def test_brief_ukraine_answers_with_the_brief_from_the_sample_dump(running: Running) -> None:
    await dispatch(running.adapter.client, running.adapter.tree, "brief", topic="ukraine")

    [reply] = running.followups()
    embed = reply["embeds"][0]
    assert "Ukraine" in embed["title"]
    answer = await running.commands.brief("ukraine")  # what the shared command answers, rendered by us
    assert isinstance(answer, BriefReply)
    headlines = [s.headline for s in answer.brief.stories]
    assert headlines and all(h.split()[0] in embed["description"] for h in headlines)
    assert embed["description"].count("•") == len(headlines)  # one line per story
    assert reply["allowed_mentions"] == {"parse": []}


async def test_digest_add_is_refused_without_manage_channels_and_stored_with_it(running: Running) -> None:
    tree, client = running.adapter.tree, running.adapter.client

    await dispatch(client, tree, "digest add", topics="ukraine")
    assert running.service.registry.get(KEY).topics == ()
    assert "Only members with Manage Channels" in running.followups()[-1]["content"]

    await dispatch(client, tree, "digest add", topics="ukraine russia", permissions=PERMS_MANAGER)
    assert running.service.registry.get(KEY).topics == ("ukraine", "russia")

    await dispatch(client, tree, "digest time", time="06:45", timezone="Europe/Kyiv", permissions=PERMS_MANAGER)
    config = running.service.registry.get(KEY)
    assert (config.digest_time, config.timezone) == ("06:45", "Europe/Kyiv")


async def test_digest_now_posts_embeds_with_mentions_disabled_and_escaped(running: Running) -> None:
    tree, client = running.adapter.tree, running.adapter.client
    await dispatch(client, tree, "digest add", topics="ukraine", permissions=PERMS_MANAGER)

    await dispatch(client, tree, "digest now", permissions=PERMS_MANAGER)

    posts = [r.json for r in running.standin.of("POST", MESSAGES)]
    assert posts, running.followups()
    assert all(p["allowed_mentions"] == {"parse": []} for p in posts)
    text = "\n".join(e.get("title", "") + e.get("description", "") for p in posts for e in p["embeds"])
    assert "Kyiv protest organisers ping" in text
    assert "@everyone" not in text and "@here" not in text
    assert "@\u200beveryone" in text
    assert "<@&123>" not in text.replace("\\<@&123>", "")
    assert "Posted" in running.followups()[-1]["content"]


async def test_a_403_is_recorded_as_a_failed_post_and_shown_in_settings(running: Running) -> None:
    tree, client = running.adapter.tree, running.adapter.client
    await dispatch(client, tree, "digest add", topics="ukraine", permissions=PERMS_MANAGER)
    running.standin.fail("POST", MESSAGES, 403, code=50013, message="Missing Permissions")

    outcome = await running.service.delivery.run(KEY, "daily")

    assert outcome.outcome == "failed"
    assert "403" in outcome.text or "Missing Permissions" in outcome.text
    assert "Missing Permissions" in (running.service.registry.get(KEY).last_error or "")
    assert running.standin.channels.get(CHANNEL_ID, []) == []

    await dispatch(client, tree, "digest settings")
    shown = running.followups()[-1]["content"]
    failed_line = next(line for line in shown.splitlines() if line.startswith("Last failed post:"))
    assert "Discord answered 403 (code 50013): Missing Permissions" in failed_line

    retried = await running.service.delivery.run(KEY, "daily")  # the delivery rules retry; now it goes through
    assert retried.outcome == "posted"
    assert list(retried.message_ids) == [m["id"] for m in running.standin.channels[CHANNEL_ID]]






async def test_a_crash_after_posting_is_recovered_from_the_marker_without_posting_again(running: Running) -> None:
    tree, client = running.adapter.tree, running.adapter.client
    await dispatch(client, tree, "digest add", topics="ukraine", permissions=PERMS_MANAGER)
    delivery = running.service.delivery
    posters = cast(dict[str, Poster], delivery.posters)
    posters["discord"] = CrashAfterPosting(running.adapter.poster)
    with pytest.raises(Crash):
        await delivery.run(KEY, "daily")
    posted = [m["id"] for m in running.standin.channels[CHANNEL_ID]]
    posters["discord"] = running.adapter.poster  # the restarted process

    [outcome] = await delivery.recover(datetime.now(UTC) + STALE_AFTER + timedelta(minutes=1))

    assert outcome.outcome == "recovered"  # found on Discord by the marker in the embed footer...
    assert list(outcome.message_ids) == posted
    assert [m["id"] for m in running.standin.channels[CHANNEL_ID]] == posted  # ...and not posted twice


async def test_serve_starts_the_discord_adapter_when_the_token_is_set(
        standin: DiscordStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSDIGEST_DISCORD__API_URL", standin.base_url)
    app = bootstrap(load_settings(data_dir=tmp_path))
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, stop=stop))
    try:
        identify = await standin.wait_for_gateway(2)  # logged in, synced, gateway connected
        assert identify["d"]["token"] == TOKEN
        assert {c["name"] for c in standin.of("PUT", rf"^/applications/{APP_ID}/commands$")[0].json} == {
            "brief", "digest"}
    finally:
        stop.set()
        await serving
        app.close()
