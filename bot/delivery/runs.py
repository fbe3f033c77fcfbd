"""The digest-run ledger (sync SQL): claim a run before posting, mark it posted, failed or skipped after.

Every write transaction starts by touching the channel's row, which serialises runs of one channel
across processes: PostgreSQL holds the row lock, SQLite the database write lock, until commit. Under
that lock a claim checks that no other run of the channel is in flight and that the day's scheduled
run is not already taken. See docs/delivery.md for the whole rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app.timeutil import utc_or_none
from bot.delivery.told import RECENT_RUNS
from bot.store.models import ChannelRow, DeliveredRow, DigestRunRow

RunKind = Literal["daily", "extra"]
TERMINAL = ("posted", "skipped")


@dataclass(frozen=True, slots=True)
class Claim:
    """This process now owns run ``run_id``; ``uncertain`` means an earlier attempt may have posted it."""

    run_id: int
    channel_id: int
    marker: str
    kind: RunKind
    local_date: date
    window_end: datetime
    attempt: int
    uncertain: bool = False
    article_ids: tuple[int, ...] | None = None  # what the uncertain attempt had composed


@dataclass(frozen=True, slots=True)
class Taken:
    """Nothing to do: the run is done already, or another run of this channel is in flight."""

    reason: Literal["done", "busy", "exhausted"]
    status: str
    posted_at: datetime | None = None




class RunLedger:
    """Claims and outcomes of digest runs for one process (``instance`` names it in ``claimed_by``)."""

    def __init__(self, sessions: sessionmaker[Session], *, instance: str, stale_after: timedelta,
                 max_attempts: int) -> None:
        self.sessions = sessions
        self.instance = instance
        self.stale_after = stale_after
        self.max_attempts = max_attempts

    @staticmethod
    def _lock_channel(session: Session, channel_id: int) -> None:
        # A no-op write: the row lock (PostgreSQL) or write lock (SQLite) is the per-channel mutex.
        session.execute(update(ChannelRow).where(ChannelRow.id == channel_id)
                        .values(last_error=ChannelRow.last_error))

    def _stale(self, run: DigestRunRow, now: datetime) -> bool:
        claimed = utc_or_none(run.claimed_at)
        return run.status == "claimed" and claimed is not None and claimed <= now - self.stale_after

    def claim(self, channel_id: int, kind: RunKind, local_date: date, now: datetime, *,
              retry_exhausted: bool = False) -> Claim | Taken:
        """Claim the channel's daily run for ``local_date`` (or a new extra run), under the channel lock."""
        with self.sessions.begin() as session:
            self._lock_channel(session, channel_id)
            run = None
            if kind == "daily":
                run = session.scalars(select(DigestRunRow).where(
                    DigestRunRow.channel_id == channel_id, DigestRunRow.local_date == local_date,
                    DigestRunRow.kind == "daily")).one_or_none()
            pending = session.scalars(select(DigestRunRow).where(
                DigestRunRow.channel_id == channel_id, DigestRunRow.status.in_(("claimed", "uncertain")))).all()
            return self._claim_locked(session, channel_id, kind, local_date, now, run, pending,
                                      retry_exhausted=retry_exhausted)

    def _claim_locked(self, session: Session, channel_id: int, kind: RunKind, local_date: date, now: datetime,
                      run: DigestRunRow | None, pending: Sequence[DigestRunRow], *,
                      retry_exhausted: bool = False) -> Claim | Taken:
        """The claim's decision, the channel locked, given its day's run and its unresolved runs."""
        decided = self._decide(channel_id, kind, local_date, now, run, pending, retry_exhausted=retry_exhausted)
        if isinstance(decided, dict):
            new = DigestRunRow(**decided)
            session.add(new)
            session.flush()
            return _claim_of(new, uncertain=False)
        return decided

    def _decide(self, channel_id: int, kind: RunKind, local_date: date, now: datetime,
                run: DigestRunRow | None, pending: Sequence[DigestRunRow], *,
                retry_exhausted: bool = False) -> Claim | Taken | dict[str, Any]:
        """A claim of an existing run, a refusal, or the columns of the new run to insert."""
        # One unresolved run per channel at a time: a new run composed while an earlier one may
        # still be on its way (or may have reached the platform after its process died) could
        # carry the same stories. Only the day's own run may be taken over, once it is stale.
        if any(r is not run or (r.status == "claimed" and not self._stale(r, now)) for r in pending):
            return Taken("busy", "claimed")
        if run is not None:
            return self._reclaim(run, now, retry_exhausted=retry_exhausted)
        return {"channel_id": channel_id, "local_date": local_date, "kind": kind, "status": "claimed",
                "marker": uuid.uuid4().hex, "claimed_at": now, "claimed_by": self.instance, "window_end": now,
                "attempts": 1, "story_count": 0}

    # -- a digest pass: many channels' claims and outcomes in one transaction each -------------------
    #
    # The same rules as one channel at a time, decided under the same lock: the batch locks all its
    # channels first, in id order (two replicas' batches on PostgreSQL then never wait on each other
    # in a cycle), and commits or rolls back as a whole.

    @staticmethod
    def _lock_channels(session: Session, channel_ids: Collection[int]) -> None:
        ids = sorted(set(channel_ids))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(ChannelRow.id).where(ChannelRow.id.in_(ids)).order_by(ChannelRow.id)
                            .with_for_update())
        else:  # SQLite: the first write takes the database's write lock for the whole transaction
            session.execute(update(ChannelRow).where(ChannelRow.id.in_(ids)).values(last_error=ChannelRow.last_error))

    def claim_daily_many(self, wanted: Sequence[tuple[int, date]], now: datetime) -> dict[int, Claim | Taken]:
        """:meth:`claim` of the daily run of each (channel, local date), in one transaction."""
        if not wanted:
            return {}
        ids = [c for c, _ in wanted]
        with self.sessions.begin() as session:
            self._lock_channels(session, ids)
            days = {d for _, d in wanted}
            runs = {(r.channel_id, r.local_date): r for r in session.scalars(select(DigestRunRow).where(
                DigestRunRow.kind == "daily", DigestRunRow.channel_id.in_(ids), DigestRunRow.local_date.in_(days)))}
            pending: dict[int, list[DigestRunRow]] = {}
            for r in session.scalars(select(DigestRunRow).where(
                    DigestRunRow.channel_id.in_(ids), DigestRunRow.status.in_(("claimed", "uncertain")))):
                pending.setdefault(r.channel_id, []).append(r)
            decided = {c: self._decide(c, "daily", d, now, runs.get((c, d)), pending.get(c, [])) for c, d in wanted}
            new = [x for x in decided.values() if isinstance(x, dict)]
            run_ids: dict[int, int] = {}
            if new:  # one multi-row insert (the channel is unique in a batch: it names the new run)
                session.flush()  # the reclaimed runs' changes first
                run_ids = {int(c): int(r) for r, c in session.execute(
                    insert(DigestRunRow).returning(DigestRunRow.id, DigestRunRow.channel_id), new)}
            return {c: Claim(run_ids[c], c, x["marker"], "daily", x["local_date"], now, 1) if isinstance(x, dict) else x
                    for c, x in decided.items()}

    def record_compositions(self, items: Sequence[tuple[Claim, Collection[int], int, datetime | None,
                                                        Mapping[str, Sequence[tuple[int, str]]] | None]]) -> None:
        """:meth:`record_composition` of many runs (claim, article ids, stories shown, window start, sentences),
        in one transaction."""
        if not items:
            return
        with self.sessions.begin() as session:
            session.execute(update(DigestRunRow), [
                {"id": claim.run_id, "article_ids": sorted(ids), "story_count": stories, "window_start": start,
                 "sentences": None if said is None else {topic: [[int(a), str(t)] for a, t in texts]
                                                         for topic, texts in said.items()}}
                for claim, ids, stories, start, said in items])
            _forget_older_sentences(session, [claim.channel_id for claim, _, _, _, _ in items])

    def finish_many(self, items: Sequence[tuple[Claim, Literal["posted", "skipped"], Collection[int],
                                                 Collection[str]]], now: datetime) -> None:
        """:meth:`finish` of many runs (claim, status, article ids, message ids), atomically together."""
        if not items:
            return
        ids = [claim.channel_id for claim, _, _, _ in items]
        with self.sessions.begin() as session:
            self._lock_channels(session, ids)
            session.execute(update(DigestRunRow), [
                {"id": claim.run_id, "status": status, "posted_at": now, "error": None,
                 "message_ids": list(messages) or None} for claim, status, _, messages in items])
            lowest = min((a for _, _, articles, _ in items for a in articles), default=None)
            already: set[tuple[int, int]] = set()
            if lowest is not None:
                already = {(int(c), int(a)) for c, a in session.execute(select(
                    DeliveredRow.channel_id, DeliveredRow.article_id).where(
                    DeliveredRow.channel_id.in_(sorted(set(ids))), DeliveredRow.article_id >= lowest))}
            rows: list[tuple[int, int, int]] = []
            for claim, _, articles, _ in items:
                for a in sorted(set(articles)):
                    if (claim.channel_id, a) not in already:
                        already.add((claim.channel_id, a))
                        rows.append((claim.channel_id, a, claim.run_id))
            if rows:
                _insert_delivered(session, sorted(rows))  # in primary-key order: the index pages fill in turn
            ends: dict[int, datetime] = {}
            for claim, _, _, _ in items:
                ends[claim.channel_id] = max(claim.window_end, ends.get(claim.channel_id, claim.window_end))
            for c, cursor in session.execute(select(ChannelRow.id, ChannelRow.covered_until)
                                             .where(ChannelRow.id.in_(sorted(ends)))):
                stored = utc_or_none(cursor)
                if stored is not None and stored > ends[int(c)]:
                    ends[int(c)] = stored  # the cursor never moves back
            session.execute(update(ChannelRow), [{"id": c, "last_error": None, "covered_until": end}
                                                 for c, end in ends.items()])

    def _reclaim(self, run: DigestRunRow, now: datetime, *, retry_exhausted: bool) -> Claim | Taken:
        if run.status in TERMINAL:
            return Taken("done", run.status, utc_or_none(run.posted_at) or utc_or_none(run.claimed_at))
        uncertain = run.status == "uncertain" or self._stale(run, now)
        if run.status == "failed" and run.attempts >= self.max_attempts and not retry_exhausted:
            return Taken("exhausted", run.status)
        run.attempts += 1
        run.status, run.claimed_at, run.claimed_by = "claimed", now, self.instance
        if not uncertain:  # a failed post never reached the platform: recompose with what is new now
            run.window_end, run.article_ids, run.sentences = now, None, None
        return _claim_of(run, uncertain=uncertain)

    def reclaim_uncertain(self, run_id: int, now: datetime) -> Claim | Taken:
        """Take over a run a dead process left behind (``uncertain``, or ``claimed`` and stale)."""
        with self.sessions.begin() as session:
            channel_id = session.scalars(select(DigestRunRow.channel_id).where(DigestRunRow.id == run_id)).one()
            self._lock_channel(session, channel_id)
            run = session.get_one(DigestRunRow, run_id)
            if run.status != "uncertain" and not self._stale(run, now):
                return Taken("done" if run.status in TERMINAL else "busy", run.status)
            return self._reclaim(run, now, retry_exhausted=True)

    def mark_stale_uncertain(self, now: datetime) -> list[tuple[int, int]]:
        """Turn claims older than ``stale_after`` into ``uncertain``; return every uncertain (run, channel) id."""
        with self.sessions.begin() as session:
            session.execute(update(DigestRunRow).where(
                DigestRunRow.status == "claimed", DigestRunRow.claimed_at <= now - self.stale_after)
                .values(status="uncertain"))
            rows = session.execute(select(DigestRunRow.id, DigestRunRow.channel_id)
                                   .where(DigestRunRow.status == "uncertain").order_by(DigestRunRow.id))
            return [(run_id, channel_id) for run_id, channel_id in rows]

    def record_composition(self, claim: Claim, article_ids: Collection[int], stories: int,
                           window_start: datetime | None, *,
                           sentences: Mapping[str, Sequence[tuple[int, str]]] | None = None) -> None:
        """Remember what the run is about to post, before posting (a crash after this can be resolved).

        ``sentences``: the texts the digest says by topic, with their articles (``bot.delivery.told``); they count
        as told once :meth:`finish` marks the run posted, in the transaction that writes its ``delivered``
        rows. Recorded here, not there, so a run found on the platform after a crash has them too.
        """
        self.record_compositions([(claim, article_ids, stories, window_start, sentences)])

    def finish(self, claim: Claim, status: Literal["posted", "skipped"], now: datetime, *,
               article_ids: Collection[int], message_ids: Collection[str] = ()) -> None:
        """Mark the run done, record its articles as delivered and move the channel's cursor, atomically."""
        self.finish_many([(claim, status, article_ids, message_ids)], now)

    def fail(self, claim: Claim, reason: str, now: datetime, *, retryable: bool) -> None:
        """Record a failed post on the run and the channel (shown by ``/digest settings``)."""
        with self.sessions.begin() as session:
            self._lock_channel(session, claim.channel_id)
            run = session.get_one(DigestRunRow, claim.run_id)
            run.status, run.error = "failed", reason
            if not retryable:
                run.attempts = max(run.attempts, self.max_attempts)
            channel = session.get_one(ChannelRow, claim.channel_id)
            channel.last_error = f"{now:%Y-%m-%d %H:%M} UTC, {claim.kind} digest for {claim.local_date}: {reason}"

    def daily_runs(self, channel_ids: Collection[int], days: Collection[date]) -> dict[tuple[int, date], DigestRunRow]:
        """Existing daily runs for these channels and local dates."""
        if not channel_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(DigestRunRow).where(
                DigestRunRow.kind == "daily", DigestRunRow.channel_id.in_(list(channel_ids)),
                DigestRunRow.local_date.in_(list(days)))).all()
        return {(r.channel_id, r.local_date): r for r in rows}

    def is_due(self, run: DigestRunRow | None, now: datetime) -> bool:
        """A scheduled run that has not happened, failed with attempts left, or was left by a dead process."""
        if run is None:
            return True
        if run.status == "failed":
            return run.attempts < self.max_attempts
        return run.status == "uncertain" or self._stale(run, now)


def _forget_older_sentences(session: Session, channel_ids: Collection[int]) -> None:
    """Clear the sentences the told read will not use again (storage stays a few runs per channel): a
    posted run's once the channel has RECENT_RUNS newer posted runs with sentences, a failed or skipped
    run's at once. The runs being composed (``claimed``) keep theirs. Through ``ix_digest_runs_told``,
    which holds only runs with sentences: a few rows per channel."""
    ranked = (select(DigestRunRow.id, DigestRunRow.status, func.row_number().over(
        partition_by=(DigestRunRow.channel_id, DigestRunRow.status),
        order_by=(DigestRunRow.claimed_at.desc(), DigestRunRow.id.desc())).label("n"))
        .where(DigestRunRow.channel_id.in_(sorted(set(channel_ids))), DigestRunRow.sentences.is_not(None))
        .subquery())
    stale = select(ranked.c.id).where(or_(and_(ranked.c.status == "posted", ranked.c.n > RECENT_RUNS),
                                          ranked.c.status.in_(("failed", "skipped"))))
    session.execute(update(DigestRunRow).where(DigestRunRow.id.in_(stale)).values(sentences=None)
                    .execution_options(synchronize_session=False))


def _insert_delivered(session: Session, rows: list[tuple[int, int, int]]) -> None:
    """(channel, article, run) rows into ``delivered``: a digest pass writes a few hundred thousand. On SQLite
    straight to the driver's executemany (SQLAlchemy's per-row parameter handling cost more than the
    insert); on PostgreSQL with psycopg a COPY in the same transaction; elsewhere Core's multi-row insert."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO delivered (channel_id, article_id, run_id) VALUES (?, ?, ?)", rows)
    elif connection.dialect.driver == "psycopg":  # COPY: two thirds of the time of multi-row INSERTs here
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                "COPY delivered (channel_id, article_id, run_id) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.execute(insert(DeliveredRow), [{"channel_id": c, "article_id": a, "run_id": r} for c, a, r in rows])


def _claim_of(run: DigestRunRow, *, uncertain: bool) -> Claim:
    kind: RunKind = "extra" if run.kind == "extra" else "daily"
    end = utc_or_none(run.window_end)
    assert end is not None
    ids = tuple(int(a) for a in run.article_ids) if run.article_ids is not None else None
    return Claim(run.id, run.channel_id, run.marker, kind, run.local_date, end, run.attempts, uncertain, ids)
