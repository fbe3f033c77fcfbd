"""UTC normalisation shared by the store, delivery and the CLI (SQLite hands timestamps back naive)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """:func:`utc`, passing None through."""
    return None if value is None else utc(value)
