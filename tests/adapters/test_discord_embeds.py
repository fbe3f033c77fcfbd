"""Embed rendering as pure functions: Discord's limits hold for any digest, and untrusted text is defused."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord_embeds import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    FOOTER_LIMIT,
    MARKER_PREFIX,
    TITLE_LIMIT,
    DiscordMessage,
    digest_messages,
    embed_size,
    text_messages,
)
from bot.adapters.discord_text import clean, clean_label, safe_url, truncate, ulen
from bot.chat.results import Brief, BriefSentence, Digest, StoryLine

# Text that looks like news, plus everything that could break markdown or ping: emoji count double.
WORDS = st.sampled_from(["Kyiv", "grain", "@everyone", "@here", "<@&123>", "<@42>", "<#9>", "**", "_", "`", "[x]",
                         "(y)", "\\", "😀", "é", "https://e.com/a_b", "\n", "> quote", "# head", "-"])
TEXT = st.lists(WORDS, max_size=120).map(" ".join)
SHORT = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)

STORY = st.builds(StoryLine, article_id=st.integers(0, 10**6), headline=TEXT, blurb=TEXT,
                  credits=st.lists(SHORT, max_size=3).map(tuple),
                  url=st.one_of(st.none(), st.just("https://example.com/a (1)"), st.just("javascript:alert(1)")))
BRIEF = st.builds(Brief, query=SHORT, label=TEXT, matched_by=st.just("topic"),
                  lead=st.lists(st.builds(BriefSentence, text=TEXT, article_id=st.just(1)), max_size=6).map(tuple),
                  stories=st.lists(STORY, max_size=30).map(tuple), more=st.integers(0, 50))
DIGEST = st.builds(Digest, title=TEXT, window_start=st.none(), window_end=st.just(datetime(2026, 1, 28, tzinfo=UTC)),
                   sections=st.lists(BRIEF, max_size=8).map(tuple), run_marker=SHORT)


def _assert_within_limits(messages: list[DiscordMessage]) -> None:
    for message in messages:
        assert message.content or message.embeds
        assert ulen(message.content or "") <= CONTENT_LIMIT
        assert len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in message.embeds) <= EMBED_TOTAL_LIMIT
        for embed in message.embeds:
            assert ulen(embed.title or "") <= TITLE_LIMIT
            assert ulen(embed.description or "") <= DESCRIPTION_LIMIT
            assert ulen(embed.footer.text or "") <= FOOTER_LIMIT


def _visible(messages: list[DiscordMessage]) -> str:
    parts = [m.content or "" for m in messages]
    parts += [(e.title or "") + (e.description or "") for m in messages for e in m.embeds]
    return "\n".join(parts)


@settings(max_examples=40, deadline=None)
@given(DIGEST, st.one_of(st.none(), TEXT))
def test_any_digest_renders_within_discords_limits_without_live_mentions(digest: Digest, note: str | None) -> None:
    messages = digest_messages(digest, note=note)

    _assert_within_limits(messages)
    text = _visible(messages)
    assert not re.search(r"(?<!\\)<[@#]", text)  # no mention syntax left unescaped
    assert "@everyone" not in text and "@here" not in text
    # every message carries the run marker, so find_digest can return all parts
    assert all(m.embeds[0].footer.text and f"{MARKER_PREFIX}{digest.run_marker}" in m.embeds[0].footer.text
               for m in messages)


@settings(max_examples=40, deadline=None)
@given(TEXT, st.lists(TEXT, max_size=30))
def test_text_replies_are_split_into_messages_of_at_most_2000(text: str, lines: list[str]) -> None:
    messages = text_messages(text, lines)
    _assert_within_limits(messages)
    assert "@everyone" not in _visible(messages)


def test_story_links_only_for_http_urls_and_cannot_break_out() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("ftp://example.com/x") is None
    assert safe_url("https://example.com/a (b)") == "https://example.com/a%20%28b%29"


def test_brackets_in_a_headline_cannot_close_the_link() -> None:
    assert clean_label("a [b] c") == "a \\[b\\] c"
    assert clean_label("[x](https://e.com)").count("\\[") == 1  # escaped once, not twice


def test_truncate_counts_like_discord_and_never_leaves_a_dangling_escape() -> None:
    assert ulen("😀") == 2
    assert ulen(truncate("😀" * 10, 7)) <= 7
    assert not truncate("abc\\\\\\*def", 5).rstrip("…").endswith("\\")


def test_markdown_and_mentions_are_escaped() -> None:
    assert clean("**bold** @everyone <@&123>") == "\\*\\*bold\\*\\* @\u200beveryone \\<@&123>"


def test_an_empty_digest_says_no_new_stories() -> None:
    [message] = digest_messages(Digest(title="Daily digest", window_start=None,
                                       window_end=datetime(2026, 1, 28, tzinfo=UTC), run_marker="r1"))
    assert message.embeds[0].title == "No new stories"
