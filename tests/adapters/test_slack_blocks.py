"""Block Kit rendering: Slack's limits on a huge digest, threaded continuations, escaping."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack_blocks import (
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_SECTION_CHARS,
    Block,
    SlackMessage,
    digest_messages,
    split_messages,
)
from bot.adapters.slack_escape import WORD_JOINER, escape_mrkdwn, escape_plain, link, safe_url, truncate
from bot.chat.results import Brief, BriefSentence, Digest, StoryLine

END = datetime(2026, 1, 28, 7, 30, tzinfo=UTC)


def _story(n: int, *, text: str = "") -> StoryLine:
    return StoryLine(article_id=n, headline=f"Headline {n} {text}", blurb=f"Blurb {n} " + "word " * 60,
                     credits=("Reuters", "AP"), url=f"https://example.com/{n}")


def _digest(topics: int, stories: int, *, title: str = "Morning digest") -> Digest:
    sections = tuple(
        Brief(query=f"topic{t}", label=f"Topic {t}", matched_by="topic",
              lead=(BriefSentence("Lead sentence. " * 40, 1),),
              stories=tuple(_story(t * 1000 + s) for s in range(stories)), more=3)
        for t in range(topics)
    )
    return Digest(title=title, window_start=END - timedelta(days=1), window_end=END, sections=sections,
                  run_marker="run-1", timezone="Europe/London")


def _assert_within_limits(message: SlackMessage) -> None:
    assert message.text.strip(), "every message needs a notification fallback"
    assert 0 < len(message.blocks) <= MAX_BLOCKS
    for block in message.blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= MAX_HEADER_CHARS
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
        for element in block.get("elements", ()):
            assert len(element.get("text", "")) <= MAX_SECTION_CHARS


def test_huge_digest_splits_into_messages_within_every_limit() -> None:
    digest = _digest(topics=30, stories=40, title="T" * 400)
    messages = digest_messages(digest)
    assert len(messages) > 3
    for message in messages:
        _assert_within_limits(message)
    first = messages[0]
    assert first.blocks[0]["type"] == "header" and first.blocks[0]["text"]["text"].endswith("…")
    assert all("continued, part" in m.text for m in messages[1:])
    assert messages[-1].blocks[-1]["type"] == "context" and "Sources: Reuters, AP" in str(messages[-1].blocks[-1])
    # Nothing lost: every story's link appears exactly once across all parts.
    wire = json.dumps([m.blocks for m in messages])
    for t in range(30):
        for s in range(40):
            assert wire.count(f"https://example.com/{t * 1000 + s}|") == 1


def test_small_digest_is_one_message_with_header_sections_links_and_window() -> None:
    [message] = digest_messages(_digest(topics=2, stories=3), note="may repeat an earlier post")
    types = [b["type"] for b in message.blocks]
    assert types[0] == "header" and types[-1] == "context" and "divider" in types
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "<https://example.com/1000|Headline 1000 >" in text
    assert "_…and 3 more: `/brief topic0`_" in text
    assert "Tue 27 Jan 07:30 – Wed 28 Jan 07:30 (Europe/London)" in text
    assert "may repeat an earlier post" in text
    assert message.text == "Morning digest: 6 stories on Topic 0, Topic 1"


def test_empty_digest_says_so() -> None:
    [message] = digest_messages(Digest(title="Digest", window_start=None, window_end=END))
    assert "No new stories" in json.dumps(message.blocks, ensure_ascii=False)


def test_split_never_leaves_a_divider_at_either_end() -> None:
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}, {"type": "divider"}] * 60
    parts = split_messages(blocks, max_blocks=7)
    assert all(p[0]["type"] != "divider" and p[-1]["type"] != "divider" for p in parts)
    assert sum(1 for p in parts for b in p if b["type"] == "section") == 60


def test_dump_text_can_never_ping_or_format() -> None:
    hostile = "<!channel> <!here> <@U123> <#C1|x> @here @channel @Everyone & *bold* _it_ ~del~ `code`"
    out = escape_mrkdwn(hostile)
    assert "<" not in out and ">" not in out
    assert "&lt;!channel&gt;" in out and "&lt;@U123&gt;" in out and "&amp;" in out
    for word in ("here", "channel", "Everyone"):
        assert f"@{WORD_JOINER}{word}" in out and f"@{word}" not in out
    assert not any(c in out for c in "*_~`")
    assert out.replace(WORD_JOINER, "").count("@") == 4  # reads the same, minus the ping


def test_plain_text_keeps_formatting_characters() -> None:
    assert escape_plain("a_b *c* <!here>") == "a_b *c* &lt;!here&gt;"


def test_links_escape_label_and_target_and_refuse_non_http() -> None:
    assert link("https://x.org/a?b=1&c=2|3>", "A|B <b>") == "<https://x.org/a?b=1&amp;c=2%7C3%3E|A∣B &lt;b&gt;>"
    assert link("javascript:alert(1)", "x") == "x"
    assert safe_url(None) is None and safe_url("ftp://x") is None


def test_truncate_never_cuts_an_entity_in_half() -> None:
    text = "a" * 8 + "&amp;rest"
    assert truncate(text, 12) == "a" * 8 + "…"
    assert truncate("short", 10) == "short"


def test_digest_with_hostile_headlines_is_escaped_everywhere() -> None:
    story = _story(1, text="<!channel> @here *x*")
    digest = Digest(title="<!here> digest", window_start=None, window_end=END,
                    sections=(Brief(query="q", label="<@U1>", matched_by="topic", stories=(story,)),))
    wire = json.dumps([(m.text, m.blocks) for m in digest_messages(digest)], ensure_ascii=False)
    assert "<!" not in wire and "<@" not in wire and '"@here' not in wire and " @here" not in wire


@given(st.text())
def test_escaped_text_never_carries_markup_or_a_broadcast(text: str) -> None:
    out = escape_mrkdwn(text)
    assert "<" not in out and ">" not in out
    assert not any(c in out for c in "*_~`")
    assert re.search(r"@(here|channel|everyone)", out, re.IGNORECASE) is None
    assert re.search(r"&(?!amp;|lt;|gt;)", out) is None  # every & is the start of one of our entities
