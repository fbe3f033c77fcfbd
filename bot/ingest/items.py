"""One item of a feed or wire file, as every format parser hands it over, and its conversion to an Article.

The format parsers (RSS/Atom, NewsML-G2, NITF, NewsML 1.2, ninjs) only map fields; cleaning is shared:
titles lose markup, HTML bodies go through a real HTML parser, then the same body cleaning as dumps
(captions, credits, sign-offs out). A story is a headline with text: an item without either is skipped
with the reason, never stored half-empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.ingest.body import body_lines, build_body, lower_vocabulary
from bot.ingest.credits import agencies, split_credit, text_attributions
from bot.ingest.dates import parse_date
from bot.ingest.decode import clean_line
from bot.ingest.language import detect_language, language_tag
from bot.ingest.markup import html_to_text, inline_text, looks_like_html, strip_tags
from bot.ingest.parsed import HeadlineOnly, RecordError
from summarizer.models import Article, Block

Outcome = Article | RecordError


@dataclass(frozen=True, slots=True)
class WireItem:
    """An item's fields as its format gives them (markup and raw dates included)."""

    title: str | None
    html: str | None = None  # body as HTML (or XHTML/NITF markup serialised as HTML)
    text: str | None = None  # body as plain text (paragraphs separated by blank lines)
    summary: str | None = None  # description/abstract: the body when there is no other
    url: str | None = None
    published: str | datetime | None = None
    credit: str | None = None  # provider or agency ("Reuters", "dpa")
    byline: str | None = None  # "By Jane Doe"
    language: str | None = None
    guid: str | None = None
    captions: tuple[str, ...] = ()  # captions the format marks as such (dropped from the body if repeated)
    line: int = 0


def _web_url(value: str | None) -> str | None:
    """Only a web address is a URL (feedparser offers a non-permalink guid such as "urn:..." as the link)."""
    url = (value or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else None


def _label(item: WireItem, title: str) -> str:
    return item.guid or (f"{title[:60]!r}" if title else "untitled item")


def _published(item: WireItem, notes: list[RecordError], label: str) -> datetime | None:
    raw = item.published
    if raw is None or isinstance(raw, datetime):
        return raw
    moment = parse_date(raw)
    if moment is None and raw.strip():
        notes.append(RecordError(item.line, f"unparseable date {raw.strip()[:40]!r}: stored without a "
                                            "published time", "warning", label))
    return moment


def _body_text(item: WireItem) -> str:
    for value, is_html in ((item.html, True), (item.text, False), (item.summary, None)):
        if not value or not value.strip():
            continue
        # "Plain" bodies often carry HTML anyway: ANSA's text/plain inlineData holds <p> tags, NewsML 1.2
        # DataContent marked HTML, NTB's NITF paragraphs hold an escaped <div>/<script> embed.
        text = html_to_text(value) if is_html or looks_like_html(value) else value
        if text.strip():
            return text
    return ""


def _credits(item: WireItem, credit_line: str | None, paragraphs: list[str],
             sign_offs: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    if item.credit:
        names.extend(agencies(item.credit) or (clean_line(item.credit),))
    names.extend(agencies(item.byline or ""))
    names.extend(agencies(credit_line or ""))
    names.extend(text_attributions("\n".join(paragraphs)))
    names.extend(sign_offs)
    return tuple(dict.fromkeys(n for n in names if n))


def to_article(item: WireItem, *, name: str) -> Iterator[Outcome]:
    """The item's Article (and warnings), or a ``skipped`` RecordError saying why it is not a story."""
    title = strip_tags(clean_line(inline_text(item.title or "")))
    label = _label(item, title)
    if not title:
        yield RecordError(item.line, "no headline", "skipped", label)
        return
    text = strip_tags(_body_text(item))
    captions = [clean_line(inline_text(c)) for c in item.captions if c and c.strip()]
    body = build_body(body_lines(text.replace("\r\n", "\n").replace("\r", "\n")), title=title, captions=captions,
                      vocabulary=lower_vocabulary([text]))
    # Tags again after the body cleaning decoded entities: "&amp;lt;a href&amp;gt;" escaped twice.
    blocks = tuple(Block(b.kind, clean) for b in body.blocks if (clean := strip_tags(b.text)))
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    notes: list[RecordError] = []
    published = _published(item, notes, label)
    if not paragraphs:
        stub = Article(title=title, blocks=(), url=_web_url(item.url), published_at=published, source=name,
                       guid=(item.guid or "").strip() or None, language=language_tag(item.language),
                       credits=_credits(item, None, [], ()))
        yield HeadlineOnly(item.line, "no text", "skipped", label, article=stub)
        return
    caption_text, photo_credit = split_credit(captions[0]) if captions else (None, None)
    credit_line = clean_line(item.byline or item.credit or "") or photo_credit or (
        body.credit_lines[0] if body.credit_lines else None)
    language = language_tag(item.language) or detect_language(title, tuple(paragraphs))
    yield Article(
        title=title,
        blocks=blocks,
        caption=caption_text or None,
        credit_line=credit_line or None,
        credits=_credits(item, credit_line, paragraphs, body.sign_off_agencies),
        url=_web_url(item.url),
        published_at=published,
        source=name,
        guid=(item.guid or "").strip() or None,
        language=language,
    )
    yield from notes


def articles_of(items: Iterable[WireItem | RecordError], *, name: str) -> Iterator[Outcome]:
    """Convert a parser's stream of items (and the skips it already decided) into outcomes."""
    for item in items:
        if isinstance(item, RecordError):
            yield item
        else:
            yield from to_article(item, name=name)
