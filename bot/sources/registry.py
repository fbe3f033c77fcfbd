"""Sources in the database: what to poll, each feed's fetch state, and the lease that lets one replica
fetch a feed while the others skip it.

Rows come from config/sources.toml (``origin = "file"``, made by :meth:`SourceRegistry.sync_file`) or
from the CLI (``cli``, ``opml``). A file source dropped from the file becomes ``file-gone`` and is not
polled; one removed from the CLI is kept with ``removed = true`` so the next sync does not revive it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.errors import UserError
from bot.app.timeutil import utc_or_none
from bot.sources.config import DEFAULT_EVERY, SourceDefaults
from bot.store.models import SourceRow

GONE = "file-gone"


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source's effective settings (database over file over defaults) and its fetch state."""

    row_id: int
    key_url: str
    url: str
    name: str | None
    origin: str
    every: int
    full_text: bool
    removed: bool
    etag: str | None
    last_modified: str | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    items_taken: int
    items_total: int
    recent_topics: tuple[str, ...]
    next_poll_at: datetime | None
    lease_until: datetime | None

    @property
    def active(self) -> bool:
        """Polled by serve: not removed from the CLI nor dropped from sources.toml."""
        return not self.removed and self.origin != GONE

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    @property
    def label(self) -> str:
        return self.name or self.key_url


def _state(row: SourceRow, defaults: SourceDefaults | None) -> SourceState:
    file = defaults.sources.get(row.key_url) if defaults else None
    every = row.every_seconds or (file.every if file and file.every else None) or (
        defaults.every if defaults else DEFAULT_EVERY)
    full_text = row.full_text if row.full_text is not None else (
        file.full_text if file and file.full_text is not None else (defaults.full_text if defaults else False))
    return SourceState(
        row_id=row.id, key_url=row.key_url, url=row.url, name=row.name or (file.name if file else None),
        origin=row.origin, every=every, full_text=full_text, removed=bool(row.removed), etag=row.etag,
        last_modified=row.last_modified, last_fetch_at=utc_or_none(row.last_fetch_at),
        last_success_at=utc_or_none(row.last_success_at), last_status=row.last_status, last_error=row.last_error,
        consecutive_failures=row.consecutive_failures or 0, items_taken=row.items_taken or 0,
        items_total=row.items_total or 0, recent_topics=tuple(row.recent_topics or ()),
        next_poll_at=utc_or_none(row.next_poll_at), lease_until=utc_or_none(row.lease_until))


def list_sources(session: Session, defaults: SourceDefaults | None = None, *,
                 include_inactive: bool = True) -> list[SourceState]:
    """Every stored source with its state, by URL (the dashboard's and the CLI's read)."""
    states = [_state(r, defaults) for r in session.scalars(select(SourceRow).order_by(SourceRow.key_url))]
    return [s for s in states if include_inactive or s.active]


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """What one poll changes on a source's row (``None`` keeps a column as it is)."""

    fetched_at: datetime
    status: str
    ok: bool
    next_poll_at: datetime
    error: str | None = None
    new_items: int = 0
    url: str | None = None  # a permanent redirect's target
    etag: str | None = None
    last_modified: str | None = None
    recent_topics: Sequence[str] | None = None


class SourceRegistry:
    """Reads and changes sources (sync: async callers use ``asyncio.to_thread``)."""

    def __init__(self, sessions: sessionmaker[Session], defaults: SourceDefaults) -> None:
        self.sessions = sessions
        self.defaults = defaults

    def all(self, *, include_inactive: bool = True) -> list[SourceState]:
        with self.sessions() as session:
            return list_sources(session, self.defaults, include_inactive=include_inactive)

    def find(self, url: str) -> SourceState | None:
        """The source configured as ``url`` or now fetched from it."""
        with self.sessions() as session:
            row = _find(session, url)
            return _state(row, self.defaults) if row else None

    def sync_file(self, now: datetime | None = None) -> None:
        """Make a row for every source in sources.toml; mark file rows the file no longer lists."""
        now = now or datetime.now(UTC)
        wanted = self.defaults.sources
        with self.sessions.begin() as session:
            rows = {r.key_url: r for r in session.scalars(
                select(SourceRow).where(SourceRow.origin.in_(("file", GONE)) | SourceRow.key_url.in_(list(wanted))))}
            for key, row in rows.items():
                if row.origin == "file" and key not in wanted:
                    row.origin = GONE
                elif row.origin == GONE and key in wanted:
                    row.origin = "file"
        for key in wanted.keys() - rows.keys():
            try:
                with self.sessions.begin() as session:
                    session.add(_new_row(key, "file", now))
            except IntegrityError:  # another replica made it first
                continue

    def add(self, url: str, *, every: int | None = None, full_text: bool | None = None, name: str | None = None,
            origin: str = "cli", now: datetime | None = None) -> tuple[SourceState, bool]:
        """Add a source (or update the settings of a known one); True when it is new."""
        now = now or datetime.now(UTC)
        with self.sessions.begin() as session:
            row = _find(session, url)
            created = row is None
            if row is None:
                row = _new_row(url, origin, now)
                session.add(row)
            elif row.removed or row.origin == GONE:
                row.removed = False
                row.origin = "file" if url in self.defaults.sources else origin
                row.next_poll_at = now
            if every is not None:
                row.every_seconds = every
            if full_text is not None:
                row.full_text = full_text
            if name:
                row.name = name
            session.flush()
            return _state(row, self.defaults), created

    def remove(self, url: str) -> SourceState:
        """Stop polling a source: delete a CLI one, mark a sources.toml one removed (the file would revive it)."""
        with self.sessions.begin() as session:
            row = _find(session, url)
            if row is None or row.removed:
                raise UserError(f"no source {url!r}: `newsdigest sources` lists them")
            state = _state(row, self.defaults)
            if row.key_url in self.defaults.sources:
                row.removed = True
                row.lease_owner = row.lease_until = None
            else:
                session.execute(delete(SourceRow).where(SourceRow.id == row.id))
            return state

    def claim_due(self, owner: str, now: datetime, *, lease: timedelta, limit: int) -> list[SourceState]:
        """Lease up to ``limit`` due sources to ``owner``: no other replica claims them until the lease ends.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets replicas claim side by side without waiting; the
        UPDATE re-checks the lease so a row is never handed out twice (SQLite serialises writers anyway).
        """
        free = or_(SourceRow.lease_until.is_(None), SourceRow.lease_until < now)
        due = (SourceRow.removed == false()) & (SourceRow.origin != GONE) & (SourceRow.next_poll_at <= now) & free
        with self.sessions.begin() as session:
            ids = list(session.scalars(select(SourceRow.id).where(due).order_by(SourceRow.next_poll_at)
                                       .limit(limit).with_for_update(skip_locked=True)))
            if not ids:
                return []
            claimed = list(session.scalars(
                update(SourceRow).where(SourceRow.id.in_(ids), due)
                .values(lease_owner=owner, lease_until=now + lease).returning(SourceRow.id)))
            rows = session.scalars(select(SourceRow).where(SourceRow.id.in_(claimed))
                                   .order_by(SourceRow.next_poll_at)).all()
            return [_state(r, self.defaults) for r in rows]

    def make_due(self, now: datetime | None = None) -> None:
        """Every active source is due now (``newsdigest sources poll --all``); backoff starts over."""
        with self.sessions.begin() as session:
            session.execute(update(SourceRow).where(SourceRow.removed == false(), SourceRow.origin != GONE)
                            .values(next_poll_at=now or datetime.now(UTC)))

    def release(self, row_id: int, owner: str) -> None:
        """Give a lease back without a fetch (e.g. on shutdown)."""
        with self.sessions.begin() as session:
            session.execute(update(SourceRow).where(SourceRow.id == row_id, SourceRow.lease_owner == owner)
                            .values(lease_owner=None, lease_until=None))

    def record(self, row_id: int, owner: str, rec: FetchRecord) -> None:
        """Store a poll's outcome and end the lease."""
        values: dict[str, Any] = {
            "last_fetch_at": rec.fetched_at, "last_status": rec.status, "next_poll_at": rec.next_poll_at,
            "lease_owner": None, "lease_until": None,
        }
        if rec.ok:
            values.update(last_success_at=rec.fetched_at, last_error=None, consecutive_failures=0,
                          items_taken=rec.new_items, items_total=SourceRow.items_total + rec.new_items)
        else:
            values.update(last_error=rec.error, consecutive_failures=SourceRow.consecutive_failures + 1)
        for column in ("url", "etag", "last_modified"):
            if getattr(rec, column) is not None:
                values[column] = getattr(rec, column)
        if rec.recent_topics is not None:
            values["recent_topics"] = list(rec.recent_topics)
        with self.sessions.begin() as session:
            session.execute(update(SourceRow).where(SourceRow.id == row_id).values(**values))


def failing_sources(session: Session, topics: Iterable[str],
                    defaults: SourceDefaults | None = None) -> list[SourceState]:
    """Active failing sources whose recent stories carry one of ``topics``, or that never delivered a
    tagged story (what they feed is unknown, so they are shown to everyone)."""
    wanted = set(topics)
    rows = session.scalars(select(SourceRow).where(
        SourceRow.consecutive_failures > 0, SourceRow.removed == false(), SourceRow.origin != GONE)
        .order_by(SourceRow.key_url))
    states = [_state(r, defaults) for r in rows]
    return [s for s in states if not s.recent_topics or wanted & set(s.recent_topics)]


def _new_row(url: str, origin: str, now: datetime) -> SourceRow:
    return SourceRow(key_url=url, url=url, origin=origin, created_at=now, next_poll_at=now,
                     consecutive_failures=0, items_taken=0, items_total=0, removed=False)


def _find(session: Session, url: str) -> SourceRow | None:
    rows = session.scalars(select(SourceRow).where(or_(SourceRow.key_url == url, SourceRow.url == url))).all()
    exact = [r for r in rows if r.key_url == url]
    return (exact or list(rows))[0] if rows else None
