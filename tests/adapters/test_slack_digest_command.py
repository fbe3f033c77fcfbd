"""/digest over HTTP: who may manage (users.info and the allow-list), and how refusals read."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.results import CommandContext, CommandReply, DigestReply, TextReply
from tests.adapters.slack_standin import (
    Failure,
    FakeHandler,
    SlackStandIn,
    events_url,
    post_signed,
    running_adapter,
    slack_settings,
    slash_body,
)

pytest_plugins = ("tests.adapters.slack_fixtures",)


class RefusingHandler(FakeHandler):
    """Answers like the real commands: changes need can_manage, and a refusal names who can."""

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        self.calls.append((ctx, command, text))
        if not ctx.can_manage:
            return TextReply(f"Only {ctx.manage_hint} can change this channel's digest.", ok=False)
        return TextReply("Topics for this channel: ukraine, russia")


async def _digest(slack: SlackStandIn, tmp_path: Path, user: str, text: str = "add ukraine russia",
                  handler: FakeHandler | None = None, **slack_options: object) -> tuple[FakeHandler, dict[str, object]]:
    handler = handler or RefusingHandler()
    settings = slack_settings(tmp_path, slack.api_url, admin_user_ids=["UALLOWED"], **slack_options)
    async with running_adapter(settings, handler) as adapter:
        body = slash_body("/digest", text, response_url=slack.response_url(), user=user)
        assert (await post_signed(events_url(adapter), body))[0] == 200
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    return handler, slack.hooks[0]


async def test_workspace_admin_may_manage(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.users["UADMIN"] = {"is_admin": True}
    handler, hook = await _digest(slack, tmp_path, "UADMIN")
    ctx, command, text = handler.calls[0]
    assert (command, text, ctx.can_manage) == ("digest", "add ukraine russia", True)
    assert [c.params["user"] for c in slack.calls_to("users.info")] == ["UADMIN"]
    assert hook["response_type"] == "ephemeral" and "ukraine, russia" in str(hook["text"])


async def test_owner_may_manage_and_member_is_refused_with_who_can(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.users["UOWNER"] = {"is_owner": True}
    handler, _ = await _digest(slack, tmp_path, "UOWNER")
    assert handler.calls[0][0].can_manage is True
    slack.hooks.clear()
    handler, hook = await _digest(slack, tmp_path, "UMEMBER")
    ctx = handler.calls[0][0]
    assert ctx.can_manage is False
    assert ctx.manage_hint == "workspace admins and owners or <@UALLOWED>"
    # The hint is ours, so its mention survives escaping (it renders as a name, and never pings: ephemeral).
    assert hook["text"] == ":warning: Only workspace admins and owners or <@UALLOWED> can change this channel's digest."


async def test_reading_settings_needs_no_admin_check(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.users["UADMIN"] = {"is_admin": True}
    handler, _ = await _digest(slack, tmp_path, "UADMIN", text="settings")
    assert handler.calls[0][0].can_manage is False  # not needed to read: nothing was asked of Slack
    assert slack.calls_to("users.info") == []


async def test_allow_listed_user_needs_no_api_call(slack: SlackStandIn, tmp_path: Path) -> None:
    handler, _ = await _digest(slack, tmp_path, "UALLOWED", admins_may_manage=False)
    assert handler.calls[0][0].can_manage is True
    assert slack.calls_to("users.info") == []


async def test_admins_not_trusted_when_policy_says_allow_list_only(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.users["UADMIN"] = {"is_admin": True}
    handler, _ = await _digest(slack, tmp_path, "UADMIN", admins_may_manage=False)
    assert handler.calls[0][0].can_manage is False
    assert handler.calls[0][0].manage_hint == "<@UALLOWED>"


async def test_users_info_failure_fails_closed(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.fail_next("users.info", Failure(200, body={"ok": False, "error": "missing_scope"}))
    handler, _ = await _digest(slack, tmp_path, "UADMIN")
    assert handler.calls[0][0].can_manage is False


async def test_custom_manage_check_replaces_the_policy(slack: SlackStandIn, tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    async def everyone(team: str, user: str, _client: AsyncWebClient) -> bool:
        seen.append((team, user))
        return True

    handler = RefusingHandler()
    settings = slack_settings(tmp_path, slack.api_url)
    async with running_adapter(settings, handler, can_manage=everyone) as adapter:
        body = slash_body("/digest", "pause", response_url=slack.response_url(), user="UANY")
        await post_signed(events_url(adapter), body)
        await slack.wait_for(lambda: len(slack.hooks) == 1)
    assert seen == [("T0TEST", "UANY")] and handler.calls[0][0].can_manage is True


async def test_digest_now_reply_reads_posted_or_why_not(slack: SlackStandIn, tmp_path: Path) -> None:
    handler = FakeHandler(DigestReply("Posted today's digest: 12 stories.", ok=True))
    _, hook = await _digest(slack, tmp_path, "UALLOWED", text="now", handler=handler)
    assert hook["text"] == ":white_check_mark: Posted today's digest: 12 stories."
