"""Ingest dump files into the store: stream, fingerprint, tag topics, commit in ordered batches.

One bad file never stops the others: it comes back in the report with its name and the reason. Safe to
run twice, or in two processes at once: the fingerprint's unique index decides what is new. How a
file's stories commit (together up to a batch, then batch by batch with a checkpoint) is described in
:mod:`bot.ingest.dump_file` and docs/ingest.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.app.eventlog import event, quoted
from bot.app.metrics import dump_format
from bot.ingest.dump_file import BatchHook, IngestContext, ingest_file, store_articles
from bot.ingest.formats import DumpError, parse_bytes
from bot.ingest.parsed import RecordError
from bot.ingest.report import FileResult, FileStatus, IngestReport
from bot.ingest.revisions import RevisionFinder
from bot.ingest.story_assignment import SETTLE_WINDOW, settle_stories
from bot.ingest.story_cache import StoryCache
from bot.newsroom.topics import TopicSet, load_topics
from summarizer.models import Article

if TYPE_CHECKING:
    from bot.app.bootstrap import App

__all__ = ["FeedSettler", "FileResult", "FileStatus", "IngestReport", "collect_files", "ingest_paths",
           "parse_fetched", "store_parsed"]

log = logging.getLogger(__name__)

SKIPPED_SUFFIXES = (".tmp", ".part")  # files still being written (the inbox's write-then-rename rule)
SETTLE_EVERY = timedelta(minutes=5)  # feed-stored stories are settled at most this often per process


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


def store_parsed(app: App, topics: TopicSet, finder: RevisionFinder, name: str, articles: Sequence[Article],
                 problems: tuple[RecordError, ...] = (), *, guid_scope: str | None = None) -> FileResult:
    """Store one fetched feed's articles in one transaction (they are in memory already), then settle the
    stories of the last hour if this process's :class:`FeedSettler` says it is time."""
    ctx = IngestContext(app.sessions, topics, finder, busy_timeout=app.settings.database_busy_timeout,
                        guid_scope=guid_scope)  # a feed's guids are its own: two feeds' "1" are two items
    result = store_articles(ctx, name, articles, problems)
    app.feed_settler.stored(app, result.new)
    return result


class FeedSettler:
    """Settles the stories of feed-stored reports, at most once per ``every``, per process.

    A dump's ingest run settles once at its end. Feeds arrive a few items at a time from many
    sources, every few seconds: settling after each would redo up to 2,000 reports' links per feed.
    So a feed store that added stories marks a settle as due, and the first feed store (with or
    without new stories) once ``every`` has passed since the last settle runs it: a settle covers the
    last hour (SETTLE_WINDOW), so nothing stored between two settles is missed, and a busy poller
    costs one bounded settle (at most SETTLE_MAX reports) per ``every``. Stories are right as first
    assigned meanwhile; settling only makes them order-independent (docs/scale.md).
    """

    def __init__(self, every: timedelta = SETTLE_EVERY, clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.clock = every.total_seconds(), clock
        self._due = False
        self._last: float | None = None
        self._lock = threading.Lock()  # the poller stores feeds from worker threads

    def stored(self, app: App, new: int) -> bool:
        """Note a feed store that added ``new`` stories; settle if one is due and ``every`` has passed."""
        if new:
            self._due = True
        if not self._due or not self._lock.acquire(blocking=False):  # another thread is settling right now
            return False
        try:
            now = self.clock()
            if self._last is not None and now - self._last < self.every:
                return False
            self._due, self._last = False, now
            _settle(app)
            return True
        finally:
            self._lock.release()


def parse_fetched(data: bytes, *, name: str,
                  content_type: str | None = None) -> tuple[tuple[Article, ...], tuple[RecordError, ...]] | str:
    """A fetched feed's articles and record errors, or why none could be read (as for a file)."""
    try:
        parsed = parse_bytes(data, name=name, content_type=content_type)
    except DumpError as exc:
        return str(exc) or "unparseable feed"
    except Exception as exc:  # a parser bug on one feed must not stop the poller
        log.exception("parser failed on %s", quoted(name))
        return f"parser failed: {type(exc).__name__}: {exc}"
    rejected = [e for e in parsed.errors if e.kind == "rejected"]
    if not parsed.articles and rejected:  # a feed of non-stories only (headline-only flashes) is read fine
        return rejected[0].reason if len(rejected) == 1 else "no articles found"
    return parsed.articles, tuple(parsed.errors)


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
    if rejected := result.rejected_records:
        metrics.stories.labels(fmt, "rejected").inc(rejected)


def _with_progress(files: Sequence[Path], show: bool) -> Iterator[Path]:
    if not show or len(files) < 2:
        yield from files
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(files, description="Ingesting", total=len(files), transient=True,
                     console=Console(stderr=True))


def ingest_paths(app: App, paths: Iterable[Path | str], *, progress: bool = False,
                 hooks: Sequence[BatchHook] = ()) -> IngestReport:
    """Ingest files and directories; ``progress`` shows a bar on stderr (the CLI sets it on a terminal).

    ``hooks`` run inside each batch's transaction with the articles it newly stored.
    """
    started = time.perf_counter()
    files, results = collect_files(paths)
    ctx = IngestContext(app.sessions, load_topics(app.settings.config_dir), RevisionFinder(), hooks,
                        busy_timeout=app.settings.database_busy_timeout)
    for path in _with_progress(files, progress):
        result = ingest_file(ctx, path)
        # DEBUG: the caller reports each file once (the inbox's `ingest` event, the CLI's report).
        event(log, "ingest", level=logging.DEBUG, file=result.path, status=result.status, new=result.new,
              duplicates=result.duplicates, reason=result.reason or "-")
        _count(app, result)
        results.append(result)
    if any(r.new for r in results):
        _settle(app, ctx.stories)
    return IngestReport(tuple(results), seconds=time.perf_counter() - started)


def _settle(app: App, cache: StoryCache | None = None) -> None:
    """Settle the last hour's stories with the word statistics this run updated (see story_assignment).

    Stories were already assigned as each dump committed; this only refines them, so a failure (e.g.
    the database busy for too long) is logged and the run still succeeds.
    """
    try:
        with app.sessions.begin() as session:
            settle_stories(session, since=datetime.now(UTC) - SETTLE_WINDOW, cache=cache)
    except SQLAlchemyError as exc:
        log.warning("settling stories failed (they stay as first assigned): %s", exc)
