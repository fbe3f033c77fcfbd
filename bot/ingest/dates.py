"""Published times from feeds and wire formats: RFC 822/2822, ISO 8601 (basic and extended) and the
many dialects feeds use, with zones, to an aware UTC datetime. Unparseable values give None (the
story is kept, the caller reports the value)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# ISO 8601 basic date without a time ("20260130") or with a compact zone ("+0100") is left to fromisoformat;
# "2026-01-30 12:00:00 UTC" and "... GMT" are spelled out for it.
_ZONE_WORD = re.compile(r"\s*(?:UTC|GMT|Z)$", re.I)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_ISO_SHAPE = re.compile(r"^\d{4}-?\d{2}-?\d{2}(?:[T ]|$)")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(value: str) -> datetime | None:
    text = _FRACTION.sub(r"\1", value.replace("z", "Z"))
    if _ZONE_WORD.search(text) and not text.endswith("Z"):
        text = _ZONE_WORD.sub("+00:00", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _feed_dialects(value: str) -> datetime | None:
    """feedparser's date handlers (W3DTF, RFC 822 variants, Greek, Hungarian, Korean...)."""
    from feedparser.datetimes import _parse_date  # feedparser's own dispatcher; imported only when needed

    parsed = _parse_date(value)
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime for a date string in any format feeds and wire services use, else None.

    A time without a zone is taken as UTC (what wire services send); a date alone is midnight UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    # An ISO-shaped value that fromisoformat refuses ("2026-13-45") is wrong, not another dialect.
    parsers = (_iso,) if _ISO_SHAPE.match(text) else (_iso, _rfc2822, _feed_dialects)
    for parse in parsers:
        moment = parse(text)
        if moment is not None and 1900 <= moment.year <= 2200:
            return _aware(moment)
    return None
