"""SlackPoster against the stand-in: threading, limits and escaping on the wire, retries, no doubles."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapters.slack_poster import METADATA_EVENT, SlackPoster, make_client
from bot.chat.ports import ChannelKey, PostError
from bot.chat.results import Brief, Digest, StoryLine
from tests.adapters.slack_standin import BOT_TOKEN, CHANNEL, TEAM, Failure, SlackStandIn

pytest_plugins = ("tests.adapters.slack_fixtures",)

KEY = ChannelKey("slack", TEAM, CHANNEL)
END = datetime(2026, 1, 28, 7, 30, tzinfo=UTC)


def _poster(slack: SlackStandIn) -> SlackPoster:
    async def token(team: str) -> str | None:
        return BOT_TOKEN if team == TEAM else None

    return SlackPoster(make_client(None, slack.api_url), token)


def _digest(stories: int = 3, *, marker: str = "run-42") -> Digest:
    lines = tuple(StoryLine(article_id=n, headline=f"Story {n} <!channel>", blurb="Everyone @here look " * 20,
                            credits=("Reuters",), url=f"https://example.com/{n}") for n in range(stories))
    brief = Brief(query="ukraine", label="Ukraine", matched_by="topic", stories=lines)
    return Digest(title="Morning digest", window_start=None, window_end=END, sections=(brief,), run_marker=marker)


async def test_long_digest_threads_continuations_and_carries_the_marker(slack: SlackStandIn) -> None:
    receipt = await _poster(slack).post_digest(KEY, _digest(stories=400))
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) > 1 and len(receipt.message_ids) == len(posts)
    first, *rest = posts
    assert "thread_ts" not in first.params or first.params["thread_ts"] is None
    assert all(p.params["thread_ts"] == receipt.message_ids[0] for p in rest)
    for post in posts:
        assert post.params["token"] == BOT_TOKEN and post.params["channel"] == CHANNEL
        assert post.params["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"run": "run-42"}}
        assert post.params["text"] and len(post.params["blocks"]) <= 50
        wire = json.dumps(post.params, ensure_ascii=False)
        assert "<!channel>" not in wire and " @here" not in wire and "&lt;!channel&gt;" in wire


async def test_rate_limit_is_retried_once_after_retry_after(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", Failure(429, headers={"Retry-After": "1"}))
    receipt = await _poster(slack).post_digest(KEY, _digest())
    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0, "the retry must wait for Retry-After"
    assert len(receipt.message_ids) == 1 and len(slack.messages) == 1


async def test_server_errors_are_retried_with_backoff(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", Failure(502, body={"ok": False, "error": "bad_gateway"}))
    slack.fail_next("chat.postMessage", Failure(500, body={"ok": False, "error": "internal_error"}))
    receipt = await _poster(slack).post_digest(KEY, _digest())
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [502, 500, 200]
    assert len(receipt.message_ids) == 1


@pytest.mark.parametrize(("error", "retryable"), [("channel_not_found", False), ("not_in_channel", True)])
async def test_refused_post_raises_post_error_with_the_reason(slack: SlackStandIn, error: str,
                                                                retryable: bool) -> None:
    slack.fail_next("chat.postMessage", Failure(200, body={"ok": False, "error": error}))
    with pytest.raises(PostError) as info:
        await _poster(slack).post_digest(KEY, _digest())
    assert info.value.reason.startswith(error) and info.value.retryable is retryable
    assert slack.messages == []


async def test_partial_post_is_removed_so_a_retry_cannot_double_it(slack: SlackStandIn) -> None:
    # The first part goes out, the continuation is refused for good.
    slack.fail_next("chat.postMessage", Failure(200, body={"ok": False, "error": "msg_too_long"}, after=1))
    with pytest.raises(PostError) as info:
        await _poster(slack).post_digest(KEY, _digest(stories=400))
    assert info.value.reason == "msg_too_long"
    assert len(slack.calls_to("chat.delete")) == 1 and slack.messages == []


async def test_partial_post_that_cannot_be_removed_is_not_retried(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", Failure(200, body={"ok": False, "error": "fatal_error"}, after=1))
    slack.fail_next("chat.delete", Failure(200, body={"ok": False, "error": "cant_delete_message"}))
    with pytest.raises(PostError) as info:
        await _poster(slack).post_digest(KEY, _digest(stories=400))
    assert info.value.retryable is False and "partly posted" in info.value.reason
    assert len(slack.messages) == 1


async def test_unknown_workspace_is_a_permanent_error(slack: SlackStandIn) -> None:
    with pytest.raises(PostError) as info:
        await _poster(slack).post_digest(ChannelKey("slack", "TOTHER", CHANNEL), _digest())
    assert info.value.retryable is False and "not installed" in info.value.reason
    assert slack.calls_to("chat.postMessage") == []


async def test_find_digest_finds_a_posted_run_by_its_marker(slack: SlackStandIn) -> None:
    poster = _poster(slack)
    posted = await poster.post_digest(KEY, _digest(stories=400, marker="run-7"))
    await poster.post_digest(KEY, _digest(marker="run-8"))
    found = await poster.find_digest(KEY, "run-7")
    assert found is not None and found.message_ids == posted.message_ids
    assert await poster.find_digest(KEY, "run-9") is None
    history = slack.calls_to("conversations.history")[0].params
    assert history["include_all_metadata"] in (True, "true", "1")


async def test_find_digest_cannot_tell_without_history_scope(slack: SlackStandIn) -> None:
    slack.fail_next("conversations.history", Failure(200, body={"ok": False, "error": "missing_scope"}))
    assert await _poster(slack).find_digest(KEY, "run-1") is None


async def test_find_digest_raises_when_slack_is_down(slack: SlackStandIn) -> None:
    for _ in range(3):  # the first try and both retries
        slack.fail_next("conversations.history", Failure(503, body={"ok": False, "error": "service_unavailable"}))
    with pytest.raises(PostError):
        await _poster(slack).find_digest(KEY, "run-1")
