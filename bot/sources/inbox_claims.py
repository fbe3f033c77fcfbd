"""Claim folders of the replicas sharing an inbox, and getting files back from replicas that died.

Each ``Inbox`` claims files into its own ``.claims/<host>-<pid>-<token>/`` and holds an exclusive
``flock`` on the ``.lock`` file inside for as long as it lives; the kernel drops the lock when the
process dies, ``kill -9`` included. A file stays in a claim folder only while it is being ingested.
Files left behind are put back into the inbox (ingest is idempotent: stories already stored are not
stored twice):

- by the same inbox, at the start of its next scan (a move that failed);
- by any replica, once the folder's lock is free: its owner is gone (a crash, a restart);
- by any replica, when a claim is older than ``timeout`` while its owner seems alive (hung, or on a
  file system without working locks; ingesting one file takes seconds, the default is an hour).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import socket
import weakref
from collections.abc import Iterator
from pathlib import Path

from bot.sources.inbox_files import real_dir

LOCK = ".lock"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


def replica_name() -> str:
    """A claim folder name for this process: readable (host, pid) and unique (a random token)."""
    return f"{_UNSAFE.sub('_', socket.gethostname()) or 'host'}-{os.getpid()}-{secrets.token_hex(4)}"


class ClaimFolder:
    """This replica's claim folder, created on first use and locked while the object lives."""

    def __init__(self, claims: Path, name: str) -> None:
        self.claims = claims
        self.name = name
        self._fd: int | None = None
        self._release: weakref.finalize[[int], ClaimFolder] | None = None

    @property
    def path(self) -> Path:
        return self.claims / self.name

    def ensure(self) -> Path:
        """The folder, (re)created and locked: a replica that wrongly judged it dead may have removed it."""
        lock = self.path / LOCK
        if self._fd is not None and os.path.isdir(self.path) and os.fstat(self._fd).st_nlink > 0:
            return self.path
        self.close()
        real_dir(real_dir(self.claims) / self.name, private=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        # Blocks only while another replica checks whether we live; on a file system without locks,
        # claims expire by age only.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd
        self._release = weakref.finalize(self, os.close, fd)  # an Inbox dropped without close() too
        return self.path

    def close(self) -> None:
        if self._release is not None:
            self._release()  # closes the descriptor once, which drops the lock
        self._fd = self._release = None


@contextlib.contextmanager
def _if_dead(folder: Path) -> Iterator[bool]:
    """True (holding its lock meanwhile) when the folder's owner is gone; False when alive or unknown."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # no lock file (being created, or not ours): judged by age only
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: the owner lives (or locks do not work here)
            yield False
            return
        yield True
    finally:
        os.close(fd)


def abandoned(claims: Path, mine: ClaimFolder, *, now: float, timeout: float) -> Iterator[Path]:
    """Claimed files nobody is ingesting any more (see the module docstring)."""
    if not claims.is_dir():
        return
    with os.scandir(claims) as entries:
        folders = sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
    for folder in folders:
        with _if_dead(folder) if folder.name != mine.name else contextlib.nullcontext(True) as gone:
            yield from _files(folder, gone=gone, now=now, timeout=timeout)
            if gone and folder.name != mine.name and [p.name for p in folder.iterdir()] == [LOCK]:
                with contextlib.suppress(OSError):  # a file still in it (a move failed): tried again next scan
                    (folder / LOCK).unlink()
                    folder.rmdir()


def _files(folder: Path, *, gone: bool, now: float, timeout: float) -> Iterator[Path]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == LOCK:
                continue
            try:
                expired = now - entry.stat(follow_symlinks=False).st_ctime >= timeout
            except FileNotFoundError:  # its owner filed it away meanwhile
                continue
            if gone or expired:
                yield Path(entry.path)
