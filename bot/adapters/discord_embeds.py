"""Digests and briefs as Discord embeds, packed into messages inside every limit Discord enforces.

One embed per topic (continued in further embeds when the stories overflow a description), embeds
packed into messages of at most 10 embeds and 6,000 characters, as many messages as it takes.
A message Discord refuses for size would fail the whole digest, so limits are checked here, by
construction, rather than discovered in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from bot.adapters.discord_text import chunk_lines, clean, clean_label, safe_url, truncate, ulen
from bot.chat.results import Brief, Digest, StoryLine

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000

COLOUR = discord.Colour(0x2F6FB3)
MARKER_PREFIX = "newsdigest run "


@dataclass
class DiscordMessage:
    """One message to send: optional content and up to 10 embeds."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)


def embed_size(embed: discord.Embed) -> int:
    """Characters of ``embed`` counted against the 6,000 per-message total, in Discord's units."""
    total = ulen(embed.title or "") + ulen(embed.description or "")
    total += sum(ulen(f.name or "") + ulen(f.value or "") for f in embed.fields)
    total += ulen(embed.footer.text or "") + ulen(embed.author.name or "")
    return total


def story_line(story: StoryLine) -> str:
    """``• [Headline](url) — blurb (credits)``, every piece escaped."""
    url = safe_url(story.url)
    headline = clean_label(truncate(story.headline, 300))
    head = f"**[{headline}]({url})**" if url else f"**{headline}**"
    parts = [f"• {head}"]
    if story.blurb:
        parts.append(f" — {clean(truncate(story.blurb, 600))}")
    if story.credits:
        parts.append(f" *({clean(', '.join(story.credits))})*")
    return "".join(parts)


def brief_lines(brief: Brief) -> list[str]:
    """The lines of a brief's description: the lead paragraph, then one line per story."""
    lines: list[str] = []
    lead = " ".join(s.text for s in brief.lead)
    if lead:
        # The lead alone must leave room for at least a story in the first embed.
        lines += [clean(truncate(lead, DESCRIPTION_LIMIT // 2)), ""]
    lines += [story_line(s) for s in brief.stories]
    if brief.more:
        # The query is whatever someone typed: cleaned like any other text, on one line.
        lines.append(f"…and {brief.more} more: /brief {clean(truncate(' '.join(brief.query.split()), 80))}")
    if brief.empty:
        lines.append("No new stories.")
        if brief.suggestions:
            lines.append("Try: " + ", ".join(clean(s) for s in brief.suggestions[:10]))
    return lines


def brief_embeds(brief: Brief) -> list[discord.Embed]:
    """A brief as one embed, or several when its stories overflow one description."""
    label = clean(brief.label) or "Brief"
    chunks = chunk_lines(brief_lines(brief), DESCRIPTION_LIMIT)
    embeds = []
    for i, chunk in enumerate(chunks):
        title = label if i == 0 else f"{label} (continued)"
        embeds.append(discord.Embed(title=truncate(title, TITLE_LIMIT), description=chunk, colour=COLOUR))
    return embeds


def pack(embeds: Sequence[discord.Embed], *, reserve: int = 0) -> list[list[discord.Embed]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters (``reserve`` kept free)."""
    budget = EMBED_TOTAL_LIMIT - reserve
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    used = 0
    for embed in embeds:
        size = embed_size(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or used + size > budget):
            messages.append(current)
            current, used = [], 0
        current.append(embed)
        used += size
    if current:
        messages.append(current)
    return messages


def marker_footer(run_marker: str, part: int, parts: int) -> str:
    """The footer that lets :meth:`DiscordPoster.find_digest` recognise a run's messages."""
    text = f"{MARKER_PREFIX}{run_marker}" if run_marker else "newsdigest"
    return f"{text} · {part}/{parts}" if parts > 1 else text


def digest_messages(digest: Digest, *, note: str | None = None) -> list[DiscordMessage]:
    """A digest as messages: title (and note) as content, one embed per topic, marker in every footer."""
    embeds = [e for section in digest.sections for e in brief_embeds(section)]
    if not embeds:  # delivery posts an empty digest only when the channel asked for "no new stories" days
        embeds = [discord.Embed(title="No new stories", description="Nothing new on this channel's topics since the "
                                "last digest.", colour=COLOUR)]
    reserve = ulen(marker_footer(digest.run_marker, 999, 999))
    groups = pack(embeds, reserve=reserve)
    header = f"**{clean(digest.title)}**" if digest.title else ""
    if note:
        header = f"{header}\n*{clean(note)}*".strip()
    messages = []
    for part, group in enumerate(groups, start=1):
        group[0].set_footer(text=truncate(marker_footer(digest.run_marker, part, len(groups)), FOOTER_LIMIT))
        if part == 1:
            group[0].timestamp = digest.window_end
        content = truncate(header, CONTENT_LIMIT) if part == 1 and header else None
        messages.append(DiscordMessage(content=content, embeds=group))
    return messages


def brief_messages(brief: Brief) -> list[DiscordMessage]:
    """A ``/brief`` answer as messages (usually one)."""
    return [DiscordMessage(embeds=group) for group in pack(brief_embeds(brief))]


def text_messages(text: str, lines: Sequence[str] = ()) -> list[DiscordMessage]:
    """A plain reply (settings, help, errors) as content-only messages of at most 2,000 characters."""
    all_lines = [clean(text), *(clean(line) for line in lines)]
    return [DiscordMessage(content=chunk) for chunk in chunk_lines(all_lines, CONTENT_LIMIT)]
