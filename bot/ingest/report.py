"""What an ingest did, per file and in total (returned by :func:`bot.ingest.service.ingest_paths`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.ingest.parsed import RecordError

FileStatus = Literal["ok", "partial", "rejected"]
REPORTED_IDS = 10_000  # ids a file's result lists at most (a 1 GB dump holds hundreds of thousands)
REPORTED_ERRORS = 1_000  # rejected records a file's result lists at most; the rest are only counted


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one file: ``rejected`` files stored nothing; ``partial`` ones lost some records."""

    path: str
    status: FileStatus
    new: int = 0
    duplicates: int = 0
    article_ids: tuple[int, ...] = ()  # stored ids of the file's articles (the first REPORTED_IDS), new or not
    superseded: tuple[int, ...] = ()  # older versions this file's revisions replaced
    reason: str | None = None
    record_errors: tuple[RecordError, ...] = ()
    retryable: bool = False  # the file was fine but the database was not: try again later, don't reject it
    unlisted_errors: int = 0  # rejected records beyond the REPORTED_ERRORS listed

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status, "new": self.new, "duplicates": self.duplicates,
            "article_ids": list(self.article_ids), "superseded": list(self.superseded), "reason": self.reason,
            "retryable": self.retryable,
            "record_errors": [{"line": e.line, "reason": e.reason, "kind": e.kind, "item": e.item}
                              for e in self.record_errors],
            "unlisted_errors": self.unlisted_errors,
        }

    @property
    def rejected_records(self) -> int:
        """Records lost because they were broken (skipped non-stories and warnings are not)."""
        return sum(e.kind == "rejected" for e in self.record_errors) + self.unlisted_errors


@dataclass(frozen=True, slots=True)
class IngestReport:
    """Totals and per-file results of one ``ingest_paths`` call."""

    results: tuple[FileResult, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def files(self) -> int:
        return len(self.results)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicates for r in self.results)

    @property
    def rejected(self) -> int:
        """Files that stored nothing because they were unreadable or unparseable."""
        return sum(r.status == "rejected" for r in self.results)

    @property
    def rejected_records(self) -> int:
        """Single records (e.g. a JSONL line without a title) rejected inside otherwise good files."""
        return sum(r.rejected_records for r in self.results)

    @property
    def skipped(self) -> int:
        """Items that are not stories (picture items, packages, headlines without text): reported, not errors."""
        return sum(e.kind == "skipped" for r in self.results for e in r.record_errors)

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.rejected_records == 0

    @property
    def article_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(i for r in self.results for i in r.article_ids))

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "new": self.new, "duplicates": self.duplicates, "rejected": self.rejected,
            "rejected_records": self.rejected_records, "skipped": self.skipped, "seconds": round(self.seconds, 3),
            "results": [r.to_dict() for r in self.results],
        }
