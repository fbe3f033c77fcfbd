"""Inbox pickup: only complete files are read, outcomes move files aside, nothing is ever deleted."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.sources.inbox import Inbox, free_name


@dataclass(frozen=True)
class Result:
    path: str
    status: str
    reason: str | None = None
    new: int = 1
    duplicates: int = 0
    retryable: bool = False


class FakeIngest:
    """Rejects files whose content starts with "BAD"; records what it was asked to read."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.contents: dict[str, str] = {}

    def __call__(self, paths: Sequence[Path]) -> list[Result]:
        self.calls.append([p.name for p in paths])
        out = []
        for p in paths:
            text = p.read_text()
            self.contents[p.name] = text
            bad = text.startswith("BAD")
            out.append(Result(str(p), "rejected", "no articles found") if bad else Result(str(p), "ok"))
        return out


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def _inbox(tmp_path: Path, clock: Clock, ingest: FakeIngest) -> Inbox:
    return Inbox(tmp_path / "inbox", ingest, stable_seconds=5, clock=clock)


def test_half_written_file_is_taken_only_once_size_and_mtime_are_stable(tmp_path: Path) -> None:
    clock, ingest = Clock(1000.0), FakeIngest()
    inbox = _inbox(tmp_path, clock, ingest)
    dump = tmp_path / "inbox" / "wires.jsonl"
    dump.parent.mkdir()
    _write(dump, '{"title": "half', 999.0)
    assert inbox.scan() == []  # first sight: never taken
    clock.now = 1010.0
    _write(dump, '{"title": "half", "body": "written"}', 1009.0)  # the producer wrote more meanwhile
    assert inbox.scan() == []  # changed since last scan
    clock.now = 1012.0
    assert inbox.scan() == []  # unchanged, but only 3 s old
    clock.now = 1020.0
    taken = inbox.scan()
    assert [t.outcome for t in taken] == ["processed"]
    assert ingest.contents["wires.jsonl"] == '{"title": "half", "body": "written"}'  # read whole, once
    assert ingest.calls == [["wires.jsonl"]]
    assert (tmp_path / "inbox" / "processed" / "wires.jsonl").exists() and not dump.exists()


def test_temporary_and_hidden_names_are_never_read(tmp_path: Path) -> None:
    clock, ingest = Clock(1000.0), FakeIngest()
    inbox = _inbox(tmp_path, clock, ingest)
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("a.jsonl.tmp", "b.txt.part", ".c.jsonl", "d.jsonl.error"):
        _write(folder / name, "x", 1.0)
    inbox.scan()
    clock.now = 2000.0
    assert inbox.scan() == [] and ingest.calls == []
    os.rename(folder / "a.jsonl.tmp", folder / "a.jsonl")  # the write-then-rename convention
    inbox.scan()
    assert [t.name for t in inbox.scan()] == ["a.jsonl"]


def test_rejected_file_moves_to_rejected_with_an_error_file_giving_the_reason(tmp_path: Path) -> None:
    clock, ingest = Clock(1000.0), FakeIngest()
    inbox = _inbox(tmp_path, clock, ingest)
    (tmp_path / "inbox").mkdir()
    _write(tmp_path / "inbox" / "junk.txt", "BAD bytes", 900.0)
    inbox.scan()
    taken = inbox.scan()
    assert [(t.outcome, t.reason) for t in taken] == [("rejected", "no articles found")]
    rejected = tmp_path / "inbox" / "rejected"
    assert (rejected / "junk.txt").read_text() == "BAD bytes"  # kept, not deleted
    assert (rejected / "junk.txt.error").read_text() == "no articles found\n"


def test_directory_of_many_files_is_taken_in_one_batch_and_name_clashes_never_overwrite(tmp_path: Path) -> None:
    clock, ingest = Clock(1000.0), FakeIngest()
    inbox = _inbox(tmp_path, clock, ingest)
    folder = tmp_path / "inbox"
    (folder / "processed").mkdir(parents=True)
    (folder / "processed" / "dump-007.jsonl").write_text("an older dump of the same name")
    for i in range(60):
        _write(folder / f"dump-{i:03d}.jsonl", "BAD" if i % 20 == 0 else f"dump {i}", 900.0)
    inbox.scan()
    taken = inbox.scan()
    assert len(taken) == 60 and len(ingest.calls) == 1
    assert sum(t.outcome == "rejected" for t in taken) == 3
    assert list(folder.glob("*.jsonl")) == []
    assert (folder / "processed" / "dump-007.jsonl").read_text() == "an older dump of the same name"
    assert (folder / "processed" / "dump-007.2.jsonl").read_text() == "dump 7"
    assert len(list((folder / "processed").glob("*.jsonl"))) == 58


def test_database_trouble_leaves_the_file_in_the_inbox_for_the_next_scan(tmp_path: Path) -> None:
    clock = Clock(1000.0)
    calls = []

    def flaky(paths: Sequence[Path]) -> list[Result]:
        calls.append(len(paths))
        retry = len(calls) == 1
        return [Result(str(p), "rejected", "database error: locked", retryable=retry) if retry
                else Result(str(p), "ok") for p in paths]

    inbox = Inbox(tmp_path / "inbox", flaky, stable_seconds=5, clock=clock)
    (tmp_path / "inbox").mkdir()
    _write(tmp_path / "inbox" / "a.jsonl", "x", 900.0)
    inbox.scan()
    assert inbox.scan() == [] and (tmp_path / "inbox" / "a.jsonl").exists()
    assert not (tmp_path / "inbox" / "rejected").exists()
    assert [t.outcome for t in inbox.scan()] == ["processed"]  # the next scan tries again
    assert calls == [1, 1]


def test_free_name_counts_up_past_taken_names(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("1")
    (tmp_path / "x.2.txt").write_text("2")
    assert free_name(tmp_path, "x.txt") == tmp_path / "x.3.txt"
    assert free_name(tmp_path, "noext") == tmp_path / "noext"


@dataclass(frozen=True)
class _RecordError:
    line: int
    reason: str


@dataclass(frozen=True)
class _Partial:
    path: str
    status: str = "partial"
    reason: str | None = None
    new: int = 1
    duplicates: int = 0
    record_errors: tuple[_RecordError, ...] = (_RecordError(3, "record has no title"),)


def test_a_partial_file_gets_a_note_naming_its_rejected_records(tmp_path: Path) -> None:
    (tmp_path / "mixed.jsonl").write_text("{}\n")
    os.utime(tmp_path / "mixed.jsonl", (0, 0))
    inbox = Inbox(tmp_path, lambda paths: [_Partial(str(p)) for p in paths], stable_seconds=0)
    inbox.scan()
    [taken] = inbox.scan()
    assert taken.outcome == "processed" and (tmp_path / "processed" / "mixed.jsonl").exists()
    note = (tmp_path / "processed" / "mixed.jsonl.error").read_text()
    assert "1 record rejected" in note and "line 3: record has no title" in note
