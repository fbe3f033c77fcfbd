"""Exactly-once digest delivery: what is due, claim, compose, post, mark; and recovery after a crash.

The rule (docs/delivery.md has the long form):

- A scheduled digest is claimed in ``digest_runs`` (unique per channel and local day) before anything
  is posted, and marked ``posted`` with the platform's message ids, the ``delivered`` rows and the new
  cursor in one transaction after.
- A claim older than ``stale_after`` belongs to a process that died between claim and mark: it becomes
  ``uncertain``. The poster is asked whether the run's marker is on the platform: found -> marked
  posted; certainly absent -> posted normally; the platform can't tell -> posted once with
  :data:`REPEAT_NOTE`, carrying only the stories that run had composed.
- A failed post is recorded (run ``failed``, ``channels.last_error``) and retried on the next tick,
  ``max_attempts`` times at most; its stories stay undelivered, so the next digest carries them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.app.eventlog import event
from bot.chat.ports import ChannelKey, Poster, PostError, PostReceipt
from bot.delivery.channels import ChannelConfig, ChannelRegistry
from bot.delivery.digest import BriefBuilder, Composition, compose_digest
from bot.delivery.digest_time import digest_instant, latest_occurrence, local_today
from bot.delivery.pass_cache import PassCache
from bot.delivery.runs import Claim, RunKind, RunLedger, Taken

if TYPE_CHECKING:
    from bot.app.bootstrap import App

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
WORKERS = 8  # digests composed and posted at once by one process on PostgreSQL (posting waits on the network)
STALE_AFTER = timedelta(minutes=10)  # far longer than composing and posting one digest ever takes
REPEAT_NOTE = "This may repeat an earlier digest: the service stopped while posting it."

Outcome = Literal["posted", "recovered", "skipped", "failed", "done", "busy", "exhausted", "empty"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one attempt at a channel's digest did; ``text`` is said to people (CLI, /digest now)."""

    channel: ChannelKey
    kind: RunKind
    local_date: date
    outcome: Outcome
    text: str
    stories: int = 0
    message_ids: tuple[str, ...] = ()
    composition: Composition | None = field(default=None, repr=False)


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Delivery:
    """Runs digests for every channel whose platform has a poster; all DB work in worker threads."""

    def __init__(self, app: App, registry: ChannelRegistry, posters: Mapping[str, Poster], *,
                 instance: str | None = None, brief_fn: BriefBuilder | None = None,
                 clock: Callable[[], datetime] | None = None, stale_after: timedelta = STALE_AFTER,
                 max_attempts: int = MAX_ATTEMPTS, workers: int | None = None) -> None:
        self.app = app
        # SQLite has one writer: digests overlapping there would trade their claims' lock waits for
        # "database is locked" (a read transaction cannot take the write lock once another committed).
        self.workers = workers or (1 if app.engine.dialect.name == "sqlite" else WORKERS)
        self._order = random.Random()
        self.registry = registry
        self.posters = posters  # looked up at run time: adapters may register after construction
        self.brief_fn = brief_fn
        self.clock = clock or (lambda: datetime.now(UTC))
        self.catch_up = timedelta(hours=app.settings.digest.catch_up_hours)
        self.ledger = RunLedger(app.sessions, instance=instance or default_instance(), stale_after=stale_after,
                                max_attempts=max_attempts)

    # -- what is due -----------------------------------------------------------------------------

    def due(self, now: datetime, only: ChannelKey | None = None) -> list[tuple[ChannelConfig, date]]:
        """Channels whose latest scheduled time has passed, within the catch-up window, run not done."""
        candidates: list[tuple[ChannelConfig, date, datetime]] = []
        for config in self.registry.all():
            if (only is not None and config.key != only) or not config.subscribed:
                continue
            if config.key.platform not in self.posters:
                continue  # that platform's adapter is not running in this process
            if config.row_id is None:  # first sight of a channels.toml channel: remember when that was
                self.registry.ensure_row(config.key)
                config = self.registry.get(config.key)
            day, instant = latest_occurrence(now, config.local_time, config.tz)
            if now - instant > self.catch_up:
                continue  # missed for too long: the next scheduled digest covers the gap
            if config.updated_at is not None and config.updated_at > instant:
                continue  # settings changed after that time: the new schedule starts with its next one
            candidates.append((config, day, instant))
        runs = self.ledger.daily_runs([c.row_id for c, _, _ in candidates if c.row_id is not None],
                                      {d for _, d, _ in candidates})
        due = []
        for config, day, instant in candidates:
            run = runs.get((config.row_id, day)) if config.row_id is not None else None
            never_served = run is None and config.covered_until is None
            if never_served and config.created_at is not None and instant < config.created_at:
                continue  # no catch-up for a time before this service knew the channel: it starts next time
            if self.ledger.is_due(run, now):
                due.append((config, day))
        return due

    async def tick(self, now: datetime | None = None, *, only: ChannelKey | None = None) -> list[RunOutcome]:
        """Recover dead claims, then run every due digest: what the scheduler's jobs call.

        One pass: the channels are read once, and the due digests are claimed and posted by at most
        ``workers`` at a time, in an order of this process's own (so replicas sharing a database start
        on different channels; the ledger gives each digest to one of them). The window's stories are
        read once for the whole pass (:mod:`bot.delivery.pass_cache`).
        """
        now = now or self.clock()
        outcomes = await self.recover(now, only=only)
        due = await asyncio.to_thread(self.due, now, only)
        self._order.shuffle(due)
        cache = PassCache()
        gate = asyncio.Semaphore(self.workers)

        async def one(config: ChannelConfig, day: date) -> RunOutcome:
            async with gate:
                outcome = await self._run(config.key, "daily", day, now=now, cache=cache)  # recovered above
            if outcome.outcome in ("posted", "empty", "failed"):  # this call ran it: how late was that?
                instant = digest_instant(day, config.local_time, config.tz)
                self.app.metrics.scheduler_lag.observe(max(0.0, (now - instant).total_seconds()))
            return outcome

        results = await asyncio.gather(*(one(config, day) for config, day in due), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        for failure in failures:  # one channel's database error must not cost the others their digest
            event(log, "error", level=logging.ERROR, where="tick", error=f"{type(failure).__name__}: {failure}")
        outcomes.extend(r for r in results if isinstance(r, RunOutcome))
        if failures:
            raise failures[0]
        return outcomes

    async def recover(self, now: datetime | None = None, *, only: ChannelKey | None = None) -> list[RunOutcome]:
        """Resolve runs left ``claimed`` by a dead process (the crash rule in the module docstring)."""
        now = now or self.clock()
        outcomes: list[RunOutcome] = []
        stale = await asyncio.to_thread(self.ledger.mark_stale_uncertain, now)
        if not stale:
            return outcomes
        keys = await asyncio.to_thread(self._keys_by_row)  # one read of the channels for all stale runs
        for run_id, channel_id in stale:
            key = keys.get(channel_id)
            if key is None or key.platform not in self.posters or (only is not None and key != only):
                continue  # only a process with that platform's poster can check; the run stays uncertain
            claim = await asyncio.to_thread(self.ledger.reclaim_uncertain, run_id, now)
            if isinstance(claim, Claim):
                outcomes.append(await self._deliver(key, claim, now))
        return outcomes

    def _keys_by_row(self) -> dict[int, ChannelKey]:
        return {c.row_id: c.key for c in self.registry.all() if c.row_id is not None}

    # -- one run ---------------------------------------------------------------------------------

    async def run(self, key: ChannelKey, kind: RunKind, local_date: date | None = None, *,
                  now: datetime | None = None, retry_exhausted: bool = False) -> RunOutcome:
        """Claim and deliver one digest: the channel's daily one for ``local_date``, or an extra one."""
        now = now or self.clock()
        await self.recover(now, only=key)  # an earlier run left by a dead process must be settled first
        return await self._run(key, kind, local_date, now=now, retry_exhausted=retry_exhausted)

    async def _run(self, key: ChannelKey, kind: RunKind, local_date: date | None, *,
                   now: datetime, retry_exhausted: bool = False, cache: PassCache | None = None) -> RunOutcome:
        """:meth:`run` after recovery has been done."""
        config = await asyncio.to_thread(self.registry.get, key)
        day = local_date or local_today(now, config.tz)
        channel_id = config.row_id if config.row_id is not None else await asyncio.to_thread(
            self.registry.ensure_row, key)
        claim = await asyncio.to_thread(self.ledger.claim, channel_id, kind, day, now,
                                        retry_exhausted=retry_exhausted)
        if isinstance(claim, Taken):
            return self._taken(key, kind, day, claim, config)
        return await self._deliver(key, claim, now, cache=cache)

    def _taken(self, key: ChannelKey, kind: RunKind, day: date, taken: Taken, config: ChannelConfig) -> RunOutcome:
        if taken.reason == "busy":
            text = "Another digest for this channel is being posted right now; try again in a minute."
        elif taken.reason == "exhausted":
            text = f"The digest for {day} failed {self.ledger.max_attempts} times; last error: {config.last_error}"
        else:
            when = f" at {taken.posted_at.astimezone(config.tz):%H:%M %Z}" if taken.posted_at else ""
            verb = "posted" if taken.status == "posted" else "done (nothing new to post)"
            text = f"Today's digest ({day}) was already {verb}{when}; nothing posted. Use --force to post again."
        return RunOutcome(key, kind, day, taken.reason, text)

    async def _deliver(self, key: ChannelKey, claim: Claim, now: datetime, *,
                       cache: PassCache | None = None) -> RunOutcome:
        config = await asyncio.to_thread(self.registry.get, key)
        poster = self.posters.get(key.platform)
        note: str | None = None
        if claim.uncertain and claim.article_ids is not None and poster is not None:
            receipt = await self._find(poster, key, claim.marker)
            if receipt is not None and receipt.message_ids:
                await asyncio.to_thread(self.ledger.finish, claim, "posted", self.clock(),
                                        article_ids=claim.article_ids, message_ids=receipt.message_ids)
                return self._log(key, claim, config, "recovered", len(claim.article_ids), receipt.message_ids,
                                 "Found the digest a crashed run had posted; marked it posted.")
            note = REPEAT_NOTE if receipt is None else None
        only = claim.article_ids if claim.uncertain else None
        try:
            composition = await asyncio.to_thread(
                compose_digest, self.app, config, window_end=claim.window_end, local_date=claim.local_date,
                marker=claim.marker, kind=claim.kind, brief_fn=self.brief_fn, only_ids=only, cache=cache)
        except Exception as exc:  # a failing summarizer must cost attempts, not leave the run claimed
            log.exception("composing the digest for %s failed", key)
            return await self._failed(key, claim, config, f"composing failed: {type(exc).__name__}: {exc}", True)
        window_start = config.covered_until
        await asyncio.to_thread(self.ledger.record_composition, claim, composition.article_ids,
                                composition.stories, window_start)
        if composition.empty and (claim.kind == "extra" or not config.post_empty):
            await asyncio.to_thread(self.ledger.finish, claim, "skipped", self.clock(),
                                    article_ids=composition.article_ids)
            text = "No new stories since the last digest; nothing posted."
            return self._log(key, claim, config, "empty", 0, (), text, composition)
        if poster is None:
            return await self._failed(key, claim, config, f"no {key.platform} adapter is running", True, composition)
        started = time.perf_counter()
        try:
            receipt = await poster.post_digest(key, composition.digest, note=note)
        except PostError as exc:
            return await self._failed(key, claim, config, exc.reason, exc.retryable, composition)
        except Exception as exc:  # an adapter bug must not leave the run claimed forever
            log.exception("posting the digest to %s failed", key)
            return await self._failed(key, claim, config, f"{type(exc).__name__}: {exc}", True, composition)
        self.app.metrics.post_seconds.labels(key.platform).observe(time.perf_counter() - started)
        await asyncio.to_thread(self.ledger.finish, claim, "posted", self.clock(),
                                article_ids=composition.article_ids, message_ids=receipt.message_ids)
        n = composition.stories
        text = f"Posted {n} {'story' if n == 1 else 'stories'} to {key}."
        text += " (flagged as a possible repeat)" if note else ""
        return self._log(key, claim, config, "posted", composition.stories, receipt.message_ids, text, composition)

    async def _find(self, poster: Poster, key: ChannelKey, marker: str) -> PostReceipt | None:
        try:
            return await poster.find_digest(key, marker)
        except Exception:  # a failed lookup means "can't tell", which the rule covers
            log.warning("find_digest failed for %s; treating as unknown", key, exc_info=True)
            return None

    async def _failed(self, key: ChannelKey, claim: Claim, config: ChannelConfig, reason: str, retryable: bool,
                      composition: Composition | None = None) -> RunOutcome:
        await asyncio.to_thread(self.ledger.fail, claim, reason, self.clock(), retryable=retryable)
        left = self.ledger.max_attempts - claim.attempt if retryable and claim.kind == "daily" else 0
        retry = f" Will retry on the next tick ({left} attempts left)." if left > 0 else ""
        stories = composition.stories if composition else 0
        return self._log(key, claim, config, "failed", stories, (), f"Posting failed: {reason}.{retry}",
                         composition, level=logging.WARNING, error=reason)

    def _log(self, key: ChannelKey, claim: Claim, config: ChannelConfig, outcome: Outcome, stories: int,
             message_ids: tuple[str, ...], text: str, composition: Composition | None = None, *,
             level: int = logging.INFO, error: str | None = None) -> RunOutcome:
        extra = {"error": error} if error else {}
        self.app.metrics.digests.labels(key.platform, outcome).inc()
        event(log, "digest_run", level=level, channel=str(key), kind=claim.kind, local_date=claim.local_date,
              window_start=config.covered_until or "-", window_end=claim.window_end, stories=stories,
              outcome=outcome, attempt=claim.attempt, run=claim.run_id, messages=",".join(message_ids) or "-",
              **extra)
        return RunOutcome(key, claim.kind, claim.local_date, outcome, text, stories, message_ids, composition)
