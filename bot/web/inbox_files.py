"""What the inbox did with each file: ``processed/`` and ``rejected/``, with the ``.error`` notes beside them.

Reads the directories only (the files themselves are never opened): one ``scandir`` per folder, the
newest ``limit`` entries kept with a bounded heap, and one small note read per entry shown.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.sources.inbox import PROCESSED, REJECTED

NOTE_SUFFIX = ".error"
MAX_NOTE_BYTES = 8192


@dataclass(frozen=True, slots=True)
class InboxFile:
    name: str
    folder: str  # processed | rejected | waiting
    size: int
    modified: datetime
    note: str | None  # why it was rejected, or which records of a partial file were

    @property
    def partial(self) -> bool:
        return self.folder == PROCESSED and self.note is not None


def _note(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_NOTE_BYTES).decode("utf-8", "replace").strip() or None
    except OSError:
        return None


def list_folder(directory: Path, folder: str, *, limit: int = 100) -> list[InboxFile]:
    """The newest ``limit`` files of ``directory`` (not the notes themselves), newest first."""
    if not directory.is_dir():
        return []
    entries: list[tuple[float, str, int]] = []
    with os.scandir(directory) as it:
        for entry in it:
            if entry.name.startswith(".") or entry.name.endswith(NOTE_SUFFIX) or not entry.is_file():
                continue
            st = entry.stat()
            entries.append((st.st_mtime, entry.name, st.st_size))
    newest = heapq.nlargest(limit, entries)
    return [InboxFile(name, folder, size, datetime.fromtimestamp(mtime, UTC),
                      _note(directory / f"{name}{NOTE_SUFFIX}") if folder != "waiting" else None)
            for mtime, name, size in newest]


def inbox_files(inbox: Path, *, limit: int = 100) -> dict[str, list[InboxFile]]:
    """Files waiting in the inbox, processed (partial ones carry a note) and rejected (with their reason)."""
    return {
        "waiting": list_folder(inbox, "waiting", limit=limit),
        PROCESSED: list_folder(inbox / PROCESSED, PROCESSED, limit=limit),
        REJECTED: list_folder(inbox / REJECTED, REJECTED, limit=limit),
    }
