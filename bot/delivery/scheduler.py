"""APScheduler wiring: one cron job per subscribed channel, a maintenance tick, the inbox and feed polls.

The cron jobs only make digests punctual. Correctness lives in :meth:`bot.delivery.runner.Delivery.tick`,
which the maintenance job also calls every ``tick_seconds``: it finds what is due from the database
(so a missed or skipped cron fire, a restart, or another replica's settings change is caught within
one tick) and the run ledger makes a second caller a no-op.

A cron job does not run its own channel's check: it asks for a **due pass** (:meth:`due_pass`). A pass
reads the channels once and posts every due digest with a bounded pool of workers; fires that arrive
while a pass runs are served by one more pass after it. So 1,000 channels due at 07:30 cost one or two
passes, not 1,000 reads of every channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.eventlog import event
from bot.chat.ports import ChannelKey
from bot.delivery.channels import ChannelConfig
from bot.delivery.runner import Delivery
from bot.sources.inbox import Inbox

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
JOB_PREFIX = "digest:"


class FeedPoller(Protocol):
    """What the scheduler needs from ``bot.sources.poller.Poller``."""

    async def start(self) -> None: ...
    async def poll_due(self) -> Any: ...
    async def close(self) -> None: ...


def cron_trigger(config: ChannelConfig) -> CronTrigger:
    """The channel's daily trigger, in its own timezone (APScheduler keeps 07:30 local across DST)."""
    at = config.local_time
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=config.tz)


class DigestScheduler:
    """Owns the AsyncIOScheduler of one ``newsdigest serve`` process."""

    def __init__(self, delivery: Delivery, *, inbox: Inbox | None = None, poll_seconds: float = 10.0,
                 tick_seconds: float = TICK_SECONDS, scheduler: AsyncIOScheduler | None = None,
                 clock: Callable[[], datetime] | None = None, feeds: FeedPoller | None = None,
                 feed_seconds: float = 15.0) -> None:
        self.delivery = delivery
        self.inbox = inbox
        self.poll_seconds = poll_seconds
        self.feeds = feeds
        self.feed_seconds = feed_seconds
        self.tick_seconds = tick_seconds
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._schedule: dict[ChannelKey, tuple[str, str, bool]] = {}
        self._pass_lock = asyncio.Lock()
        self._asked = self._served = 0  # due passes asked for / covered by a pass that started after
        self.passes = 0  # due passes run (for tests and the benchmark)

    async def start(self) -> None:
        """Start jobs; the first tick runs at once (recovery and catch-up on start).

        Dumps that landed while the service was down are ingested first, so a catch-up digest carries
        them: two scans back to back take every file whose size and mtime are unchanged and older
        than ``stable_seconds`` (a file still being written fails one or the other).
        """
        if self.inbox is not None:
            await self.scan_inbox()
            await self.scan_inbox()
        common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        self.scheduler.add_job(self.tick, IntervalTrigger(seconds=self.tick_seconds), id="tick",
                               next_run_time=self.clock(), **common)
        if self.inbox is not None:
            self.scheduler.add_job(self.scan_inbox, IntervalTrigger(seconds=self.poll_seconds), id="inbox",
                                   next_run_time=self.clock() + timedelta(seconds=1), **common)
        if self.feeds is not None:
            # Each source has its own next-poll time in the database; this job only looks for due ones.
            await self._guarded(self.feeds.start())
            self.scheduler.add_job(self.poll_feeds, IntervalTrigger(seconds=self.feed_seconds), id="feeds",
                                   next_run_time=self.clock() + timedelta(seconds=2), **common)
        await self.rebuild()
        self.scheduler.start()

    async def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.feeds is not None:
            await self._guarded(self.feeds.close())

    async def rebuild(self) -> None:
        """Re-read channel settings; add, replace or drop cron jobs whose time, zone or state changed."""
        configs = await asyncio.to_thread(self.delivery.registry.all)
        wanted = {c.key: c for c in configs if c.subscribed and c.key.platform in self.delivery.posters}
        for key in set(self._schedule) - set(wanted):
            self._remove(key)
        for key, config in wanted.items():
            if self._schedule.get(key) != config.schedule_key():
                self.scheduler.add_job(self.fire, cron_trigger(config), args=[key], id=f"{JOB_PREFIX}{key}",
                                       replace_existing=True, coalesce=True, max_instances=1,
                                       misfire_grace_time=int(self.delivery.catch_up.total_seconds()))
                self._schedule[key] = config.schedule_key()
                event(log, "schedule", channel=str(key), at=config.digest_time, timezone=config.timezone)

    def _remove(self, key: ChannelKey) -> None:
        job = self.scheduler.get_job(f"{JOB_PREFIX}{key}")
        if job is not None:
            job.remove()
        self._schedule.pop(key, None)
        event(log, "schedule", channel=str(key), at="-", timezone="-")

    async def fire(self, key: ChannelKey) -> None:
        """A channel's cron job: a due pass over all channels, shared with every fire of that moment."""
        await self._guarded(self.due_pass())

    async def due_pass(self) -> None:
        """Run :meth:`Delivery.tick` unless a pass that started after this call was made covers it."""
        self._asked += 1
        asked = self._asked
        async with self._pass_lock:
            if self._served >= asked:
                return  # a pass started after we asked: it saw everything due when we asked
            self._served = self._asked
            self.passes += 1
            await self.delivery.tick()

    async def tick(self) -> None:
        """The maintenance job: recovery, retries, catch-up, and settings changed elsewhere."""
        await self._guarded(self.due_pass())
        await self._guarded(self.rebuild())

    async def scan_inbox(self) -> None:
        if self.inbox is not None:
            await self._guarded(asyncio.to_thread(self.inbox.scan))

    async def poll_feeds(self) -> None:
        if self.feeds is not None:
            await self._guarded(self.feeds.poll_due())

    async def _guarded(self, work: Any) -> None:
        # A job that raises would only be logged by APScheduler without our fields; keep serving.
        try:
            await work
        except Exception as exc:
            event(log, "error", level=logging.ERROR, where="scheduler", error=f"{type(exc).__name__}: {exc}")
            log.debug("scheduler job failed", exc_info=True)

    def next_fire_times(self) -> dict[ChannelKey, datetime | None]:
        """When each channel's cron job fires next (as APScheduler computes it)."""
        out: dict[ChannelKey, datetime | None] = {}
        for key in self._schedule:
            job = self.scheduler.get_job(f"{JOB_PREFIX}{key}")
            out[key] = getattr(job, "next_run_time", None) if job is not None else None
        return out
