"""When to poll a source next: its interval after a success, exponential backoff with jitter after
failures (never disabled: retried at the cap for as long as it fails), never sooner than Retry-After."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from bot.app.timeutil import utc

BACKOFF_BASE = 300.0  # seconds before the first retry (or the interval, when that is shorter)


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Seconds a 429/503 asks us to wait: ``Retry-After: 120`` or an HTTP date; None when absent or bad."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (utc(when) - now).total_seconds())


def backoff_seconds(failures: int, every: float, *, cap: float, rng: random.Random) -> float:
    """Delay after ``failures`` consecutive failures (1 = the first): doubling from min(interval, 5 min)
    up to max(cap, interval), with "equal jitter" (half fixed, half random) so failing feeds spread out."""
    ceiling = max(cap, every)
    delay = min(ceiling, min(every, BACKOFF_BASE) * 2 ** min(failures - 1, 30))
    return delay / 2 + rng.uniform(0, delay / 2)


def next_poll(now: datetime, *, ok: bool, failures: int, every: float, cap: float, rng: random.Random,
              retry_after: float | None = None, max_retry_after: float = 86400.0) -> datetime:
    """The next poll time for a source that just succeeded (``ok``) or failed for the ``failures``-th time."""
    delay = float(every) if ok else backoff_seconds(failures, every, cap=cap, rng=rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, max_retry_after))
    return now + timedelta(seconds=delay)
