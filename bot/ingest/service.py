"""Ingest dump files into the store: parse, fingerprint, tag topics, commit each dump in one transaction.

One bad file never stops the others: it comes back in the report with its name and the reason. Safe to
run twice, or in two processes at once: the fingerprint's unique index decides what is new.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.app.eventlog import event, quoted
from bot.app.metrics import dump_format
from bot.ingest.formats import DumpError, RecordError, parse_bytes, parse_dump
from bot.ingest.revisions import RevisionFinder
from bot.newsroom.topics import TopicSet, load_topics
from bot.store.articles import ArticleRepository
from summarizer.models import Article

if TYPE_CHECKING:
    from bot.app.bootstrap import App

log = logging.getLogger(__name__)

SKIPPED_SUFFIXES = (".tmp", ".part")  # files still being written (the inbox's write-then-rename rule)
LOCK_PAUSE = 0.2  # seconds between tries when SQLite says "locked" at once (a WAL snapshot went stale)
REVISION_WINDOW = timedelta(days=3)  # how far back a re-sent story is compared with what we have

FileStatus = Literal["ok", "partial", "rejected"]


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one file: ``rejected`` files stored nothing; ``partial`` ones lost some records."""

    path: str
    status: FileStatus
    new: int = 0
    duplicates: int = 0
    article_ids: tuple[int, ...] = ()  # stored ids of every article in the file, new or already there
    superseded: tuple[int, ...] = ()  # older versions this file's revisions replaced
    reason: str | None = None
    record_errors: tuple[RecordError, ...] = ()
    retryable: bool = False  # the file was fine but the database was not: try again later, don't reject it

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status, "new": self.new, "duplicates": self.duplicates,
            "article_ids": list(self.article_ids), "superseded": list(self.superseded), "reason": self.reason,
            "retryable": self.retryable,
            "record_errors": [{"line": e.line, "reason": e.reason} for e in self.record_errors],
        }


@dataclass(frozen=True, slots=True)
class IngestReport:
    """Totals and per-file results of one ``ingest_paths`` call."""

    results: tuple[FileResult, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def files(self) -> int:
        return len(self.results)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicates for r in self.results)

    @property
    def rejected(self) -> int:
        """Files that stored nothing because they were unreadable or unparseable."""
        return sum(r.status == "rejected" for r in self.results)

    @property
    def rejected_records(self) -> int:
        """Single records (e.g. a JSONL line without a title) rejected inside otherwise good files."""
        return sum(len(r.record_errors) for r in self.results)

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.rejected_records == 0

    @property
    def article_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(i for r in self.results for i in r.article_ids))

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "new": self.new, "duplicates": self.duplicates, "rejected": self.rejected,
            "rejected_records": self.rejected_records, "seconds": round(self.seconds, 3),
            "results": [r.to_dict() for r in self.results],
        }


def _skipped(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(p.startswith(".") for p in parts) or path.name.endswith(SKIPPED_SUFFIXES)


def collect_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[FileResult]]:
    """Expand directories (recursively, sorted, without dot-files or partial files); report missing paths."""
    files: list[Path] = []
    missing: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not _skipped(p, path))
        elif path.is_file():
            files.append(path)  # named explicitly: taken even if it looks temporary
        else:
            missing.append(FileResult(str(path), "rejected", reason="no such file or directory"))
    return list(dict.fromkeys(files)), missing


def _parse(path: Path) -> tuple[tuple[Article, ...], tuple[RecordError, ...]] | str:
    """The file's articles and record errors, or the reason the whole file is unusable."""
    try:
        parsed = parse_dump(path)
    except DumpError as exc:
        return str(exc) or "unparseable dump"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # a parser bug on one file must not stop the others
        log.exception("parser failed on %s", quoted(str(path)))
        return f"parser failed: {type(exc).__name__}: {exc}"
    problems = tuple(parsed.errors)
    if not parsed.articles:
        return problems[0].reason if len(problems) == 1 else "no articles found"
    return parsed.articles, problems


def _store(app: App, topics: TopicSet, finder: RevisionFinder,
           articles: Sequence[Article]) -> tuple[list[int], int, list[int]]:
    """Add one dump's articles in one transaction: (ids in file order, how many new, superseded ids)."""
    now = datetime.now(UTC)
    try:
        with app.sessions.begin() as session:
            repo = ArticleRepository(session)
            ids: list[int] = []
            created: list[tuple[int, Article]] = []
            for article in articles:
                result = repo.add(article, ingested_at=now)
                ids.append(result.id)
                if result.created:  # tag only new stories: a re-sent dump is mostly duplicates
                    repo.set_topics(result.id, topics.tag(article.title, [b.text for b in article.blocks]))
                    created.append((result.id, article))
            superseded = finder.mark(repo, created, since=now - REVISION_WINDOW)
    except BaseException:
        finder.reset()  # its index may now name rows that were rolled back
        raise
    return ids, len(created), superseded


def _ingest_file(app: App, topics: TopicSet, finder: RevisionFinder, path: Path) -> FileResult:
    parsed = _parse(path)
    if isinstance(parsed, str):
        return FileResult(str(path), "rejected", reason=parsed)
    articles, problems = parsed
    return store_parsed(app, topics, finder, str(path), articles, problems)


def store_parsed(app: App, topics: TopicSet, finder: RevisionFinder, name: str, articles: Sequence[Article],
                 problems: tuple[RecordError, ...] = ()) -> FileResult:
    """Store one file's (or one fetched feed's) articles in one transaction, retrying a locked SQLite.

    SQLite waits up to the busy timeout inside each statement; the loop only covers the "locked" errors
    it returns at once. Either way the file gives up after about one busy timeout, not minutes.
    """
    timeout = app.settings.database_busy_timeout
    deadline = time.monotonic() + timeout
    while True:
        try:
            ids, new, superseded = _store(app, topics, finder, articles)
            break
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                return FileResult(name, "rejected", reason=f"database error: {exc.orig or exc}", retryable=True)
            if time.monotonic() + LOCK_PAUSE >= deadline:
                return FileResult(name, "rejected", retryable=True, reason=(
                    f"database is locked by another process; gave up after {timeout:g} s "
                    "(database_busy_timeout); nothing of this file was stored, try again"))
            time.sleep(LOCK_PAUSE)
        except SQLAlchemyError as exc:
            log.exception("storing %s failed", quoted(name))
            return FileResult(name, "rejected", reason=f"database error: {type(exc).__name__}", retryable=True)
        except Exception as exc:  # e.g. a tagging bug on one odd article: this file fails, the others go on
            log.exception("storing %s failed", quoted(name))
            return FileResult(name, "rejected", reason=f"could not store: {type(exc).__name__}: {exc}")
    status: FileStatus = "partial" if problems else "ok"
    return FileResult(name, status, new=new, duplicates=len(ids) - new, article_ids=tuple(ids),
                      superseded=tuple(superseded), record_errors=problems)


def _count(app: App, result: FileResult) -> None:
    """Stories new / duplicate / rejected by format, and files by outcome (a retried file is not counted)."""
    if result.retryable:
        return
    metrics = app.metrics
    fmt = dump_format(result.path)
    metrics.files.labels(result.status).inc()
    if result.new:
        metrics.stories.labels(fmt, "new").inc(result.new)
    if result.duplicates:
        metrics.stories.labels(fmt, "duplicate").inc(result.duplicates)
    if result.record_errors:
        metrics.stories.labels(fmt, "rejected").inc(len(result.record_errors))


def parse_fetched(data: bytes, *, name: str,
                  content_type: str | None = None) -> tuple[tuple[Article, ...], tuple[RecordError, ...]] | str:
    """A fetched feed's articles and record errors, or why none could be read (as for a file)."""
    try:
        parsed = parse_bytes(data, name=name)
    except DumpError as exc:
        return str(exc) or "unparseable feed"
    except Exception as exc:  # a parser bug on one feed must not stop the poller
        log.exception("parser failed on %s", quoted(name))
        return f"parser failed: {type(exc).__name__}: {exc}"
    if not parsed.articles:
        return parsed.errors[0].reason if len(parsed.errors) == 1 else "no articles found"
    return parsed.articles, tuple(parsed.errors)


def _with_progress(files: Sequence[Path], show: bool) -> Iterator[Path]:
    if not show or len(files) < 2:
        yield from files
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(files, description="Ingesting", total=len(files), transient=True,
                     console=Console(stderr=True))


def ingest_paths(app: App, paths: Iterable[Path | str], *, progress: bool = False) -> IngestReport:
    """Ingest files and directories; ``progress`` shows a bar on stderr (the CLI sets it on a terminal)."""
    started = time.perf_counter()
    files, results = collect_files(paths)
    topics = load_topics(app.settings.config_dir)
    finder = RevisionFinder()
    for path in _with_progress(files, progress):
        result = _ingest_file(app, topics, finder, path)
        # DEBUG: the caller reports each file once (the inbox's `ingest` event, the CLI's report).
        event(log, "ingest", level=logging.DEBUG, file=result.path, status=result.status, new=result.new,
              duplicates=result.duplicates, reason=result.reason or "-")
        _count(app, result)
        results.append(result)
    return IngestReport(tuple(results), seconds=time.perf_counter() - started)
