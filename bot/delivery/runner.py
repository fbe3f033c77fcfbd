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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.app.eventlog import event
from bot.chat.ports import ChannelKey, Poster, PostError, PostReceipt
from bot.delivery.channels import ChannelConfig, ChannelRegistry
from bot.delivery.digest import BriefBuilder, Composition, compose_digest, window_floor
from bot.delivery.digest_time import digest_instant, latest_occurrence, local_today
from bot.delivery.pass_cache import PassCache
from bot.delivery.runs import Claim, RunKind, RunLedger, Taken

if TYPE_CHECKING:
    from bot.app.bootstrap import App

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
WORKERS = 8  # digests composed and posted at once by one process on PostgreSQL (posting waits on the network)
BATCH = 100  # due digests claimed, composed and marked together in a pass (one transaction per step)
BATCHES_IN_FLIGHT = 2  # on PostgreSQL: one batch composing while another's marks are written
POST_WORKERS = 8  # posts in flight at once in a batch (each waits on the platform, not on this process)
STALE_AFTER = timedelta(minutes=10)  # far longer than composing and posting one digest ever takes
REPEAT_NOTE = "This may repeat an earlier digest: the service stopped while posting it."
EMPTY_TEXT = "No new stories since the last digest; nothing posted."


def _skips_empty(composition: Composition, claim: Claim, config: ChannelConfig) -> bool:
    """An empty digest is posted only when the channel asked for that (``post_empty``), and never for
    an extra run (`/digest now`, ``--force``): that one answers its caller instead."""
    return composition.empty and (claim.kind == "extra" or not config.post_empty)


def _posted_text(stories: int, key: ChannelKey) -> str:
    return f"Posted {stories} {'story' if stories == 1 else 'stories'} to {key}."

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

        One pass: the channels are read once, and the due digests go in batches of :data:`BATCH`
        (:meth:`_batch`), in an order of this process's own (so replicas sharing a database start on
        different channels; the ledger gives each digest to one of them). The window's stories are
        read and each topic's brief ranked once for the whole pass (:mod:`bot.delivery.pass_cache`).
        """
        now = now or self.clock()
        outcomes = await self.recover(now, only=only)
        due = await asyncio.to_thread(self.due, now, only)
        self._order.shuffle(due)
        cache = PassCache()
        failures: list[BaseException] = []
        # On PostgreSQL a second batch composes while the first one's marks (a few hundred thousand
        # `delivered` rows) are written by the server; SQLite has one writer, so one batch at a time.
        gate = asyncio.Semaphore(1 if self.app.engine.dialect.name == "sqlite" else BATCHES_IN_FLIGHT)

        async def batch(part: list[tuple[ChannelConfig, date]]) -> tuple[list[RunOutcome], list[BaseException]]:
            async with gate:
                return await self._batch(part, now, cache)

        for done, failed in await asyncio.gather(*(batch(due[i:i + BATCH]) for i in range(0, len(due), BATCH))):
            outcomes.extend(done)
            failures.extend(failed)
        for failure in failures:  # one channel's database error must not cost the others their digest
            event(log, "error", level=logging.ERROR, where="tick", error=f"{type(failure).__name__}: {failure}")
        if failures:
            raise failures[0]
        return outcomes

    def _lag(self, outcome: RunOutcome, config: ChannelConfig, day: date, now: datetime) -> None:
        if outcome.outcome in ("posted", "empty", "failed"):  # this call ran it: how late was that?
            instant = digest_instant(day, config.local_time, config.tz)
            self.app.metrics.scheduler_lag.observe(max(0.0, (now - instant).total_seconds()))

    async def _one_by_one(self, due: list[tuple[ChannelConfig, date]], now: datetime,
                          cache: PassCache) -> tuple[list[RunOutcome], list[BaseException]]:
        """Each channel in its own transactions, ``workers`` at a time (a batch that could not commit)."""
        gate = asyncio.Semaphore(self.workers)

        async def one(config: ChannelConfig, day: date) -> RunOutcome:
            async with gate:
                outcome = await self._run(config.key, "daily", day, now=now, cache=cache)  # recovered above
            self._lag(outcome, config, day, now)
            return outcome

        results = await asyncio.gather(*(one(config, day) for config, day in due), return_exceptions=True)
        return [r for r in results if isinstance(r, RunOutcome)], [r for r in results if isinstance(r, BaseException)]

    async def _batch(self, due: list[tuple[ChannelConfig, date]], now: datetime,
                     cache: PassCache) -> tuple[list[RunOutcome], list[BaseException]]:
        """Claim, compose, post and mark a batch of due daily digests: the per-channel rule of
        :meth:`_run` and :meth:`_deliver`, with each step's database writes for the whole batch in one
        transaction (on SQLite a commit per channel and step cost more than composing the digest).

        Posts go out ``POST_WORKERS`` at a time (a chat platform answers in tens of milliseconds). A
        claim that may already have been posted (``uncertain``) takes the one-channel path, and so
        does every channel of a batch whose claim transaction fails.
        """
        wanted = [(c.row_id, d) for c, d in due if c.row_id is not None]
        by_row = {c.row_id: (c, d) for c, d in due if c.row_id is not None}
        try:
            claims = await asyncio.to_thread(self.ledger.claim_daily_many, wanted, now)
        except Exception:
            log.warning("claiming a batch of %d digests failed; one channel at a time", len(due), exc_info=True)
            return await self._one_by_one(due, now, cache)
        outcomes: list[RunOutcome] = []
        failures: list[BaseException] = []
        claimed = [c for c, x in claims.items() if isinstance(x, Claim)]
        fresh = await asyncio.to_thread(self.registry.by_row_ids, claimed)  # as of the claim, under its lock
        mine: list[tuple[ChannelConfig, Claim]] = []
        for row_id, claim in claims.items():
            config, day = by_row[row_id]
            if isinstance(claim, Taken):
                outcomes.append(self._taken(config.key, "daily", day, claim, fresh.get(row_id, config)))
            elif claim.uncertain or row_id not in fresh:
                try:
                    outcome = await self._deliver(config.key, claim, now, cache=cache)
                except Exception as exc:
                    failures.append(exc)
                    continue
                self._lag(outcome, config, day, now)
                outcomes.append(outcome)
            else:
                mine.append((fresh[row_id], claim))
        done, failed = await self._deliver_batch(mine, now, cache)
        for result, (config, claim) in zip(done, mine, strict=True):
            if result is not None:
                self._lag(result, config, claim.local_date, now)
                outcomes.append(result)
        return outcomes, failures + failed

    def _compose_all(self, mine: list[tuple[ChannelConfig, Claim]],
                     cache: PassCache) -> list[Composition | Exception]:
        out: list[Composition | Exception] = []
        try:  # the batch's per-channel reads at once; what this misses, each channel reads for itself
            with self.app.sessions() as session:
                cache.prefetch(session, [(claim.channel_id, window_floor(config.covered_until, claim.window_end),
                                          claim.window_end, config.topics) for config, claim in mine])
        except Exception:
            log.warning("prefetching a batch's deliveries failed; reading per channel", exc_info=True)
        for config, claim in mine:
            try:
                out.append(compose_digest(self.app, config, window_end=claim.window_end, local_date=claim.local_date,
                                          marker=claim.marker, kind=claim.kind, brief_fn=self.brief_fn, cache=cache))
            except Exception as exc:  # a failing summarizer must cost attempts, not leave the run claimed
                log.exception("composing the digest for %s failed", config.key)
                out.append(exc)
        return out

    async def _deliver_batch(self, mine: list[tuple[ChannelConfig, Claim]], now: datetime,
                             cache: PassCache) -> tuple[list[RunOutcome | None], list[BaseException]]:
        """:meth:`_deliver` for claims that are certainly not posted yet; one outcome per claim (None: the
        post raised what is not an Exception, as when the process dies; it is in the failures)."""
        composed = await asyncio.to_thread(self._compose_all, mine, cache)
        await asyncio.to_thread(self.ledger.record_compositions, [
            (claim, c.article_ids, c.stories, config.covered_until, c.sentences)
            for (config, claim), c in zip(mine, composed, strict=True) if isinstance(c, Composition)])
        gate = asyncio.Semaphore(POST_WORKERS)

        async def post(config: ChannelConfig, composition: Composition) -> PostReceipt | BaseException:
            poster = self.posters[config.key.platform]
            async with gate:
                started = time.perf_counter()
                try:
                    receipt = await poster.post_digest(config.key, composition.digest, note=None)
                except BaseException as exc:  # sorted below: PostError, an adapter bug, or a dying process
                    return exc
                self.app.metrics.post_seconds.labels(config.key.platform).observe(time.perf_counter() - started)
                return receipt

        jobs: dict[int, asyncio.Task[PostReceipt | BaseException]] = {}
        for i, ((config, claim), c) in enumerate(zip(mine, composed, strict=True)):
            if (isinstance(c, Composition) and not _skips_empty(c, claim, config)
                    and config.key.platform in self.posters):
                jobs[i] = asyncio.ensure_future(post(config, c))
        receipts = {i: await job for i, job in jobs.items()}
        outcomes: list[RunOutcome | None] = [None] * len(mine)
        finished: list[tuple[Claim, Literal["posted", "skipped"], Collection[int], Collection[str]]] = []
        failures: list[BaseException] = []
        later: list[tuple[int, str, bool]] = []  # failed runs: (index, reason, retryable)
        for i, ((config, claim), c) in enumerate(zip(mine, composed, strict=True)):
            key = config.key
            if isinstance(c, Exception):
                later.append((i, f"composing failed: {type(c).__name__}: {c}", True))
            elif i in receipts:
                got = receipts[i]
                if isinstance(got, PostError):
                    later.append((i, got.reason, got.retryable))
                elif isinstance(got, Exception):
                    log.error("posting the digest to %s failed", key, exc_info=got)
                    later.append((i, f"{type(got).__name__}: {got}", True))
                elif isinstance(got, BaseException):
                    failures.append(got)  # nothing is recorded for it, as when the process dies there
                else:
                    finished.append((claim, "posted", c.article_ids, got.message_ids))
                    outcomes[i] = self._log(key, claim, config, "posted", c.stories, got.message_ids,
                                            _posted_text(c.stories, key), c)
            elif _skips_empty(c, claim, config):
                finished.append((claim, "skipped", c.article_ids, ()))
                outcomes[i] = self._log(key, claim, config, "empty", 0, (), EMPTY_TEXT, c)
            else:
                later.append((i, f"no {key.platform} adapter is running", True))
        try:
            await asyncio.to_thread(self.ledger.finish_many, finished, self.clock())
        except Exception:  # one run's row must not cost the others their mark: each on its own
            log.warning("marking a batch of %d digests failed; one at a time", len(finished), exc_info=True)
            for claim, status, articles, messages in finished:
                try:
                    await asyncio.to_thread(self.ledger.finish, claim, status, self.clock(),
                                            article_ids=articles, message_ids=messages)
                except Exception as exc:
                    failures.append(exc)
        for i, reason, retryable in later:
            config, claim = mine[i]
            c = composed[i]
            outcomes[i] = await self._failed(config.key, claim, config, reason, retryable,
                                             c if isinstance(c, Composition) else None)
        return outcomes, failures

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
                                composition.stories, window_start, sentences=composition.sentences)
        if _skips_empty(composition, claim, config):
            await asyncio.to_thread(self.ledger.finish, claim, "skipped", self.clock(),
                                    article_ids=composition.article_ids)
            return self._log(key, claim, config, "empty", 0, (), EMPTY_TEXT, composition)
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
        text = _posted_text(composition.stories, key) + (" (flagged as a possible repeat)" if note else "")
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
