"""Plain-text newsroom dumps: headline, caption (x2), ``TT``, headline and caption again, then the body.

See :mod:`bot.ingest.text_layout` for how story starts are found and :mod:`bot.ingest.body` for body
cleaning. Credits: the caption's photo credit comes first, then wires the body names as its source
(a dateline "KYIV (AP) —", "said AFP", "Reuters reported", "The Associated Press said") and agencies
in sign-offs; so a story with an EPA photo and "..., said AFP." has credits ("EPA", "AFP").
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.ingest.body import Body, BodyLine, build_body, lower_vocabulary
from bot.ingest.credits import agencies, caption_date, split_credit, text_attributions
from bot.ingest.parsed import DumpError, DumpSource, ParsedDump, ParseItem, RecordError, collect
from bot.ingest.text_layout import Line, LineReader, Story, split_stories
from bot.ingest.textutil import ends_sentence, words
from summarizer.models import Article

# A last story this much shorter than the file's other stories was cut off by the end of the dump.
_SHORT_RATIO = 0.25
_SHORT_WORDS = 150
_PREAMBLE_WORDS = 20
_RECENT_SIZES = 200  # stories a long dump's last story is compared with
# Lines per window when stories are split (a few megabytes of text); a window holding one story only
# grows, up to the second figure, before that story is cut.
_WINDOW_LINES = 20_000
_MAX_WINDOW_LINES = 320_000


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


def _looks_cut_off(last: Article, others: Sequence[int]) -> bool:
    """The dump ended mid-story: unfinished last sentence or quote, or a stub far shorter than the rest.

    ``others``: word counts of the stories before it (the recent ones in a long dump).
    """
    text = last.paragraphs[-1]
    if not ends_sentence(text) or text.count('"') % 2 or text.count("“") > text.count("”"):
        return True
    size = len(words(last.body))
    if others:
        return size < _SHORT_WORDS and size < statistics.median(others) * _SHORT_RATIO
    return False


def _is_preamble(first: Story) -> bool:
    """A few lines above the first real story ("World News" / "January 28, 2026"): not an article."""
    if first.header.strength:
        return False
    text = " ".join(line.text for line in first.body)
    return len(words(text)) < _PREAMBLE_WORDS and not any(ends_sentence(line.text) for line in first.body)


@dataclass(slots=True)
class _Progress:
    """What a long dump's earlier windows leave for the later ones (all of it bounded)."""

    name: str
    first_window: bool = True
    articles: int = 0
    errors: int = 0
    first_error: RecordError | None = None
    sizes: deque[int] = field(default_factory=lambda: deque(maxlen=_RECENT_SIZES))  # words per recent story

    def error(self, line: int, reason: str) -> RecordError:
        found = RecordError(line, reason)
        self.errors += 1
        self.first_error = self.first_error or found
        return found

    def article(self, article: Article) -> Article:
        self.articles += 1
        self.sizes.append(len(words(article.body)))
        return article


def _window_items(lines: Sequence[Line], orphans: Sequence[Line], stories: Sequence[Story],
                  progress: _Progress) -> Iterator[ParseItem]:
    """Articles and errors of the complete ``stories`` read from the window ``lines``, in file order."""
    if len(orphans) > 1:
        reason = ("text before the first headline was skipped" if progress.first_window
                  else f"a story longer than {_MAX_WINDOW_LINES} lines was cut; its end was skipped")
        yield progress.error(orphans[0].no, reason)
    vocabulary = lower_vocabulary(line.text for line in lines)
    has_layout = any(story.header.strength for story in stories)
    for k, story in enumerate(stories):
        first = k == 0 and progress.first_window
        if first and has_layout and _is_preamble(story):
            continue
        body = build_body(
            _body_lines(story.body), title=story.header.title, captions=story.header.captions, vocabulary=vocabulary
        )
        if not any(b.kind == "paragraph" for b in body.blocks):
            # A lone first line with nothing under it is a preamble ("World news, 28 January"), not a story.
            if story.header.strength or story.body or not first:
                header_line = lines[story.header.start].no
                yield progress.error(header_line, f"story {story.header.title[:60]!r} has no body text")
            continue
        yield _article(story, body, name=progress.name)
    progress.first_window = False


def _cut(stories: Sequence[Story]) -> int | None:
    """Where the window's last story starts, preferring a certain header: everything above is complete."""
    starts = [s.header.start for s in stories if s.header.start > 0]
    certain = [s.header.start for s in stories if s.header.start > 0 and s.header.strength == 2]
    chosen = certain or starts
    return chosen[-1] if chosen else None


def iter_text(source: DumpSource) -> Iterator[ParseItem]:
    """Parse a plain-text dump as it is read: articles (one per story) and per-story errors, in file order.

    Stories are found in windows of about ``_WINDOW_LINES`` lines; each window stops before its last
    certain story header, which starts the next one, so no story is split and memory stays bounded. A dump
    that fits in one window is parsed exactly as a whole (file-wide paragraph gaps and vocabulary).
    """
    progress = _Progress(source.name)
    reader = LineReader()
    window: list[Line] = []
    wanted = _WINDOW_LINES
    for chunk in source.text_chunks():
        window.extend(reader.feed(chunk))
        if len(window) < wanted:
            continue
        orphans, stories = split_stories(window)
        cut = _cut(stories)
        if cut is None and len(window) < _MAX_WINDOW_LINES:
            wanted = len(window) * 2  # one story fills the window so far: read on before splitting
            continue
        cut = cut or len(window)
        complete = [s for s in stories if s.header.start < cut]
        for item in _window_items(window[:cut], orphans, complete, progress):
            yield item if isinstance(item, RecordError) else progress.article(item)
        window, wanted = window[cut:], _WINDOW_LINES
    yield from _last_window(window, progress)
    if not progress.articles:
        detail = "no headline followed by body text"
        if progress.first_error:
            first = progress.first_error
            detail = f"{progress.errors} story(ies) rejected; first at line {first.line}: {first.reason}"
        raise DumpError(f"no article found ({detail})")


def _last_window(window: list[Line], progress: _Progress) -> Iterator[ParseItem]:
    """The file's end: only its last story can have been cut off by the end of the dump."""
    orphans, stories = split_stories(window)
    items = list(_window_items(window, orphans, stories, progress))
    last = len(items) - 1 if items and not isinstance(items[-1], RecordError) else None
    for k, item in enumerate(items):
        if isinstance(item, RecordError):
            yield item
            continue
        if k == last and _looks_cut_off(item, progress.sizes):
            item = dataclasses.replace(item, truncated=True)
        yield progress.article(item)


def parse_text(text: str, *, name: str) -> ParsedDump:
    """Parse a decoded plain-text dump held in memory (see :func:`iter_text`)."""
    return collect(iter_text(DumpSource.from_bytes(text.encode("utf-8"), name=name)))
