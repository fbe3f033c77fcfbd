"""One dump file into the store, streamed: parsed records go in ordered batches, each batch one transaction.

The guarantee users get (docs/ingest.md): a dump of up to ``BATCH_SIZE`` stories commits all together,
as one transaction. A longer one commits in ordered batches of ``BATCH_SIZE``; each batch commits
together with the file's checkpoint (how many records are done), so after a crash or a database outage
the next ingest of the same file (same bytes) resumes after the last committed batch, and the
fingerprint's unique index means no story is ever stored twice either way. Memory holds one batch and
the parser's window, whatever the file's size.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.app.eventlog import quoted
from bot.ingest.formats import DumpError, iter_dump
from bot.ingest.heap import release_free_memory
from bot.ingest.parsed import RecordError
from bot.ingest.report import REPORTED_ERRORS, REPORTED_IDS, FileResult, FileStatus
from bot.ingest.revisions import RevisionFinder
from bot.ingest.story_assignment import NewReport, assign_stories
from bot.ingest.story_cache import StoryCache
from bot.store.articles import ArticleRepository, fingerprint
from bot.store.checkpoints import Checkpoint, drop_checkpoint, load_checkpoint, save_checkpoint
from summarizer.models import Article

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.newsroom.topics import TopicSet

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # stories per transaction: big enough for multi-row inserts, small enough to hold
LOCK_PAUSE = 0.2  # seconds between tries when SQLite says "locked" at once (a WAL snapshot went stale)
REVISION_WINDOW = timedelta(days=3)  # how far back a re-sent story is compared with what we have
_HASH_BLOCK = 1 << 20

# Called inside each batch's transaction with the articles that batch newly stored (id, article).
BatchHook = Callable[[ArticleRepository, Sequence[tuple[int, Article]]], None]


@dataclass(slots=True)
class IngestContext:
    """What every file of one ingest run shares."""

    sessions: sessionmaker[Session]
    topics: TopicSet
    finder: RevisionFinder
    hooks: Sequence[BatchHook] = ()
    busy_timeout: float = 15.0  # settings.database_busy_timeout: how long a batch waits for a locked SQLite
    guid_scope: str | None = None  # the polled source the articles came from (its guids); None for files
    stories: StoryCache = field(default_factory=StoryCache)  # what story assignment keeps between batches


class _Locked(Exception):
    """Another process held SQLite's write lock for longer than the busy timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"database is locked by another process; gave up after {seconds:g} s "
                         "(database_busy_timeout)")


@dataclass(slots=True)
class _Tally:
    """A file's progress: restored from its checkpoint, advanced only when a batch has committed."""

    point: Checkpoint
    ids: list[int] = field(default_factory=list)

    def errors(self) -> tuple[RecordError, ...]:
        return tuple(RecordError(int(e[0]), str(e[1]), *e[2:4]) for e in self.point.errors)


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes: the same dump under another name resumes the same checkpoint."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _advanced(point: Checkpoint, records: int, errors: Sequence[RecordError], new: int, duplicates: int,
              superseded: Sequence[int]) -> Checkpoint:
    listed = [*point.errors, *((e.line, e.reason, e.kind, e.item) for e in errors)]
    return Checkpoint(
        records=records, new=point.new + new, duplicates=point.duplicates + duplicates,
        errors=listed[:REPORTED_ERRORS], unlisted_errors=point.unlisted_errors + max(0, len(listed) - REPORTED_ERRORS),
        superseded=[*point.superseded, *superseded][:REPORTED_IDS],
    )


def _store_batch(ctx: IngestContext, digest: str, name: str, tally: _Tally, batch: Sequence[Article],
                 errors: Sequence[RecordError], records: int, *, final: bool) -> None:
    """Commit one batch with the file's checkpoint (dropped with the final batch); then advance ``tally``."""
    now = datetime.now(UTC)
    try:
        with ctx.sessions.begin() as session:
            repo = ArticleRepository(session)
            results = repo.add_many(batch, ingested_at=now, guid_scope=ctx.guid_scope)
            created = [(r.id, a) for r, a in zip(results, batch, strict=True) if r.created]
            # Tag only new stories: a re-sent dump is mostly duplicates.
            repo.add_topics({i: ctx.topics.tag(a.title, [b.text for b in a.blocks]) for i, a in created},
                            ingested_at=now)
            superseded = ctx.finder.mark(repo, created, since=now - REVISION_WINDOW, guid_scope=ctx.guid_scope)
            # Stories are stored, not recomputed: the new articles join (or start) stories now.
            assign_stories(session, [NewReport.of(i, a, now) for i, a in created], cache=ctx.stories)
            for hook in ctx.hooks:
                hook(repo, created)
            point = _advanced(tally.point, records, errors, len(created), len(results) - len(created), superseded)
            if final:
                drop_checkpoint(session, digest)
            else:
                save_checkpoint(session, digest, name, point)
    except BaseException:
        ctx.finder.reset()  # its window may now name rows that were rolled back
        ctx.stories.reset()  # ... and so may the story cache
        raise
    tally.point = point
    room = REPORTED_IDS - len(tally.ids)
    tally.ids.extend(r.id for r in results[:room])


def _commit(ctx: IngestContext, digest: str, name: str, tally: _Tally, batch: Sequence[Article],
            errors: Sequence[RecordError], records: int, *, final: bool) -> None:
    """:func:`_store_batch`, retrying for about one busy timeout the "locked" errors SQLite returns at once.

    SQLite also waits up to the busy timeout inside each statement, so a batch gives up after about one
    busy timeout, not minutes.
    """
    deadline = time.monotonic() + ctx.busy_timeout
    while True:
        try:
            _store_batch(ctx, digest, name, tally, batch, errors, records, final=final)
            return
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            if time.monotonic() + LOCK_PAUSE >= deadline:
                raise _Locked(ctx.busy_timeout) from exc
            time.sleep(LOCK_PAUSE)


def _resolve_ids(ctx: IngestContext, tally: _Tally, articles: Sequence[Article]) -> None:
    """Ids of articles a previous, interrupted ingest stored (a resumed file still lists its ids)."""
    if not articles or len(tally.ids) >= REPORTED_IDS:
        return
    prints = [fingerprint(a) for a in articles]
    with ctx.sessions() as session:
        found = ArticleRepository(session).ids_for_fingerprints(prints)
    tally.ids.extend(found[p] for p in prints[: REPORTED_IDS - len(tally.ids)] if p in found)


def _result(path: Path, tally: _Tally, *, status: FileStatus | None = None, reason: str | None = None,
            extra: RecordError | None = None, retryable: bool = False) -> FileResult:
    point = tally.point
    errors = tally.errors() + ((extra,) if extra else ())
    stored = point.new + point.duplicates
    if status is None:  # skipped non-stories and warnings do not make a file partial
        status = "partial" if any(e.kind == "rejected" for e in errors) or point.unlisted_errors else "ok"
    return FileResult(str(path), status, new=point.new, duplicates=point.duplicates, article_ids=tuple(tally.ids),
                      superseded=tuple(point.superseded), reason=reason if status == "rejected" or not stored else None,
                      record_errors=errors, retryable=retryable, unlisted_errors=point.unlisted_errors)


def _stopped(path: Path, tally: _Tally, reason: str, *, retryable: bool = False) -> FileResult:
    """The file could not be finished: rejected if nothing of it is stored, otherwise partial."""
    if tally.point.new + tally.point.duplicates == 0:
        return _result(path, tally, status="rejected", reason=reason, retryable=retryable)
    if retryable:  # stored in part: the next scan resumes from the checkpoint
        return _result(path, tally, status="rejected", reason=reason, retryable=True)
    return _result(path, tally, extra=RecordError(0, f"the rest of the file was not stored: {reason}"))


def _parse_failure(path: Path, exc: Exception) -> str:
    if isinstance(exc, DumpError):
        return str(exc) or "unparseable dump"
    log.exception("parser failed on %s", quoted(str(path)))  # a parser bug on one file must not stop the others
    return f"parser failed: {type(exc).__name__}: {exc}"


def _stream(ctx: IngestContext, path: Path, digest: str, tally: _Tally) -> str | None:
    """Parse and store the records after the checkpoint; the parser's reason if it gave up, else None."""
    done = tally.point.records
    if done:
        log.info("ingest file=%s resumes after record %d", path, done)
    batch: list[Article] = []
    errors: list[RecordError] = []
    records, failure = 0, None
    try:
        items = iter_dump(path)
    except DumpError as exc:
        return _parse_failure(path, exc)
    while True:
        try:
            item = next(items, None)
        except Exception as exc:  # DumpError, or a parser bug
            failure = _parse_failure(path, exc)
            break
        if item is None:
            break
        records += 1
        if records <= done:  # committed before an interruption: only its id is wanted
            if isinstance(item, Article):
                batch.append(item)
            if len(batch) >= BATCH_SIZE or records == done:
                _resolve_ids(ctx, tally, batch)
                batch.clear()
            continue
        (errors if isinstance(item, RecordError) else batch).append(item)  # type: ignore[arg-type]
        if len(batch) >= BATCH_SIZE:
            _commit(ctx, digest, path.name, tally, batch, errors, records, final=False)
            batch, errors = [], []
            release_free_memory()  # what the batch freed goes back to the OS (bot.ingest.heap)
    if records < done:  # the file now ends before its checkpoint (cannot happen with the same bytes)
        _resolve_ids(ctx, tally, batch)
        batch = []
    stored_any = bool(batch) or tally.point.new + tally.point.duplicates > 0
    if failure is None or stored_any or tally.point.records:
        # The last batch, and the checkpoint goes: resuming a file the parser gave up on gains nothing.
        # A file of non-stories only (picture items) stored nothing but keeps its skip reasons.
        keep = stored_any or failure is None
        _commit(ctx, digest, path.name, tally, batch, errors if keep else [], records, final=True)
    return failure


def store_articles(ctx: IngestContext, name: str, articles: Sequence[Article],
                   problems: tuple[RecordError, ...] = ()) -> FileResult:
    """Store articles already in memory (one fetched feed) in one transaction, retrying a locked SQLite."""
    tally = _Tally(Checkpoint())
    try:
        _commit(ctx, "", name, tally, articles, problems, len(articles) + len(problems), final=True)
    except _Locked as exc:
        return FileResult(name, "rejected", retryable=True, reason=f"{exc}; nothing of it was stored, try again")
    except OperationalError as exc:
        return FileResult(name, "rejected", reason=f"database error: {exc.orig or exc}", retryable=True)
    except SQLAlchemyError as exc:
        log.exception("storing %s failed", quoted(name))
        return FileResult(name, "rejected", reason=f"database error: {type(exc).__name__}", retryable=True)
    except Exception as exc:  # e.g. a tagging bug on one odd article: this feed fails, the others go on
        log.exception("storing %s failed", quoted(name))
        return FileResult(name, "rejected", reason=f"could not store: {type(exc).__name__}: {exc}")
    return replace(_result(Path(name), tally), path=name)  # a URL is not a path: keep it as given


def ingest_file(ctx: IngestContext, path: Path) -> FileResult:
    """Stream ``path`` into the store in batches, resuming from its checkpoint; never raises for one file."""
    try:
        digest = file_digest(path)
    except OSError as exc:
        return FileResult(str(path), "rejected", reason=f"cannot read: {exc.strerror or exc}")
    tally = _Tally(Checkpoint())
    try:
        with ctx.sessions() as session:
            tally = _Tally(load_checkpoint(session, digest) or Checkpoint())
        failure = _stream(ctx, path, digest, tally)
    except _Locked as exc:
        stored = tally.point.new + tally.point.duplicates
        then = "the next try resumes after the last stored batch" if stored else "nothing of this file was stored"
        return _stopped(path, tally, f"{exc}; {then}, try again", retryable=True)
    except OperationalError as exc:
        return _stopped(path, tally, f"database error: {exc.orig or exc}", retryable=True)
    except SQLAlchemyError as exc:
        log.exception("storing %s failed", quoted(str(path)))
        return _stopped(path, tally, f"database error: {type(exc).__name__}", retryable=True)
    except Exception as exc:  # e.g. a tagging bug on one odd article: this file fails, the others go on
        log.exception("storing %s failed", quoted(str(path)))
        return _stopped(path, tally, f"could not store: {type(exc).__name__}: {exc}")
    if failure is not None:
        return _stopped(path, tally, failure)
    if not tally.point.new + tally.point.duplicates:
        skipped = [e for e in tally.errors() if e.kind == "skipped"]
        if skipped and all(e.kind != "rejected" for e in tally.errors()):
            # Only non-stories (a picture, a planning item, headline-only flashes): read fine, nothing to
            # store; the file is not bad input, so it is not moved to rejected/.
            return _result(path, tally, status="ok", reason=f"no stories: {_skip_summary(skipped)}")
        return _result(path, tally, status="rejected", reason="no articles found")
    return _result(path, tally)


def _skip_summary(skipped: Sequence[RecordError]) -> str:
    """'2 skipped (picture item, not a story; no text)': the distinct reasons, in order."""
    reasons = list(dict.fromkeys(e.reason for e in skipped))
    return f"{len(skipped)} skipped ({'; '.join(reasons[:3])}{'; ...' if len(reasons) > 3 else ''})"
