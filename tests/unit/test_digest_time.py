"""Digest times across DST: wall-clock time kept, gap times shifted forward, ambiguous times taken once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.chat.ports import ChannelKey
from bot.delivery.channels import ChannelConfig
from bot.delivery.digest_time import digest_instant, latest_occurrence, next_occurrence
from bot.delivery.scheduler import cron_trigger

LONDON, NEW_YORK, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_0730_stays_0730_local_across_the_autumn_change() -> None:
    assert digest_instant(date(2026, 10, 24), time(7, 30), LONDON) == utc(2026, 10, 24, 6, 30)  # BST
    assert digest_instant(date(2026, 10, 25), time(7, 30), LONDON) == utc(2026, 10, 25, 7, 30)  # GMT


def test_0730_stays_0730_local_across_the_spring_change() -> None:
    assert digest_instant(date(2026, 3, 28), time(7, 30), LONDON) == utc(2026, 3, 28, 7, 30)
    assert digest_instant(date(2026, 3, 29), time(7, 30), LONDON) == utc(2026, 3, 29, 6, 30)


def test_a_time_in_the_spring_gap_is_shifted_forward_by_the_gap() -> None:
    instant = digest_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)  # 02:30 does not exist that day
    assert instant == utc(2026, 3, 8, 7, 30)
    assert instant.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_an_ambiguous_autumn_time_means_its_first_occurrence() -> None:
    instant = digest_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == utc(2026, 11, 1, 5, 30)
    assert instant.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_latest_and_next_occurrence_give_one_per_local_day_over_a_dst_week() -> None:
    now = utc(2026, 10, 28, 0, 0)
    seen = []
    for hour in range(0, 24 * 14):  # an hourly walk through both changes (London 25 Oct, New York 1 Nov)
        day, instant = latest_occurrence(now + timedelta(hours=hour), time(1, 30), NEW_YORK)
        if not seen or seen[-1] != (day, instant):
            seen.append((day, instant))
    days = [d for d, _ in seen]
    assert days == [date(2026, 10, 27) + timedelta(days=i) for i in range(15)]  # every local day once, none twice
    assert all(i.astimezone(NEW_YORK).strftime("%H:%M") == "01:30" for _, i in seen)
    fall_back = (date(2026, 11, 1), utc(2026, 11, 1, 5, 30))
    assert next_occurrence(utc(2026, 10, 31, 6, 0), time(1, 30), NEW_YORK) == fall_back
    assert latest_occurrence(utc(2026, 11, 1, 6, 30), time(1, 30), NEW_YORK) == fall_back  # the repeat: same day


def _fires(trigger: CronTrigger, start: datetime, until: datetime) -> list[datetime]:
    """Fire times as APScheduler's job loop asks for them (previous fire, then a moment after it)."""
    out: list[datetime] = []
    prev, now = None, start
    for _ in range(100):  # bounded: a trigger that stopped advancing fails the test instead of hanging it
        nxt = trigger.get_next_fire_time(prev, now)
        if nxt is None or nxt > until:
            return out
        out.append(nxt)
        prev, now = nxt, nxt.astimezone(UTC) + timedelta(milliseconds=500)
    raise AssertionError("cron trigger did not advance")


def _config(at: str, tz: str) -> ChannelConfig:
    return ChannelConfig(ChannelKey("console", "t", "c"), topics=("uk",), digest_time=at, timezone=tz)


def test_apscheduler_cron_fires_0730_london_local_every_day_across_both_changes() -> None:
    trigger = cron_trigger(_config("07:30", "Europe/London"))
    for start in (utc(2026, 3, 26), utc(2026, 10, 22)):
        fires = _fires(trigger, start, start + timedelta(days=6))
        assert len(fires) == 6
        assert [f.astimezone(LONDON).strftime("%H:%M") for f in fires] == ["07:30"] * 6
        assert len({f.astimezone(LONDON).date() for f in fires}) == 6  # no skipped or doubled day


def test_apscheduler_cron_in_the_spring_gap_fires_when_our_rule_says() -> None:
    fires = _fires(cron_trigger(_config("02:30", "America/New_York")), utc(2026, 3, 7), utc(2026, 3, 10))
    # 03:30 EDT: the same instant digest_instant gives
    assert utc(2026, 3, 8, 7, 30) in [f.astimezone(UTC) for f in fires]
    assert len(fires) == 3


def test_apscheduler_cron_may_fire_an_ambiguous_time_twice_which_the_run_ledger_absorbs() -> None:
    # Documented here so nobody relies on cron alone: on fall-back night APScheduler 3.x fires 01:30
    # both times. Delivery.due() uses digest_instant (first occurrence) and the (channel, local day)
    # claim, so the second fire finds the day's run done (covered in tests/integration/test_delivery.py).
    fires = _fires(cron_trigger(_config("01:30", "America/New_York")), utc(2026, 10, 31, 12), utc(2026, 11, 1, 12))
    assert [f.astimezone(UTC) for f in fires] == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)]
    assert {f.astimezone(NEW_YORK).date() for f in fires} == {date(2026, 11, 1)}


def test_tokyo_has_no_dst_and_fires_at_2200_utc_the_day_before() -> None:
    fires = _fires(cron_trigger(_config("07:00", "Asia/Tokyo")), utc(2026, 10, 24), utc(2026, 11, 3))
    assert all(f.astimezone(UTC).strftime("%H:%M") == "22:00" for f in fires) and len(fires) == 10
