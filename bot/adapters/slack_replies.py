"""Slash-command answers as Block Kit: briefs (with the "Share in channel" button), text replies.

Answers go out through ``response_url``, whose messages obey the same 50-block limit as posts but
cannot be threaded, so a reply is cut to one message with a note instead of split.
"""

from __future__ import annotations

import re

from bot.adapters.slack_blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK_CHARS,
    Block,
    SlackMessage,
    brief_blocks,
    context_block,
    pack_lines,
    section_block,
    split_messages,
)
from bot.adapters.slack_escape import escape_mrkdwn, escape_plain, truncate
from bot.chat.results import Brief, CommandReply, DigestReply, TextReply

SHARE_ACTION_ID = "newsdigest_share_brief"
_BUTTON_VALUE_CHARS = 2000  # Slack's limit for a button's value
_USER_ID = re.compile(r"[UW][A-Z0-9]+$")


def _matched_note(brief: Brief) -> str | None:
    query = escape_mrkdwn(brief.query)
    suggestions = ", ".join(escape_mrkdwn(s) for s in brief.suggestions)
    if brief.matched_by == "topic":
        return None
    if brief.matched_by == "fulltext":
        note = f"No topic called “{query}”; these stories mention it."
    else:
        note = f"Nothing matches “{query}”."
    if suggestions:
        note += f" Closest topics: {suggestions}."
    return note


def brief_message(brief: Brief, *, shareable: bool, shared_by: str | None = None) -> SlackMessage:
    """A brief as one message; ``shareable`` adds the button, ``shared_by`` credits who shared it."""
    blocks: list[Block] = []
    note = _matched_note(brief)
    if note:
        blocks.append(context_block(note))
    blocks.extend(brief_blocks(brief))
    if shared_by and _USER_ID.match(shared_by):
        blocks.append(context_block(f"Shared by <@{shared_by}>"))
    if shareable and not brief.empty:
        blocks.append({
            "type": "actions",
            "elements": [{
                "type": "button",
                "action_id": SHARE_ACTION_ID,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": brief.query[:_BUTTON_VALUE_CHARS],
            }],
        })
    fallback = f"{brief.label}: {len(brief.stories)} stories" if not brief.empty else f"{brief.label}: no stories"
    return SlackMessage(truncate(escape_plain(fallback), MAX_FALLBACK_CHARS), tuple(_one_message(blocks)))


def _one_message(blocks: list[Block]) -> list[Block]:
    """Keep what fits in one message; the buttons (last block) survive the cut."""
    if len(blocks) <= MAX_BLOCKS and len(split_messages(blocks)) == 1:
        return blocks
    tail = [blocks[-1]] if blocks[-1].get("type") == "actions" else []
    body = split_messages(blocks[: len(blocks) - len(tail)], max_blocks=MAX_BLOCKS - 1 - len(tail))[0]
    return [*body, context_block("_…cut to fit one Slack message._"), *tail]


def text_message(reply: TextReply, *, trusted: str = "") -> SlackMessage:
    """A settings/help/error reply. ``trusted`` (the manage hint, which we built) keeps its mentions."""
    mark = "" if reply.ok else ":warning: "
    lines = [mark + escape_plain(reply.text), *("• " + escape_plain(line) for line in reply.lines)]
    text = "\n".join(lines)
    if trusted:
        text = text.replace(escape_plain(trusted), trusted)
    blocks = [section_block(chunk) for chunk in pack_lines(text.split("\n"))]
    return SlackMessage(truncate(text, MAX_FALLBACK_CHARS), tuple(blocks[: MAX_BLOCKS]))


def digest_reply_message(reply: DigestReply) -> SlackMessage:
    """The answer to ``/digest now``: posted, or why not."""
    mark = ":white_check_mark: " if reply.ok else ":warning: "
    text = mark + escape_plain(reply.text)
    return SlackMessage(truncate(text, MAX_FALLBACK_CHARS), (section_block(text),))


def reply_message(reply: CommandReply, *, shareable: bool = True, trusted: str = "") -> SlackMessage:
    """Render any command reply."""
    if isinstance(reply, TextReply):
        return text_message(reply, trusted=trusted)
    if isinstance(reply, DigestReply):
        return digest_reply_message(reply)
    return brief_message(reply.brief, shareable=shareable and not reply.public)
