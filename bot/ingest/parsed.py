"""Result and error values of the dump parsers (re-exported by :mod:`bot.ingest.formats`)."""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.models import Article


@dataclass(frozen=True, slots=True)
class RecordError:
    """One rejected record of an otherwise usable dump; ``line`` is 1-based in the decoded file."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedDump:
    """What a dump yielded: the articles that loaded and the records that did not."""

    articles: tuple[Article, ...]
    errors: tuple[RecordError, ...] = ()


class DumpError(ValueError):
    """The whole file is unusable (empty, binary, invalid JSON, no article found...)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason.strip() or "unusable dump"
        super().__init__(self.reason)
