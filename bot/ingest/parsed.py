"""The parser contract: a dump comes in as a :class:`DumpSource`, stories go out one at a time.

Every format's parser is a generator ``(DumpSource) -> Iterator[Article | RecordError]``: it yields each
article as soon as it has read it and each rejected record where it was found, so a dump of any size is
parsed in bounded memory. It raises :class:`DumpError` when the file as a whole is unusable (before
anything was yielded, the file stored nothing; later, the file ends there). :func:`collect` gathers a
stream into a :class:`ParsedDump` for small inputs and tests.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from summarizer.models import Article

RecordKind = Literal["rejected", "skipped", "warning"]


@dataclass(frozen=True, slots=True)
class RecordError:
    """One record of an otherwise usable dump that did not load as it was, with the reason.

    ``kind``: ``rejected`` (a broken record: lost), ``skipped`` (not a story: a picture item, a package,
    a headline without text) or ``warning`` (stored, but something was dropped, e.g. an unparseable
    date). ``line`` is 1-based in the decoded file (0 when the format gives no line); ``item`` names the
    item when the format has ids (an RSS guid, a NewsML-G2 guid).
    """

    line: int
    reason: str
    kind: RecordKind = "rejected"
    item: str | None = None


@dataclass(frozen=True, slots=True)
class HeadlineOnly(RecordError):
    """A feed item with a headline and no text: skipped ("no text") like any non-story, but it keeps the
    item as far as it goes (title, url, guid, date; no blocks) so that a ``full_text`` source's poller can
    fetch its page and store it after all."""

    article: Article | None = None


ParseItem = Article | RecordError


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


@dataclass(frozen=True, slots=True)
class DumpSource:
    """A dump to parse: its file name (the format hint and the articles' ``source``) and its bytes.

    Parsers call :meth:`open` (binary, for formats that decode themselves, such as XML) or
    :meth:`text_chunks` (decoded, normalised text in pieces that end at line breaks).
    """

    name: str
    opener: Callable[[], BinaryIO]
    content_type: str | None = None  # a fetched document's HTTP Content-Type (its charset outranks the file's)

    @classmethod
    def from_path(cls, path: Path) -> DumpSource:
        from bot.ingest.decode import readable_name  # a non-UTF-8 file name becomes storable text

        return cls(readable_name(path.name), lambda: path.open("rb"))

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str, content_type: str | None = None) -> DumpSource:
        return cls(name, lambda: io.BytesIO(data), content_type)

    def open(self) -> BinaryIO:
        return self.opener()

    def text_chunks(self) -> Iterator[str]:
        from bot.ingest.decode import text_chunks

        with self.open() as stream:
            yield from text_chunks(stream)


Parser = Callable[[DumpSource], Iterator[ParseItem]]


def collect(items: Iterable[ParseItem]) -> ParsedDump:
    """All of a stream at once (DumpError propagates): for small dumps, tests and benchmarks."""
    articles: list[Article] = []
    errors: list[RecordError] = []
    for item in items:
        (errors if isinstance(item, RecordError) else articles).append(item)  # type: ignore[arg-type]
    return ParsedDump(tuple(articles), tuple(errors))
