"""When a channel's digest is due, in UTC, for a given local day: the DST rules in one place.

- A digest time keeps its wall-clock time across DST changes: 07:30 is 07:30 local all year.
- A time that does not exist that day (the spring-forward gap, e.g. 02:30 in New York on the second
  Sunday of March) is shifted forward by the length of the gap (03:30 local): the day still gets its
  digest, a little late, never skipped.
- A time that happens twice (the autumn fall-back, e.g. 01:30 in New York on the first Sunday of
  November) means its first occurrence; the repeat finds the day's run already done.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def digest_instant(local_date: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on ``local_date`` in ``tz``, by the rules above."""
    # fold=0 picks the first of two ambiguous instants; for a time inside a gap, PEP 495 maps fold=0
    # with the offset in force before the change, which lands exactly one gap-length later on the wall.
    return datetime.combine(local_date, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def latest_occurrence(now: datetime, at: time, tz: ZoneInfo) -> tuple[date, datetime]:
    """The most recent (local date, UTC instant) of the daily time at or before ``now``."""
    local_day = now.astimezone(tz).date()
    instant = digest_instant(local_day, at, tz)
    if instant > now:
        local_day -= timedelta(days=1)
        instant = digest_instant(local_day, at, tz)
    return local_day, instant


def next_occurrence(now: datetime, at: time, tz: ZoneInfo) -> tuple[date, datetime]:
    """The next (local date, UTC instant) of the daily time strictly after ``now``."""
    local_day, _ = latest_occurrence(now, at, tz)
    local_day += timedelta(days=1)
    return local_day, digest_instant(local_day, at, tz)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()
