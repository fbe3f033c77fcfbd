"""Feed polling: claim the sources that are due, fetch them, ingest new items, record what happened.

Each tick a replica leases the due sources in the database (:meth:`SourceRegistry.claim_due`), so with
several ``serve`` replicas on one PostgreSQL database a feed is fetched by one of them per interval.
Every fetch logs one ``fetch`` event line and updates the source's row, which ``newsdigest sources``,
``/digest settings`` and the dashboard read. Time comes from an injectable clock (tests drive it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from bot.app.eventlog import event
from bot.app.settings import SourcesSettings
from bot.ingest.parsed import HeadlineOnly
from bot.ingest.revisions import RevisionFinder
from bot.ingest.service import FileResult, parse_fetched, store_parsed
from bot.sources.backoff import next_poll, retry_after_seconds
from bot.sources.fetcher import FEED_ACCEPT, Fetcher, FetchResult
from bot.sources.fulltext import fill_full_text
from bot.sources.registry import FetchRecord, SourceRegistry, SourceState
from bot.store.articles import ArticleRepository

if TYPE_CHECKING:
    from bot.app.bootstrap import App

log = logging.getLogger(__name__)

MAX_RECENT_TOPICS = 24
RECORD_RETRIES = 5
SHUTDOWN_GRACE = 10.0  # seconds polls in flight may take to finish when serve stops


def replica_id() -> str:
    """Who holds a lease: host, process and a random suffix (two pollers in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """One source's poll, as logged and recorded."""

    source: SourceState
    fetch: FetchResult
    ok: bool
    new: int
    duplicates: int
    next_poll_at: datetime
    error: str | None = None


class Poller:
    """Polls due sources for one process; ``poll_due`` is the scheduler's job."""

    def __init__(self, app: App, registry: SourceRegistry, *, settings: SourcesSettings | None = None,
                 fetcher: Fetcher | None = None, clock: Callable[[], datetime] | None = None,
                 rng: random.Random | None = None, owner: str | None = None) -> None:
        self.app = app
        self.registry = registry
        self.settings = settings or app.settings.sources
        s = self.settings
        self.fetcher = fetcher or Fetcher(timeout=s.timeout_seconds, max_bytes=s.max_bytes, per_host=s.per_host,
                                          concurrency=s.concurrency, contact=s.contact)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self.owner = owner or replica_id()
        self.finder = RevisionFinder()
        # SQLite has one writer: feeds storing side by side would only take turns in its busy-wait
        # (sleeping between tries), so this process lets one store at a time there.
        self._stores = asyncio.Semaphore(1 if app.engine.dialect.name == "sqlite" else 4)
        # A lease outlives a slow fetch plus the full-text pages behind it; a crashed replica's expires.
        self.lease = timedelta(seconds=max(300.0, s.timeout_seconds * 4))
        self._inflight: set[asyncio.Task[PollOutcome]] = set()
        self.retry_pause = 0.5  # seconds before recording again after "database is locked" (grows per try)

    async def start(self) -> None:
        """Bring the database in line with sources.toml (rows for new file sources)."""
        await asyncio.to_thread(self.registry.sync_file, self.clock())

    async def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Let polls in flight finish for up to ``grace`` seconds, cancel the rest (their leases are given
        back, nothing is counted as a failure), then close the HTTP session."""
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.fetcher.close()

    async def poll_due(self) -> list[PollOutcome]:
        """Claim and poll every source due now (up to ``batch``), concurrently."""
        now = self.clock()
        due = await asyncio.to_thread(self.registry.claim_due, self.owner, now, lease=self.lease,
                                      limit=self.settings.batch)
        tasks = [asyncio.create_task(self.poll(source)) for source in due]
        self._inflight.update(tasks)
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            self._inflight.difference_update(tasks)

    async def poll(self, source: SourceState) -> PollOutcome:
        """Fetch one (claimed) source, ingest what is new, record and log the outcome; never raises."""
        try:
            fetched = await self.fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified,
                                               accept=FEED_ACCEPT)
            result: FileResult | None = None
            error = fetched.error
            if fetched.status == "ok":
                result = await self._ingest(source, fetched)
                if result.status == "rejected":
                    error = f"feed unreadable: {result.reason}"
            ok = error is None
            topics = await asyncio.to_thread(self._topics, result) if result and result.article_ids else None
        except asyncio.CancelledError:  # shutting down: not the source's fault; let another replica have it
            with contextlib.suppress(Exception):
                self.registry.release(source.row_id, self.owner)
            raise
        except Exception as exc:  # a bug must not stop the other sources, nor leave the lease held
            log.exception("polling %s failed", source.url)
            fetched = FetchResult("error", source.url, error=f"internal: {type(exc).__name__}: {exc}")
            result, ok, error, topics = None, False, fetched.error, None
        return await self._record(source, fetched, result, ok, error, topics)

    async def _ingest(self, source: SourceState, fetched: FetchResult) -> FileResult:
        name = source.key_url
        parsed = await asyncio.to_thread(parse_fetched, fetched.body, name=name, content_type=fetched.content_type)
        if isinstance(parsed, str):
            return FileResult(name, "rejected", reason=parsed)
        articles, problems = parsed
        known = 0
        if source.full_text:
            stubs = [p.article for p in problems if isinstance(p, HeadlineOnly) and p.article and p.article.url]
            filled, report = await fill_full_text(articles, self.fetcher, self.app.sessions,
                                                  limit=self.settings.full_text_pages, stubs=stubs)
            articles, known = tuple(filled), report.known
            problems = tuple(p for p in problems if not (
                isinstance(p, HeadlineOnly) and p.article and p.article.url in report.resolved))
            event(log, "full_text", source=source.key_url, pages=report.pages, filled=report.filled,
                  failed=report.failed, known=report.known)
        async with self._stores:
            result = await asyncio.to_thread(store_parsed, self.app, self.app.topics, self.finder, name, articles,
                                             problems, guid_scope=source.key_url)
        return replace(result, duplicates=result.duplicates + known) if known else result

    def _topics(self, result: FileResult) -> list[str]:
        """Topics of the feed's current stories: what "this source feeds" means for /digest settings."""
        with self.app.sessions() as session:
            by_article = ArticleRepository(session).topics_for(result.article_ids)
        counts: dict[str, int] = {}
        for topics in by_article.values():
            for topic in topics:
                counts[topic] = counts.get(topic, 0) + 1
        return sorted(counts, key=lambda t: (-counts[t], t))[:MAX_RECENT_TOPICS]

    async def _record(self, source: SourceState, fetched: FetchResult, result: FileResult | None, ok: bool,
                      error: str | None, topics: list[str] | None) -> PollOutcome:
        now = self.clock()
        failures = 0 if ok else source.consecutive_failures + 1
        wait = retry_after_seconds(fetched.retry_after, now) if fetched.http_status in (429, 503) else None
        when = next_poll(now, ok=ok, failures=failures, every=source.every, cap=self.settings.max_backoff_seconds,
                         rng=self.rng, retry_after=wait, max_retry_after=self.settings.max_retry_after_seconds)
        new = result.new if result else 0
        status = fetched.label if error is None or fetched.status == "error" else "unreadable"
        record = FetchRecord(
            fetched_at=now, status=status, ok=ok, next_poll_at=when, error=error, new_items=new,
            url=fetched.moved_to, etag=fetched.etag if fetched.status == "ok" else None,
            last_modified=fetched.last_modified if fetched.status == "ok" else None, recent_topics=topics)
        await self._save(source, record)
        dupes = result.duplicates if result else 0
        self._count(source, fetched, result, ok)
        event(log, "fetch", level=logging.INFO if ok else logging.WARNING, source=source.key_url,
              status=status, new=new, duplicates=dupes, bytes=len(fetched.body), failures=failures,
              next_poll=when, moved_to=fetched.moved_to or "-", error=error or "-")
        return PollOutcome(source, fetched, ok, new, dupes, when, error)

    async def _save(self, source: SourceState, record: FetchRecord) -> None:
        """Record a poll, waiting out a busy SQLite writer (an inbox dump or another feed being stored)."""
        for attempt in range(RECORD_RETRIES):
            try:
                async with self._stores:
                    await asyncio.to_thread(self.registry.record, source.row_id, self.owner, record)
                return
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == RECORD_RETRIES - 1:
                    failure: Exception = exc
                    break
                await asyncio.sleep(self.retry_pause * (attempt + 1))
            except Exception as exc:
                failure = exc
                break
        # The database is down: the lease expires and a replica polls the source again.
        event(log, "error", level=logging.ERROR, where=f"record {source.key_url}",
              error=f"{type(failure).__name__}: {str(failure).splitlines()[0]}")

    def _count(self, source: SourceState, fetched: FetchResult, result: FileResult | None, ok: bool) -> None:
        """Prometheus: the poll's outcome per source (ok, not_modified, error, rejected) and its stories."""
        metrics = self.app.metrics
        outcome = fetched.status if ok or fetched.status == "error" else "rejected"
        metrics.source_fetches.labels(source.key_url, outcome).inc()
        if result is not None:
            for label, n in (("new", result.new), ("duplicate", result.duplicates),
                             ("rejected", result.rejected_records)):
                if n:
                    metrics.stories.labels("feed", label).inc(n)
