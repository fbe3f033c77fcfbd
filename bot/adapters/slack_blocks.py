"""Block Kit rendering for digests and briefs, within Slack's limits.

Limits (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks per message, 3,000 characters
per section text, 150 per header. A digest that does not fit is split into several messages; the
poster threads the continuations under the first one. Every message carries a plain ``text``
fallback, which is what notifications and screen readers show.

Everything that came from a dump goes through :mod:`bot.adapters.slack_escape` exactly once, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.slack_escape import escape_mrkdwn, escape_plain, link, truncate
from bot.chat import rendering
from bot.chat.results import Brief, Digest, StoryLine

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000  # context text objects allow 3,000; leave room for Slack's own expansion
# Slack rejects very large block payloads (msg_too_long) well before 50 full sections; keep a margin.
MAX_MESSAGE_CHARS = 12000
MAX_FALLBACK_CHARS = 3000
_HEADLINE_CHARS = 300  # one story line never needs more; keeps any single line far below a section
_BLURB_CHARS = 600


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat message: notification fallback ``text`` plus its ``blocks``."""

    text: str
    blocks: tuple[Block, ...]


def header_block(text: str) -> Block:
    """A header; plain_text shows entities decoded, so escaping keeps it identical on screen."""
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(escape_plain(text), MAX_HEADER_CHARS)}}


def section_block(mrkdwn: str) -> Block:
    """A section from already-escaped mrkdwn, cut to Slack's per-section limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION_CHARS)}}


def context_block(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(mrkdwn, MAX_CONTEXT_CHARS)}]}


def divider_block() -> Block:
    return {"type": "divider"}


def story_line(story: StoryLine) -> str:
    """``• <url|Headline> — blurb _(Reuters, AP)_`` with every dump-derived part escaped."""
    line = "• " + link(story.url, truncate(story.headline, _HEADLINE_CHARS))
    if story.blurb:
        line += " — " + escape_mrkdwn(truncate(story.blurb, _BLURB_CHARS))
    if story.credits:
        line += " _(" + escape_mrkdwn(", ".join(story.credits)) + ")_"
    if story.merged_ids:
        line += f" _+{len(story.merged_ids)} similar_"
    return line


def pack_lines(lines: Iterable[str], limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Join lines into as few texts as possible, each at most ``limit`` characters."""
    return rendering.pack_lines(lines, limit, cut=truncate)


def brief_blocks(brief: Brief) -> list[Block]:
    """Blocks for one brief: its label in bold with the lead, the story lines, "and N more"."""
    lead = " ".join(s.text for s in brief.lead)
    first = "\n".join(p for p in (f"*{escape_mrkdwn(brief.label)}*", escape_mrkdwn(lead)) if p)
    blocks: list[Block] = [section_block(first)]
    lines = [story_line(s) for s in brief.stories]
    if brief.more:
        lines.append(f"_…and {brief.more} more: `/brief {escape_mrkdwn(brief.query)}`_")
    blocks.extend(section_block(chunk) for chunk in pack_lines(lines))
    return blocks


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "the beginning"
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def window_text(digest: Digest) -> str:
    """``Mon 26 Jan 07:30 – Tue 27 Jan 07:30 (Europe/London)``."""
    start = _when(digest.window_start, digest.timezone)
    end = _when(digest.window_end, digest.timezone)
    return f"{start} – {end} ({escape_plain(digest.timezone)})"


def digest_blocks(digest: Digest, *, note: str | None = None) -> list[Block]:
    """All blocks of a digest in reading order, before splitting into messages."""
    blocks: list[Block] = [header_block(digest.title)]
    if note:
        blocks.append(context_block(":warning: " + escape_mrkdwn(note)))
    if digest.empty:
        blocks.append(section_block(f"No new stories on this channel's topics since {window_text(digest)}."))
    for index, section in enumerate(s for s in digest.sections if not s.empty):
        if index:
            blocks.append(divider_block())
        blocks.extend(brief_blocks(section))
    sources = ", ".join(digest.sources)
    footer = f"Covering {window_text(digest)}"
    if sources:
        footer = f"Sources: {escape_mrkdwn(sources)} · {footer}"
    blocks.append(context_block(footer))
    return blocks


def _block_chars(block: Block) -> int:
    text = block.get("text")
    if isinstance(text, dict):
        return len(text.get("text", ""))
    return sum(len(e.get("text", "")) for e in block.get("elements", ()) if isinstance(e, dict))


def split_messages(blocks: Sequence[Block], *, max_blocks: int = MAX_BLOCKS,
                   max_chars: int = MAX_MESSAGE_CHARS) -> list[list[Block]]:
    """Cut a block list into message-sized runs; a divider never starts or ends a message."""
    messages: list[list[Block]] = [[]]
    size = 0
    reserve = 1  # room for the "continued" context a continuation starts with
    for block in blocks:
        chars = _block_chars(block)
        current = messages[-1]
        limit = max_blocks - (reserve if len(messages) > 1 else 0)
        if current and (len(current) + 1 > limit or size + chars > max_chars):
            messages.append([])
            current = messages[-1]
            size = 0
        if block.get("type") == "divider" and not current:
            continue
        current.append(block)
        size += chars
    for message in messages:
        while message and message[-1].get("type") == "divider":
            message.pop()
    return [m for m in messages if m]


def digest_messages(digest: Digest, *, note: str | None = None) -> list[SlackMessage]:
    """The digest as one or more messages; continuations say which part they are."""
    parts = split_messages(digest_blocks(digest, note=note))
    title = escape_plain(digest.title)
    topics = ", ".join(s.label for s in digest.sections if not s.empty)
    stories = sum(len(s.stories) for s in digest.sections)
    summary = f"{title}: {stories} stories" + (f" on {escape_plain(topics)}" if topics else "")
    messages = [SlackMessage(truncate(summary, MAX_FALLBACK_CHARS), tuple(parts[0]))]
    for number, blocks in enumerate(parts[1:], start=2):
        label = f"{title} (continued, part {number} of {len(parts)})"
        head = context_block(f"_{escape_mrkdwn(digest.title)} (continued, part {number} of {len(parts)})_")
        messages.append(SlackMessage(truncate(label, MAX_FALLBACK_CHARS), (head, *blocks)))
    return messages
