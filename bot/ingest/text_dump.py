"""Plain-text newsroom dumps: headline, caption (x2), ``TT``, headline and caption again, then the body.

See :mod:`bot.ingest.text_layout` for how story starts are found and :mod:`bot.ingest.body` for body
cleaning. Credits: the caption's photo credit comes first, then wires the body names as its source
(a dateline "KYIV (AP) —", "said AFP", "Reuters reported", "The Associated Press said") and agencies
in sign-offs; so a story with an EPA photo and "..., said AFP." has credits ("EPA", "AFP").
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from bot.ingest.body import Body, BodyLine, build_body, lower_vocabulary
from bot.ingest.credits import agencies, caption_date, split_credit, text_attributions
from bot.ingest.parsed import DumpError, ParsedDump, RecordError
from bot.ingest.text_layout import Line, Story, split_stories, to_lines
from bot.ingest.textutil import ends_sentence, words
from summarizer.models import Article

# A last story this much shorter than the file's other stories was cut off by the end of the dump.
_SHORT_RATIO = 0.25
_SHORT_WORDS = 150
_PREAMBLE_WORDS = 20


def _body_lines(lines: Sequence[Line]) -> list[BodyLine]:
    return [BodyLine(line.text, 0 if k == 0 else min(line.gap, 99)) for k, line in enumerate(lines)]


def _article(story: Story, body: Body, *, name: str) -> Article:
    captions = [*story.header.captions, *body.captions]
    caption_text: str | None = None
    credit_line: str | None = None
    if captions:
        caption_text, credit_line = split_credit(captions[0])
        caption_text = caption_text or None
    if credit_line is None and body.credit_lines:
        credit_line = body.credit_lines[0]
    paragraphs = [b.text for b in body.blocks if b.kind == "paragraph"]
    credits = (
        *agencies(credit_line or ""),
        *text_attributions("\n".join(paragraphs)),
        *body.sign_off_agencies,
    )
    return Article(
        title=story.header.title,
        blocks=body.blocks,
        caption=caption_text,
        credit_line=credit_line,
        credits=tuple(dict.fromkeys(credits)),
        caption_date=caption_date(captions[0]) if captions else None,
        source=name,
    )


def _looks_cut_off(last: Article, others: Sequence[Article]) -> bool:
    """The dump ended mid-story: unfinished last sentence or quote, or a stub far shorter than the rest."""
    text = last.paragraphs[-1]
    if not ends_sentence(text) or text.count('"') % 2 or text.count("“") > text.count("”"):
        return True
    size = len(words(last.body))
    if others:
        typical = statistics.median(len(words(a.body)) for a in others)
        return size < _SHORT_WORDS and size < typical * _SHORT_RATIO
    return False


def _is_preamble(first: Story) -> bool:
    """A few lines above the first real story ("World News" / "January 28, 2026"): not an article."""
    if first.header.strength:
        return False
    text = " ".join(line.text for line in first.body)
    return len(words(text)) < _PREAMBLE_WORDS and not any(ends_sentence(line.text) for line in first.body)


def parse_text(text: str, *, name: str) -> ParsedDump:
    """Parse a decoded plain-text dump into articles (one per story) and per-story errors."""
    lines = to_lines(text)
    orphans, stories = split_stories(lines)
    errors: list[RecordError] = []
    if orphans and len(orphans) > 1:
        errors.append(RecordError(orphans[0].no, "text before the first headline was skipped"))
    vocabulary = lower_vocabulary(line.text for line in lines)
    articles: list[Article] = []
    last_story_kept = False
    has_layout = any(story.header.strength for story in stories)
    for story in stories:
        last_story_kept = False
        if story is stories[0] and has_layout and _is_preamble(story):
            continue
        header_line = lines[story.header.start].no
        body = build_body(
            _body_lines(story.body), title=story.header.title, captions=story.header.captions, vocabulary=vocabulary
        )
        if not any(b.kind == "paragraph" for b in body.blocks):
            # A lone first line with nothing under it is a preamble ("World news, 28 January"), not a story.
            if story.header.strength or story.body or story is not stories[0]:
                errors.append(RecordError(header_line, f"story {story.header.title[:60]!r} has no body text"))
            continue
        articles.append(_article(story, body, name=name))
        last_story_kept = True
    if not articles:
        detail = "no headline followed by body text"
        if errors:
            detail = f"{len(errors)} story(ies) rejected; first at line {errors[0].line}: {errors[0].reason}"
        raise DumpError(f"no article found ({detail})")
    # Only the file's last story can have been cut off by the end of the dump.
    if last_story_kept and _looks_cut_off(articles[-1], articles[:-1]):
        articles[-1] = dataclasses.replace(articles[-1], truncated=True)
    return ParsedDump(tuple(articles), tuple(errors))
