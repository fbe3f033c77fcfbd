"""Slash-command answers: one message however long the brief, notes for unmatched queries, safe credits."""

from __future__ import annotations

import json

from bot.adapters.slack_blocks import MAX_BLOCKS, MAX_SECTION_CHARS
from bot.adapters.slack_replies import SHARE_ACTION_ID, brief_message, reply_message, text_message
from bot.chat.results import Brief, BriefReply, StoryLine, TextReply


def _brief(stories: int, **kwargs: object) -> Brief:
    lines = tuple(StoryLine(article_id=n, headline=f"Story {n}", blurb="word " * 150, url=f"https://e.com/{n}")
                  for n in range(stories))
    values: dict[str, object] = {"query": "ukraine", "label": "Ukraine", "matched_by": "topic", "stories": lines}
    values.update(kwargs)
    return Brief(**values)  # type: ignore[arg-type]


def test_a_huge_brief_is_cut_to_one_message_and_keeps_the_share_button() -> None:
    message = brief_message(_brief(400), shareable=True)
    assert len(message.blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in message.blocks if b["type"] == "section")
    assert message.blocks[-1]["elements"][0]["action_id"] == SHARE_ACTION_ID
    assert "cut to fit one Slack message" in json.dumps(message.blocks)


def test_fulltext_match_says_no_topic_and_offers_escaped_suggestions() -> None:
    brief = _brief(1, query="<!here> gold", matched_by="fulltext", suggestions=("russia", "*x*"))
    wire = json.dumps(brief_message(brief, shareable=False).blocks, ensure_ascii=False)
    assert "No topic called “&lt;!here&gt; gold”; these stories mention it." in wire
    assert "Closest topics: russia, \u2217x\u2217." in wire


def test_nothing_found_has_no_share_button() -> None:
    message = brief_message(_brief(0, matched_by="none"), shareable=True)
    assert all(b["type"] != "actions" for b in message.blocks)
    assert message.text == "Ukraine: no stories"


def test_shared_by_only_mentions_a_real_user_id() -> None:
    assert "Shared by <@U123ABC>" in json.dumps(brief_message(_brief(1), shareable=False, shared_by="U123ABC").blocks)
    forged = json.dumps(brief_message(_brief(1), shareable=False, shared_by="<!channel>").blocks)
    assert "Shared by" not in forged


def test_public_brief_reply_has_no_button() -> None:
    message = reply_message(BriefReply(_brief(2), public=True))
    assert all(b["type"] != "actions" for b in message.blocks)


def test_text_reply_escapes_echoed_input_but_keeps_our_own_hint() -> None:
    hint = "workspace admins and owners or <@U1>"
    reply = TextReply(f"Unknown topic '<!channel>'. Only {hint} can change it.", ok=False)
    message = text_message(reply, trusted=hint)
    assert message.text == f":warning: Unknown topic '&lt;!channel&gt;'. Only {hint} can change it."
