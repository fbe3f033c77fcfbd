"""Per-file ingest checkpoints (see :class:`bot.store.models.IngestCheckpointRow`), inside the caller's Session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import IngestCheckpointRow


@dataclass(slots=True)
class Checkpoint:
    """What a file's committed batches did; ``records`` counts parsed records (articles and rejects)."""

    records: int = 0
    new: int = 0
    duplicates: int = 0
    # (line, reason, kind, item): kind and item as in bot.ingest.parsed.RecordError (older rows: line, reason)
    errors: list[tuple[Any, ...]] = field(default_factory=list)
    unlisted_errors: int = 0
    superseded: list[int] = field(default_factory=list)


def load_checkpoint(session: Session, digest: str) -> Checkpoint | None:
    row = session.get(IngestCheckpointRow, digest)
    if row is None:
        return None
    return Checkpoint(row.records, row.new, row.duplicates, [(int(e[0]), str(e[1]), *e[2:4]) for e in row.errors or []],
                      row.unlisted_errors or 0, [int(i) for i in row.superseded or []])


def save_checkpoint(session: Session, digest: str, name: str, point: Checkpoint) -> None:
    """Insert or update the file's row (an upsert: two processes may be on the same file)."""
    values = {
        "digest": digest, "name": name, "records": point.records, "new": point.new, "duplicates": point.duplicates,
        "errors": [list(e) for e in point.errors], "unlisted_errors": point.unlisted_errors,
        "superseded": list(point.superseded), "updated_at": datetime.now(UTC),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(IngestCheckpointRow).values(**values)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["digest"], set_={k: v for k, v in values.items() if k != "digest"}))


def drop_checkpoint(session: Session, digest: str) -> None:
    session.execute(delete(IngestCheckpointRow).where(IngestCheckpointRow.digest == digest))
