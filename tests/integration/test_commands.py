"""/brief and /digest through the platform-neutral Commands, on the real store and topics."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import App
from bot.chat.commands import Commands
from bot.chat.ports import ChannelKey
from bot.chat.results import BriefReply, CommandContext, DigestReply, TextReply
from bot.delivery.runner import Delivery
from bot.ingest.service import ingest_paths
from tests.digest_support import config_dir, make_app, registry, story, write_dump

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ADMIN = CommandContext("slack", "T1", "C1", "U-admin", can_manage=True)
READER = CommandContext("slack", "T1", "C1", "U-reader", can_manage=False, manage_hint="workspace admins")


class Env:
    def __init__(self, app: App) -> None:
        self.app = app
        self.poster = ConsolePoster(terminal=False, render=lambda d, f: d.title, platform="slack")
        self.registry = registry(app)
        self.changes = 0
        delivery = Delivery(app, self.registry, {"slack": self.poster})
        self.commands = Commands(app, self.registry, delivery=delivery, on_change=self._changed)

    async def _changed(self) -> None:
        self.changes += 1

    async def digest(self, text: str, ctx: CommandContext = ADMIN) -> TextReply | DigestReply:
        reply = await self.commands(ctx, "digest", text)
        assert isinstance(reply, TextReply | DigestReply)
        return reply


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    with time_machine.travel(NOW, tick=False):
        app = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
        rng = random.Random(3)
        stories = [story(rng, label, i) for i, label in enumerate(("Ukraine", "Kyiv", "Russia"))]
        assert ingest_paths(app, [write_dump(tmp_path, "d.jsonl", stories)]).ok
        yield Env(app)
        app.close()


async def test_brief_answers_a_topic_privately_unless_public(env: Env) -> None:
    reply = await env.commands(READER, "brief", "ukraine")
    assert isinstance(reply, BriefReply) and not reply.public
    assert sorted(i for st in reply.brief.stories for i in (st.article_id, *st.merged_ids)) == [1, 2]
    public = await env.commands(READER, "brief", "Kyiv public")
    assert isinstance(public, BriefReply) and public.public and public.brief.label == "Ukraine"


async def test_brief_without_words_gets_help_with_the_topics(env: Env) -> None:
    reply = await env.commands(READER, "brief", "  ")
    assert isinstance(reply, TextReply) and not reply.ok and "sanctions" in reply.lines[0]


async def test_anyone_may_read_but_changes_are_refused_naming_who_can(env: Env) -> None:
    assert (await env.digest("topics", READER)).ok
    assert (await env.digest("settings", READER)).ok
    assert (await env.digest("help", READER)).ok
    for text in ("add ukraine", "remove ukraine", "time 07:00", "timezone Asia/Tokyo", "pause", "resume", "now"):
        reply = await env.digest(text, READER)
        assert not reply.ok and "workspace admins" in reply.text, text
    assert env.registry.get(_key(READER)).row_id is None and env.changes == 0  # nothing was stored


async def test_add_and_remove_topics_validate_and_list_choices(env: Env) -> None:
    reply = await env.digest("add Kyiv RUSSIA")
    assert reply.ok and "ukraine, russia" in reply.text and env.changes == 1
    assert "ukraine, russia" in (await env.digest("topics", READER)).text
    bad = await env.digest("add ukrane")
    assert not bad.ok and "Did you mean ukraine" in bad.text and "sanctions" in bad.text
    missing = await env.digest("remove china")
    assert not missing.ok and "does not follow china" in missing.text
    removed = await env.digest("remove russia")
    assert removed.ok and env.registry.get(_key(ADMIN)).topics == ("ukraine",)


async def test_time_and_timezone_are_validated_and_stored(env: Env) -> None:
    await env.digest("add ukraine")
    reply = await env.digest("time 7:05 europe/london")
    config = env.registry.get(_key(ADMIN))
    assert reply.ok and (config.digest_time, config.timezone) == ("07:05", "Europe/London")
    assert "Next digest: Wed 11 Mar 07:05 GMT" in reply.text
    bad_time = await env.digest("time 25:00")
    assert not bad_time.ok and "HH:MM" in bad_time.text
    bad_zone = await env.digest("timezone Asia/Tokio")
    assert not bad_zone.ok and "Asia/Tokyo" in bad_zone.text
    assert (await env.digest("timezone Asia/Tokyo")).ok and env.registry.get(_key(ADMIN)).timezone == "Asia/Tokyo"
    assert not (await env.digest("time")).ok


async def test_pause_and_resume(env: Env) -> None:
    await env.digest("add ukraine")
    assert (await env.digest("pause")).ok and not env.registry.get(_key(ADMIN)).subscribed
    assert "paused" in "\n".join((await env.digest("settings")).lines)
    resumed = await env.digest("resume")
    assert resumed.ok and env.registry.get(_key(ADMIN)).subscribed and "Next digest" in resumed.text


async def test_now_posts_what_is_new_and_then_says_nothing_is_new(env: Env) -> None:
    refused = await env.digest("now")
    assert not refused.ok and "no topics" in refused.text
    await env.digest("add ukraine")
    posted = await env.digest("now")
    assert isinstance(posted, DigestReply) and posted.ok and len(env.poster.posts) == 1
    assert posted.text.startswith("Posted 1 story")  # the two Ukraine reports merge into one story line
    again = await env.digest("now")
    assert again.ok and "No new stories" in again.text and len(env.poster.posts) == 1


async def test_settings_show_the_last_failed_post(env: Env) -> None:
    await env.digest("add ukraine")
    env.poster.fail_next("missing_scope: chat:write")
    failed = await env.digest("now")
    assert not failed.ok and "missing_scope" in failed.text
    lines = (await env.digest("settings", READER)).lines
    assert any(line.startswith("Last failed post:") and "missing_scope: chat:write" in line for line in lines)
    assert "Topics: ukraine" in lines


async def test_unknown_subcommand_and_command_get_help(env: Env) -> None:
    reply = await env.digest("frobnicate")
    assert not reply.ok and any("/digest add" in line for line in reply.lines)
    other = await env.commands(ADMIN, "weather", "")
    assert isinstance(other, TextReply) and not other.ok


def _key(ctx: CommandContext) -> ChannelKey:
    return ChannelKey(ctx.platform, ctx.workspace, ctx.channel)


async def test_database_settings_win_over_channels_toml_column_by_column(db_url: str, tmp_path: Path) -> None:
    toml = '[channels."slack:T1:C1"]\ntopics = ["china"]\ntime = "06:00"\ntimezone = "Asia/Tokyo"\n'
    app = make_app(db_url, config_dir(tmp_path, toml), tmp_path / "data")
    try:
        env = Env(app)
        assert env.registry.get(_key(ADMIN)).digest_time == "06:00"
        await env.digest("time 08:15")
        config = env.registry.get(_key(ADMIN))
        # The changed column comes from the database; the rest still from the file.
        assert (config.digest_time, config.timezone, config.topics) == ("08:15", "Asia/Tokyo", ("china",))
        await env.digest("add uk")
        assert env.registry.get(_key(ADMIN)).topics == ("china", "uk")
    finally:
        app.close()


async def test_a_shared_slack_channel_has_one_entry_whichever_installation_asks(env: Env) -> None:
    # Two workspaces have newsdigest installed (OAuth) and share channel C1: T1 set it up first.
    assert (await env.digest("add ukraine")).ok
    guest = CommandContext("slack", "T2", "C1", "U-their-admin", can_manage=True)
    shown = await env.digest("topics", guest)
    assert shown.ok and "ukraine" in shown.text  # reads find T1's entry
    for text in ("add russia", "pause", "now"):
        reply = await env.digest(text, guest)
        assert not reply.ok and "workspace T1" in reply.text, text
    assert [c.key for c in env.registry.all()] == [ChannelKey("slack", "T1", "C1")]
    env.registry.update(ChannelKey("slack", "T2", "C1"), by="cli", per_topic=3)  # any key finds the one row
    assert [(c.key, c.per_topic) for c in env.registry.all()] == [(ChannelKey("slack", "T1", "C1"), 3)]
