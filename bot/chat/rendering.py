"""Render briefs and digests as terminal text, Markdown or JSON (the CLI and the console adapter use these)."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from bot.chat.results import Brief, Digest, StoryLine

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[str, ...] = ("text", "markdown", "json")
WIDTH = 88  # terminal text is wrapped here so words never split at the screen edge


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def brief_dict(brief: Brief) -> dict[str, Any]:
    """A brief as plain JSON-ready data (what ``--format json`` prints)."""
    data = dataclasses.asdict(brief)
    data["empty"] = brief.empty
    return data


def _empty_line(brief: Brief) -> str:
    if brief.matched_by == "none":
        hint = f" Did you mean: {', '.join(brief.suggestions)}?" if brief.suggestions else ""
        return f"No topic or story matches {brief.label}.{hint}"
    return f"No new stories on {brief.label}."


def _more_line(brief: Brief) -> str:
    return f"and {brief.more} more: /brief {brief.query}"


def _credits(story: StoryLine) -> str:
    return f"({', '.join(story.credits)})" if story.credits else ""


def _text_story(story: StoryLine) -> str:
    parts = [story.headline + (f" — {story.blurb}" if story.blurb else ""), _credits(story), story.url or ""]
    return textwrap.fill(" ".join(p for p in parts if p), WIDTH, initial_indent="  • ", subsequent_indent="    ")


def _text_brief(brief: Brief) -> str:
    lines = [brief.label, "─" * len(brief.label)]
    if brief.empty:
        return "\n".join([*lines, _empty_line(brief)])
    if brief.lead:
        lines += [textwrap.fill(" ".join(s.text for s in brief.lead), WIDTH), ""]
    lines += [_text_story(s) for s in brief.stories]
    if brief.more:
        lines.append(f"    {_more_line(brief)}")
    return "\n".join(lines)


# Story text is untrusted (it comes from dumps). Escaped: emphasis, code, brackets (a "]" would end a
# link's text early), angle brackets (autolinks such as <javascript:...> and raw HTML); line breaks
# become spaces so a story cannot start a heading, list or link reference definition of its own.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_MD_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# What may stay literal in a link target: parentheses, spaces, quotes and angle brackets would end it.
_URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", _MD_BREAKS.sub(" ", text))


def md_url(url: str | None) -> str | None:
    """An http(s) URL that cannot leave a Markdown link target, or None (then the headline is not linked)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def _md_code(text: str) -> str:
    """``text`` as an inline code span whose fence is longer than any backtick run inside (so it cannot close)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_MD_BREAKS.sub(' ', text)}{pad}{fence}"


def _md_story(story: StoryLine) -> str:
    url = md_url(story.url)
    head = f"[{_md_escape(story.headline)}]({url})" if url else _md_escape(story.headline)
    line = f"- **{head}**"
    if story.blurb:
        line += f" — {_md_escape(story.blurb)}"
    if story.credits:
        line += f" _{_md_escape(_credits(story))}_"
    return line


def _md_brief(brief: Brief, level: int = 2) -> str:
    lines = [f"{'#' * level} {_md_escape(brief.label)}", ""]
    if brief.empty:
        return "\n".join([*lines, _md_escape(_empty_line(brief))])
    if brief.lead:
        lines += [_md_escape(" ".join(s.text for s in brief.lead)), ""]
    lines += [_md_story(s) for s in brief.stories]
    if brief.more:
        lines.append(f"- _and {brief.more} more:_ {_md_code(f'/brief {brief.query}')}")
    return "\n".join(lines)


def render_brief(brief: Brief, fmt: Format = "text") -> str:
    """One brief as terminal text, Markdown or JSON."""
    _check(fmt)
    if fmt == "json":
        return json.dumps(brief_dict(brief), ensure_ascii=False, indent=2, default=_json_default)
    return _md_brief(brief) if fmt == "markdown" else _text_brief(brief)


def _window(digest: Digest) -> str:
    end = f"{digest.window_end:%d %b %Y %H:%M}"
    start = f"{digest.window_start:%d %b %Y %H:%M} – " if digest.window_start else "up to "
    return f"Stories ingested {start}{end} ({digest.timezone})"


def render_digest(digest: Digest, fmt: Format = "text") -> str:
    """A digest: title, window, one section per topic with stories, sources; JSON keeps every field."""
    _check(fmt)
    if fmt == "json":
        data = dataclasses.asdict(digest)
        data["sections"] = [brief_dict(s) for s in digest.sections]
        data["empty"], data["sources"] = digest.empty, list(digest.sources)
        return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    sections = [s for s in digest.sections if not s.empty]
    if fmt == "markdown":
        parts = [f"# {_md_escape(digest.title)}", f"_{_window(digest)}_"]
        parts += [_md_brief(s) for s in sections] or ["No new stories."]
        if digest.sources:
            parts.append(f"_Sources: {_md_escape(', '.join(digest.sources))}_")
    else:
        parts = [f"{digest.title}\n{'═' * len(digest.title)}\n{_window(digest)}"]
        parts += [_text_brief(s) for s in sections] or ["No new stories."]
        if digest.sources:
            parts.append(f"Sources: {', '.join(digest.sources)}")
    return "\n\n".join(parts) + "\n"


def pack_lines(lines: Iterable[str], limit: int, *, cut: Callable[[str, int], str],
               length: Callable[[str], int] = len) -> list[str]:
    """Join lines with newlines into as few chunks as possible, each at most ``limit`` long.

    Chat platforms count differently (Discord in UTF-16 units), so ``length`` measures and ``cut``
    shortens a line that alone is over the limit.
    """
    chunks: list[str] = []
    current = ""
    for raw in lines:
        line = cut(raw, limit)
        candidate = f"{current}\n{line}" if current else line
        if current and length(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
