"""Inbox entries on disk: what may be read, how a file is claimed, and names that always fit.

Every check is made on the entry itself, never through a link (``lstat``): a symbolic link, a
directory, a FIFO, a socket or a device in the inbox is refused with a reason, so nothing outside the
inbox is ever opened (a link to ``/etc/passwd`` is moved aside as a link). A file is *claimed* by an
atomic rename into the replica's own folder under ``.claims/`` before anything reads it: when two
``serve`` replicas share an inbox, exactly one rename succeeds and the other sees "already taken".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

CLAIMS = ".claims"  # per-replica working folders (a dot-name: never a candidate, never ingested)
NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems
# Room kept for what the inbox appends to a name it files away: ".<n>" for clashes and ".error" for notes.
_SUFFIX_ROOM = len(".99999") + len(".error")


@dataclass(frozen=True, slots=True)
class Signature:
    """What identifies a file's content without reading it: inode, size and modification time."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Signature:
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


def refusal(st: os.stat_result, path: Path) -> str | None:
    """Why the entry at ``path`` (``st`` from lstat) is not read, or None for a regular file."""
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return (f"a symbolic link (to {target!r}), not a file: the inbox reads regular files only, never through "
                "a link; copy or move the dump itself into the inbox")
    if stat.S_ISDIR(mode):
        return "a directory: the inbox reads files put directly in it; move the dumps themselves into the inbox"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"{kind}: the inbox reads regular files only"


def fitting_name(name: str) -> str:
    """``name``, or a shortened unique form that leaves room for ``.<n>`` and ``.error`` within NAME_MAX.

    The extension is kept (it picks the parser) and 8 hex digits of the full name's hash keep two long
    names with the same beginning apart.
    """
    if len(name.encode("utf-8", "surrogateescape")) <= NAME_MAX - _SUFFIX_ROOM:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, dot, ext = name, "", ""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    tail = f"~{digest}{dot}{ext}"
    room = NAME_MAX - _SUFFIX_ROOM - len(tail.encode("utf-8", "surrogateescape"))
    short = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f"{short}{tail}"


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``stem.2.ext``, ``stem.3.ext``... when that is taken: never overwrite.

    Over-long names are shortened first (:func:`fitting_name`), so the ``.error`` note beside the
    file always fits too.
    """
    name = fitting_name(name)
    candidate = directory / name
    stem, dot, suffix = name.partition(".")
    n = 2
    while _exists(candidate) or _exists(candidate.with_name(candidate.name + ".error")):
        candidate = directory / (f"{stem}.{n}{dot}{suffix}" if dot else f"{name}.{n}")
        n += 1
    return candidate


def _exists(path: Path) -> bool:
    return os.path.lexists(path)  # a dangling link is taken too


def claim(path: Path, folder: Path) -> Path | None:
    """Atomically move ``path`` into ``folder`` (same name); None when another replica took it first."""
    target = folder / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        if not folder.is_dir():
            raise
        return None  # already taken: normal when replicas share the inbox
    return target


def real_dir(path: Path, *, private: bool = False) -> Path:
    """``path`` as a real directory (created if missing); refused when it is a link or a file.

    A link named ``processed`` planted in the inbox would otherwise send every dump elsewhere.
    """
    with contextlib.suppress(FileExistsError):  # a file or a link of that name: refused just below
        path.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        raise NotADirectoryError(f"{path} is a link or a file, not a folder: the inbox moves nothing into it")
    return path


def write_note(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``: never through an existing name or a planted link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text.rstrip() + "\n")
