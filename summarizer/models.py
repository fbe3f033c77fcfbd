"""Value objects that cross the boundary between the bot and the summarizer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

BlockKind = Literal["paragraph", "subheading"]


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of an article body: a paragraph, or an in-body subheading kept as structure."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned story: captions, credits, markers and repeated headlines are never in ``blocks``."""

    title: str
    blocks: tuple[Block, ...]
    caption: str | None = None
    credit_line: str | None = None  # as printed, e.g. "REUTERS/Stringer/File Photo"
    credits: tuple[str, ...] = ()  # normalised agencies, e.g. ("Reuters",)
    caption_date: date | None = None
    url: str | None = None
    published_at: datetime | None = None
    source: str | None = None  # the dump file or feed it came from
    truncated: bool = False  # the dump ended mid-story
    guid: str | None = None  # the item's own id in a feed or wire format (RSS guid, Atom id, ninjs uri...)
    language: str | None = None  # ISO 639 code ("en", "de", "ru"), from the item or detected

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Body paragraphs only: subheadings are structure, not summary material."""
        return tuple(b.text for b in self.blocks if b.kind == "paragraph")

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Document:
    """Summarizer input: one article's text with the id that every picked sentence keeps."""

    id: str
    paragraphs: tuple[str, ...]
    title: str | None = None
    language: str | None = None  # ISO 639-1 ("de"); None: detected offline from the text


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document, traceable to it: whole, or in a multi-article brief under a words budget
    without its asides (``summarizer.trim``)."""

    text: str
    doc_id: str
    position: int  # index among the document's sentences, 0-based
    paragraph: int = 0
    language: str = "en"  # the rules it was split and is ranked by (its document's language)


@dataclass(frozen=True, slots=True)
class Summary:
    """Picked sentences in reading order."""

    sentences: tuple[Sentence, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)
