"""The inbox: dumps dropped in a directory are ingested once they are complete, then moved aside.

Producers should write ``name.tmp`` (or ``.part``, or a dot-file) and rename it when done: a rename is
atomic, and those names are never read. For producers that can't, a file is only taken once its size
and mtime have stayed the same for ``stable_seconds`` across two scans. Ingested files move to
``processed/``, rejected ones to ``rejected/`` with ``<name>.error`` beside them (a partially ingested
file gets a ``.error`` note in ``processed/`` naming its rejected records); nothing is deleted.

Hardened against what shared folders see (see docs/security.md): only regular files are read, never
through a link; each file is claimed by an atomic rename before it is read, so replicas sharing the
inbox ingest it once; a file that changes after it was taken (a writer that paused, then went on) is
put back and ingested again, its already stored stories not doubled; and one bad entry (an over-long
name, a failed move) is reported and skipped, never stopping the scan.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.app.eventlog import event
from bot.sources.inbox_claims import ClaimFolder, abandoned, replica_name
from bot.sources.inbox_files import CLAIMS, Signature, claim, free_name, real_dir, refusal, write_note

__all__ = ["Inbox", "Taken", "free_name", "record_note", "service_ingest"]

log = logging.getLogger(__name__)

IGNORED_SUFFIXES = (".tmp", ".part", ".error")
PROCESSED, REJECTED = "processed", "rejected"
WATCH_SECONDS = 3600.0  # how long a filed-away file is watched for a writer that was not done
WATCH_LIMIT = 10_000  # files watched at most (the oldest are dropped first)
CLAIM_TIMEOUT = 3600.0  # a claim older than this is abandoned: its file goes back into the inbox
_CHANGED = ("changed after it was taken (its writer was not done): back in the inbox to be ingested again "
            "once complete; stories already stored are not stored twice")


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


@dataclass(frozen=True, slots=True)
class _Watch:
    name: str  # the name it had in the inbox
    signature: Signature  # as it was when claimed, before it was read
    until: float


@dataclass
class Inbox:
    """Scans ``directory`` (sync: the scheduler runs :meth:`scan` in a worker thread)."""

    directory: Path
    ingest: IngestFn
    stable_seconds: float = 5.0
    clock: Callable[[], float] = time.time
    watch_seconds: float = WATCH_SECONDS
    claim_timeout: float = CLAIM_TIMEOUT
    replica: str = field(default_factory=replica_name)  # this replica's claim folder under .claims/
    _seen: dict[str, Signature] = field(default_factory=dict, repr=False)
    _watched: dict[Path, _Watch] = field(default_factory=dict, repr=False)
    _claims: ClaimFolder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._claims = ClaimFolder(self.directory / CLAIMS, self.replica)

    def close(self) -> None:
        """Release this replica's claim folder lock (other replicas may then recover what it left)."""
        self._claims.close()

    def candidates(self) -> list[Path]:
        """Regular files directly in the inbox that are not temporary or hidden names."""
        return self._entries()[0]

    def stable(self, files: Iterable[Path]) -> list[Path]:
        """Files whose signature matches the previous scan and that are older than ``stable_seconds``."""
        now = self.clock()
        ready, seen = [], {}
        for path in files:
            try:
                st = os.lstat(path)
            except FileNotFoundError:  # renamed, moved away or taken by another replica since listing
                continue
            sig = Signature.of(st)
            seen[path.name] = sig
            if self._seen.get(path.name) == sig and now - st.st_mtime >= self.stable_seconds:
                ready.append(path)
        self._seen = seen
        return ready

    def scan(self) -> list[Taken]:
        """Take every stable file: claim, ingest, then move to processed/ or rejected/ (+ .error)."""
        if not self.directory.is_dir():
            return []
        self._recover_claims()
        self._check_watched()
        files, refused = self._entries()
        taken = [t for path, reason in refused if (t := self._refuse(path, reason))]
        claimed = self._claim(self.stable(files))
        if claimed:
            taken += self._ingest(claimed)
        return taken

    def _entries(self) -> tuple[list[Path], list[tuple[Path, str]]]:
        """(regular files, refused entries with the reason); temporary and hidden names are skipped."""
        files: list[Path] = []
        refused: list[tuple[Path, str]] = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or name in (PROCESSED, REJECTED):
                    continue
                path = Path(entry.path)
                try:
                    reason = refusal(entry.stat(follow_symlinks=False), path)
                except OSError as exc:  # gone since listing, or unreadable: this entry only
                    self._error(name, exc)
                    continue
                if reason is None:
                    files.append(path)
                else:
                    refused.append((path, reason))
        return sorted(files), sorted(refused)

    def _claim(self, ready: Sequence[Path]) -> list[tuple[Path, Signature]]:
        """Move each file into this replica's claim folder; files another replica took are skipped."""
        if not ready:
            return []
        claimed: list[tuple[Path, Signature]] = []
        try:
            folder = self._claims.ensure()
        except OSError as exc:
            self._error(CLAIMS, exc)
            return []
        reused = {w.name: w for w in self._watched.values()}
        for path in ready:
            self._seen.pop(path.name, None)
            try:
                mine = claim(path, folder)
                if mine is None:
                    event(log, "inbox_skip", level=logging.DEBUG, file=path.name, reason="taken by another replica")
                    continue
                st = os.lstat(mine)
            except OSError as exc:
                self._error(path.name, exc)
                continue
            reason = refusal(st, mine)  # replaced by a link between listing and claiming
            if reason is not None:
                self._refuse(mine, reason)
                continue
            if path.name in reused:
                event(log, "inbox_name_reused", level=logging.WARNING, file=path.name,
                      reason="a file of this name was taken less than an hour ago; if its writer reopened it to "
                             "append, this one holds only the rest (write to name.tmp and rename when done)")
            claimed.append((mine, Signature.of(st)))
        return claimed

    def _ingest(self, claimed: Sequence[tuple[Path, Signature]]) -> list[Taken]:
        try:
            results = {Path(r.path).name: r for r in self.ingest([path for path, _ in claimed])}
        except Exception as exc:  # the whole batch failed (e.g. database down): back for the next scan
            event(log, "inbox_error", level=logging.ERROR, files=len(claimed), error=f"{type(exc).__name__}: {exc}")
            for path, sig in claimed:
                self._put_back(path, path.name, sig)
            return []
        taken = []
        for path, sig in claimed:
            try:
                outcome = self._file(path, sig, results.get(path.name))
            except OSError as exc:  # it stays claimed and goes back into the inbox at the next scan
                self._error(path.name, exc)
                continue
            if outcome is not None:
                taken.append(outcome)
        return taken

    def _file(self, path: Path, sig: Signature, result: FileResultLike | None) -> Taken | None:
        """File one ingested file away, or put it back when it changed meanwhile or may be retried."""
        if _signature(path) != sig:
            self._put_back(path, path.name, None)
            event(log, "inbox_changed", level=logging.WARNING, file=path.name, reason=_CHANGED)
            return None
        if result is not None and result.status == "rejected" and getattr(result, "retryable", False):
            # The file was fine, the database was not: back into the inbox for the next scan.
            self._put_back(path, path.name, sig)
            event(log, "ingest", level=logging.WARNING, file=path.name, outcome="retry", reason=result.reason)
            return None
        if result is None:
            taken = self._move(path, REJECTED, "the ingest service did not report on this file")
        elif result.status == "rejected":
            taken = self._move(path, REJECTED, result.reason or "rejected")
        else:  # a partial file keeps its rejected records' reasons in a note beside it
            taken = self._move(path, PROCESSED, record_note(result))
        self._watch(taken.moved_to, path.name, sig)
        renamed: dict[str, Any] = {"moved_to": taken.moved_to.name} if taken.moved_to.name != path.name else {}
        event(log, "ingest", file=path.name, outcome=taken.outcome, new=getattr(result, "new", 0),
              duplicates=getattr(result, "duplicates", 0), reason=taken.reason or "-", **renamed)
        return taken

    def _refuse(self, path: Path, reason: str) -> Taken | None:
        """Move a link, folder, FIFO... aside as it is (never opened, never followed), with the reason."""
        try:
            taken = self._move(path, REJECTED, reason)
        except OSError as exc:
            self._error(path.name, exc)
            return None
        event(log, "ingest", level=logging.WARNING, file=path.name, outcome="refused", reason=reason)
        return taken

    def _move(self, path: Path, folder: str, reason: str | None) -> Taken:
        target = free_name(real_dir(self.directory / folder), path.name)
        os.rename(path, target)  # same file system: atomic, and a link is moved as the link
        if reason is not None:
            write_note(target.with_name(target.name + ".error"), reason)
        return Taken(path.name, "processed" if folder == PROCESSED else "rejected", target, reason)

    def _put_back(self, path: Path, name: str, sig: Signature | None) -> None:
        """Back into the inbox under its own name; with ``sig`` it is taken again at the next scan."""
        target = self.directory / name
        if os.path.lexists(target):
            target = free_name(self.directory, name)
        try:
            os.rename(path, target)
        except OSError as exc:
            self._error(name, exc)
            return
        if sig is not None:
            self._seen[target.name] = sig  # unchanged since it was stable: no second wait

    def _watch(self, moved_to: Path, name: str, sig: Signature) -> None:
        self._watched[moved_to] = _Watch(name, sig, self.clock() + self.watch_seconds)
        while len(self._watched) > WATCH_LIMIT:
            del self._watched[next(iter(self._watched))]

    def _check_watched(self) -> None:
        """A filed-away file that changed since it was claimed had a writer still at work: take it again."""
        now = self.clock()
        for moved_to, watch in list(self._watched.items()):
            current = _signature(moved_to)
            if current == watch.signature and now < watch.until:
                continue
            del self._watched[moved_to]
            if current is None or current == watch.signature:
                continue  # moved by someone, or watched long enough
            note = moved_to.with_name(moved_to.name + ".error")
            self._put_back(moved_to, watch.name, None)
            if os.path.lexists(note) and not os.path.lexists(moved_to):
                note.unlink()  # its verdict was on the incomplete file
            event(log, "inbox_changed", level=logging.WARNING, file=watch.name, reason=_CHANGED)

    def _recover_claims(self) -> None:
        """Files claimed by this replica's earlier scans or by replicas that died go back into the inbox."""
        try:
            for path in abandoned(self.directory / CLAIMS, self._claims, now=self.clock(),
                                  timeout=self.claim_timeout):
                self._put_back(path, path.name, None)
                event(log, "inbox_reclaimed", level=logging.WARNING, file=path.name,
                      reason=f"claimed by {path.parent.name} but not filed away: back in the inbox")
        except OSError as exc:
            self._error(CLAIMS, exc)

    def _error(self, name: str, exc: OSError) -> None:
        event(log, "inbox_error", level=logging.ERROR, file=name, error=f"{type(exc).__name__}: {exc.strerror or exc}")


def _signature(path: Path) -> Signature | None:
    try:
        return Signature.of(os.lstat(path))
    except FileNotFoundError:
        return None


def record_note(result: FileResultLike, *, limit: int = 50) -> str | None:
    """For a file with rejected records, skipped items or warnings: each one and why (one line each), else None."""
    errors = tuple(getattr(result, "record_errors", ()) or ())
    if not errors:
        return None
    counts: dict[str, int] = {}
    for error in errors:
        kind = getattr(error, "kind", "rejected")
        counts[kind] = counts.get(kind, 0) + 1
    summary = ", ".join(_counted(kind, n) for kind, n in counts.items())
    lines = [f"{summary}, the rest ingested:"]
    for e in errors[:limit]:
        kind = getattr(e, "kind", "rejected")
        item = f" [{e.item}]" if getattr(e, "item", None) else ""
        where = f"line {getattr(e, 'line', '?')}" if kind == "rejected" else f"{kind} line {getattr(e, 'line', '?')}"
        lines.append(f"{where}{item}: {getattr(e, 'reason', e)}")
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return "\n".join(lines)


def _counted(kind: str, n: int) -> str:
    plural = "s" if n != 1 else ""
    if kind == "rejected":
        return f"{n} record{plural} rejected"
    if kind == "skipped":
        return f"{n} item{plural} skipped (not stories)"
    return f"{n} {kind}{plural}"


def service_ingest(app: Any) -> IngestFn:
    """The real ingest, ``bot.ingest.service.ingest_paths``, bound to ``app``."""
    from bot.ingest.service import ingest_paths

    def run(paths: Sequence[Path]) -> Iterable[FileResultLike]:
        return ingest_paths(app, paths).results

    return run
