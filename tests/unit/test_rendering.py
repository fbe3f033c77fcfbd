"""Briefs and digests rendered as terminal text, Markdown and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt

from bot.chat.rendering import render_brief, render_digest
from bot.chat.results import Brief, BriefSentence, Digest, StoryLine

BRIEF = Brief(
    query="ukraine", label="Ukraine", matched_by="topic",
    lead=(BriefSentence("The CSIS report said Russia suffered 1.2 million casualties.", 3),
          BriefSentence("Nine others were injured in attacks.", 3)),
    stories=(StoryLine(3, "Report: Casualties Could Reach 2 Million", "Casualties may reach 2 million by spring.",
                       credits=("Reuters", "AP"), url="https://example.org/war"),
             StoryLine(1, "New US Sanctions Target Russian_Gold", "The US banned *gold* imports.")),
    more=2,
)
EMPTY_TOPIC = Brief(query="iran", label="Iran", matched_by="topic")
NOTHING = Brief(query="gold", label="“gold”", matched_by="none", suggestions=("ukraine", "uk"))
DIGEST = Digest(title="Morning digest", window_start=datetime(2026, 1, 27, 7, 30, tzinfo=UTC),
                window_end=datetime(2026, 1, 28, 7, 30, tzinfo=UTC), sections=(BRIEF, EMPTY_TOPIC))


def test_text_brief_has_label_lead_story_lines_credits_and_more() -> None:
    out = render_brief(BRIEF, "text")
    lines = out.splitlines()
    assert lines[0] == "Ukraine"
    assert "The CSIS report said Russia suffered 1.2 million casualties. Nine others" in out.replace("\n", " ")
    assert "• Report: Casualties Could Reach 2 Million — Casualties may reach 2 million by spring." in out
    assert "(Reuters, AP)" in out and "https://example.org/war" in out
    assert lines[-1].strip() == "and 2 more: /brief ukraine"
    assert all(len(line) <= 88 for line in lines)


def test_markdown_brief_links_headlines_and_escapes_markup() -> None:
    out = render_brief(BRIEF, "markdown")
    assert out.startswith("## Ukraine\n")
    assert "- **[Report: Casualties Could Reach 2 Million](https://example.org/war)**" in out
    assert "Russian\\_Gold" in out and "\\*gold\\*" in out
    assert "_(Reuters, AP)_" in out
    assert "`/brief ukraine`" in out


HOSTILE = Brief(
    query="x` [p](javascript:alert(4)) `", label="Hostile", matched_by="fulltext", more=1,
    stories=(
        StoryLine(1, "Scheme", "b", url="javascript:alert(1)"),
        StoryLine(2, "Breakout", "b", url="https://ok.example/a) [owned](javascript:alert(2)"),
        StoryLine(3, "a](javascript:alert(3)) [b", "c <javascript:alert(5)> <a href='javascript:x'>d</a>",
                  url="https://ok.example/3"),
        StoryLine(4, "line\n[ref]: javascript:alert(6)\n[ref]", "b", url="HTTPS://ok.example/4 \"t\""),
        StoryLine(5, "Data", "b", url="data:text/html,<script>alert(7)</script>"),
    ),
)


def _links_and_html(markdown: str) -> tuple[list[str], list[str]]:
    """Every link target and raw HTML a CommonMark renderer (markdown-it, as rich uses) would produce."""
    links: list[str] = []
    html: list[str] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        for tok in [token, *(token.children or [])]:
            if tok.type == "link_open":
                links.append(str(tok.attrs.get("href")))
            elif tok.type in ("html_inline", "html_block"):
                html.append(tok.content)
    return links, html


@pytest.mark.parametrize("render", [lambda: render_brief(HOSTILE, "markdown"),
                                    lambda: render_digest(Digest("Digest", None, DIGEST.window_end, (HOSTILE,)),
                                                          "markdown")])
def test_markdown_links_only_http_targets_and_story_text_cannot_make_links_or_html(render) -> None:  # type: ignore[no-untyped-def]
    links, html = _links_and_html(render())
    assert html == []
    assert links == ["https://ok.example/a)%20%5Bowned%5D(javascript:alert(2)".replace(")", "%29").replace("(", "%28"),
                     "https://ok.example/3", "HTTPS://ok.example/4%20%22t%22"]


def test_json_brief_round_trips_every_field() -> None:
    data = json.loads(render_brief(BRIEF, "json"))
    assert data["label"] == "Ukraine" and data["matched_by"] == "topic" and data["more"] == 2
    assert data["lead"][0] == {"text": "The CSIS report said Russia suffered 1.2 million casualties.",
                               "article_id": 3}
    assert data["stories"][0]["credits"] == ["Reuters", "AP"]
    assert data["empty"] is False


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_empty_briefs_say_why(fmt: str) -> None:
    assert "No new stories on Iran." in render_brief(EMPTY_TOPIC, fmt)  # type: ignore[arg-type]
    nothing = render_brief(NOTHING, fmt)  # type: ignore[arg-type]
    assert "No topic or story matches “gold”." in nothing and "Did you mean: ukraine, uk?" in nothing


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_brief(BRIEF, "html")  # type: ignore[arg-type]


def test_text_digest_shows_window_sections_with_stories_and_sources() -> None:
    out = render_digest(DIGEST, "text")
    assert out.startswith("Morning digest\n")
    assert "27 Jan 2026 07:30 – 28 Jan 2026 07:30 (UTC)" in out
    assert "Ukraine\n───" in out
    assert "Iran" not in out  # empty sections are left out
    assert out.rstrip().endswith("Sources: Reuters, AP")


def test_markdown_and_json_digests() -> None:
    md = render_digest(DIGEST, "markdown")
    assert md.startswith("# Morning digest\n") and "## Ukraine" in md and "_Sources: Reuters, AP_" in md
    data = json.loads(render_digest(DIGEST, "json"))
    assert data["window_end"] == "2026-01-28T07:30:00+00:00"
    assert [s["label"] for s in data["sections"]] == ["Ukraine", "Iran"]
    assert data["sources"] == ["Reuters", "AP"] and data["empty"] is False


def test_empty_digest_says_no_new_stories() -> None:
    empty = Digest(title="Morning digest", window_start=None, window_end=datetime(2026, 1, 28, tzinfo=UTC))
    assert "No new stories." in render_digest(empty, "text")
    assert "No new stories." in render_digest(empty, "markdown")


def test_pack_lines_fills_chunks_up_to_the_limit_as_the_platform_counts() -> None:
    from bot.chat.rendering import pack_lines

    def cut(text: str, limit: int) -> str:
        return text[: limit - 1] + "…" if len(text) > limit else text

    lines = ["aaaa", "bbbb", "cccc", "x" * 20]
    assert pack_lines(lines, 9, cut=cut) == ["aaaa\nbbbb", "cccc", "xxxxxxxx…"]
    # Counted double (like UTF-16 surrogate pairs), the same lines need more chunks.
    assert pack_lines(lines[:3], 9, cut=cut, length=lambda s: 2 * len(s)) == ["aaaa", "bbbb", "cccc"]
