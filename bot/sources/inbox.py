"""The inbox: dumps dropped in a directory are ingested once they are complete, then moved aside.

Producers should write ``name.tmp`` (or ``.part``, or a dot-file) and rename it when done: a rename is
atomic, and those names are never read. For producers that can't, a file is only taken once its size
and mtime have stayed the same for ``stable_seconds`` across two scans. Ingested files move to
``processed/``, rejected ones to ``rejected/`` with ``<name>.error`` beside them (a partially ingested
file gets a ``.error`` note in ``processed/`` naming its rejected records); nothing is deleted.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.app.eventlog import event

log = logging.getLogger(__name__)

IGNORED_SUFFIXES = (".tmp", ".part", ".error")
PROCESSED, REJECTED = "processed", "rejected"


class FileResultLike(Protocol):
    """What the inbox needs from ``bot.ingest.service.FileResult``."""

    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


IngestFn = Callable[[Sequence[Path]], Iterable[FileResultLike]]


@dataclass(frozen=True, slots=True)
class Taken:
    """One file the inbox took: where it went and why."""

    name: str
    outcome: Literal["processed", "rejected"]
    moved_to: Path
    reason: str | None = None


@dataclass
class Inbox:
    """Scans ``directory`` (sync: the scheduler runs :meth:`scan` in a worker thread)."""

    directory: Path
    ingest: IngestFn
    stable_seconds: float = 5.0
    clock: Callable[[], float] = time.time
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def candidates(self) -> list[Path]:
        """Regular files directly in the inbox that are not temporary or hidden names."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir()
                      if p.is_file() and not p.name.startswith(".") and not p.name.endswith(IGNORED_SUFFIXES))

    def stable(self, files: Iterable[Path]) -> list[Path]:
        """Files whose (size, mtime) match the previous scan and are older than ``stable_seconds``."""
        now = self.clock()
        ready, seen = [], {}
        for path in files:
            try:
                st = path.stat()
            except FileNotFoundError:  # renamed or moved away since listing
                continue
            sig = (st.st_size, st.st_mtime_ns)
            seen[path.name] = sig
            if self._seen.get(path.name) == sig and now - st.st_mtime >= self.stable_seconds:
                ready.append(path)
        self._seen = seen
        return ready

    def scan(self) -> list[Taken]:
        """Take every stable file: ingest, then move to processed/ or rejected/ (+ .error)."""
        ready = self.stable(self.candidates())
        if not ready:
            return []
        try:
            results = {Path(r.path).name: r for r in self.ingest(ready)}
        except Exception as exc:  # the whole batch failed (e.g. database down): leave files for the next scan
            event(log, "inbox_error", level=logging.ERROR, files=len(ready), error=f"{type(exc).__name__}: {exc}")
            return []
        taken = []
        for path in ready:
            result = results.get(path.name)
            if result is not None and result.status == "rejected" and getattr(result, "retryable", False):
                # The file was fine, the database was not: leave it in the inbox for the next scan.
                event(log, "ingest", level=logging.WARNING, file=path.name, outcome="retry", reason=result.reason)
                continue
            if result is None:
                reason = "the ingest service did not report on this file"
                taken.append(self._move(path, REJECTED, reason))
            elif result.status == "rejected":
                taken.append(self._move(path, REJECTED, result.reason or "rejected"))
            else:  # a partial file keeps its rejected records' reasons in a note beside it
                taken.append(self._move(path, PROCESSED, record_note(result)))
            self._seen.pop(path.name, None)
            event(log, "ingest", file=path.name, outcome=taken[-1].outcome, new=getattr(result, "new", 0),
                  duplicates=getattr(result, "duplicates", 0), reason=taken[-1].reason or "-")
        return taken

    def _move(self, path: Path, folder: str, reason: str | None) -> Taken:
        target_dir = self.directory / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        target = free_name(target_dir, path.name)
        shutil.move(str(path), target)
        if reason is not None:
            target.with_name(target.name + ".error").write_text(reason.rstrip() + "\n", encoding="utf-8")
        return Taken(path.name, "processed" if folder == PROCESSED else "rejected", target, reason)


def record_note(result: FileResultLike, *, limit: int = 50) -> str | None:
    """For a partial file: which records were rejected and why (one line each), else None."""
    errors = tuple(getattr(result, "record_errors", ()) or ())
    if not errors:
        return None
    lines = [f"{len(errors)} record{'s' if len(errors) != 1 else ''} rejected, the rest ingested:"]
    lines += [f"line {getattr(e, 'line', '?')}: {getattr(e, 'reason', e)}" for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return "\n".join(lines)


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``stem.2.ext``, ``stem.3.ext``... when that is taken: never overwrite."""
    candidate = directory / name
    stem, dot, suffix = name.partition(".")
    n = 2
    while candidate.exists() or candidate.with_name(candidate.name + ".error").exists():
        candidate = directory / (f"{stem}.{n}{dot}{suffix}" if dot else f"{name}.{n}")
        n += 1
    return candidate


def service_ingest(app: Any) -> IngestFn:
    """The real ingest, ``bot.ingest.service.ingest_paths``, bound to ``app``."""
    from bot.ingest.service import ingest_paths

    def run(paths: Sequence[Path]) -> Iterable[FileResultLike]:
        return ingest_paths(app, paths).results

    return run
