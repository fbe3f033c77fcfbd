"""Making dump text safe and short for Discord: escaping, links, and limits counted the way Discord counts.

Everything that reaches Discord from an article or a person goes through :func:`clean`. Messages are
also sent with ``AllowedMentions.none()``, so escaping is the second of two locks: even if one slipped,
``@everyone`` in a wire story must never ping a newsroom.
"""

from __future__ import annotations

import re

import discord

from bot.chat import rendering

# Discord's API measures lengths like JavaScript does (UTF-16 code units); an emoji counts twice.
# Counting the same way keeps a message with emoji from being refused for a few characters too many.
ELLIPSIS = "…"

# ``<@123>``, ``<@!123>``, ``<@&123>`` and ``<#123>`` are mention syntax at any id length; discord.py's
# escape_mentions only handles real 17-20 digit snowflakes and @everyone/@here, so short ids need this.
_MENTION_SYNTAX = re.compile(r"<(?=[@#])")


def ulen(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` Discord characters, with an ellipsis when it was cut."""
    if ulen(text) <= limit:
        return text
    budget = limit - ulen(ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in text:
        size = ulen(ch)
        if used + size > budget:
            break
        out.append(ch)
        used += size
    # Never end on a lone backslash: it would escape the ellipsis and leave a dangling escape.
    cut = "".join(out).rstrip()
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def clean(text: str) -> str:
    """Escape markdown and every kind of mention in untrusted text (dump content, user input)."""
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    return _MENTION_SYNTAX.sub(r"\\<", text)


def clean_label(text: str) -> str:
    """Like :func:`clean`, and brackets escaped too, so the text can sit inside ``[label](url)``."""
    out: list[str] = []
    backslashes = 0
    for ch in clean(text):
        # A bracket after an odd run of backslashes is already escaped (escape_markdown does that to
        # whole masked links); escaping it again would turn the pair into a literal backslash.
        if ch in "[]" and backslashes % 2 == 0:
            out.append("\\")
        out.append(ch)
        backslashes = backslashes + 1 if ch == "\\" else 0
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of a markdown link, or None (the same rule as Markdown output)."""
    return rendering.md_url(url)


def chunk_lines(lines: list[str], limit: int) -> list[str]:
    """Join lines into chunks of at most ``limit`` Discord characters, over-long lines truncated."""
    return rendering.pack_lines(lines, limit, cut=truncate, length=ulen)
