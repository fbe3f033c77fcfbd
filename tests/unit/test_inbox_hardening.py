"""Inbox under real-world faults and hostile entries: nothing lost, nothing doubled, nothing followed."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.sources.inbox import Inbox
from tests.unit.test_inbox import Clock, Result


class Ingest:
    """Reads every file it is given (what the real ingest does), rejecting text that starts with "BAD"."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.during: list[object] = []  # callables run after reading, before returning (a writer at work)

    def __call__(self, paths: Sequence[Path]) -> list[Result]:
        out = []
        for p in paths:
            try:
                text = p.read_text()
            except FileNotFoundError:  # what the real service reports for a file gone before it was read
                out.append(Result(str(p), "rejected", "no such file or directory"))
                continue
            with self.lock:
                self.read.append((p.name, text))
            bad = text.startswith("BAD")
            out.append(Result(str(p), "rejected", "no articles found") if bad else Result(str(p), "ok"))
        for action in self.during:
            action()  # type: ignore[operator]
        return out

    def texts(self, name: str) -> list[str]:
        return [text for n, text in self.read if n == name]


def _old(path: Path, mtime: float = 900.0) -> None:
    os.utime(path, (mtime, mtime))


@pytest.fixture
def box(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _settle(inbox: Inbox, clock: Clock, *paths: Path) -> list[object]:
    """Two scans with the files' mtime well in the past: the first sees them, the second takes them."""
    for path in paths:
        _old(path)
    clock.now += 10
    inbox.scan()
    clock.now += 10
    return list(inbox.scan())


# --- a writer that is not done -----------------------------------------------------------------------


def test_a_writer_that_pauses_with_the_file_open_loses_nothing(box: Path) -> None:
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    dump = box / "wires.txt"
    with dump.open("w") as writer:
        writer.write("first half\n")
        writer.flush()
        taken = _settle(inbox, clock, dump)  # paused longer than stable_seconds: taken
        assert [t.outcome for t in taken] == ["processed"]  # type: ignore[attr-defined]
        writer.write("second half\n")  # through the still-open handle: into the file that was moved
        writer.flush()
    inbox.scan()  # notices the filed-away file changed: back into the inbox
    assert dump.exists() and not (box / "processed" / "wires.txt").exists()
    _settle(inbox, clock, dump)
    assert ingest.texts("wires.txt") == ["first half\n", "first half\nsecond half\n"]  # the rest was ingested
    assert (box / "processed" / "wires.txt").read_text() == "first half\nsecond half\n"
    assert list(box.glob("*.txt")) == []


def test_a_file_that_grows_while_it_is_being_ingested_is_taken_again(box: Path) -> None:
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    dump = box / "wires.jsonl"
    dump.write_text('{"a": 1}\n')

    def writer_goes_on() -> None:
        (folder,) = (box / ".claims").iterdir()
        with (folder / "wires.jsonl").open("a") as fh:  # the writer's open handle follows the moved file
            fh.write('{"b": 2}\n')

    ingest.during.append(writer_goes_on)
    assert _settle(inbox, clock, dump) == []  # not filed away: it changed while being read
    ingest.during.clear()
    assert dump.read_text() == '{"a": 1}\n{"b": 2}\n'
    _settle(inbox, clock, dump)
    assert ingest.texts("wires.jsonl")[-1] == '{"a": 1}\n{"b": 2}\n'
    assert (box / "processed" / "wires.jsonl").exists()


def test_a_rejected_half_file_that_is_completed_later_is_taken_again_and_its_stale_note_goes(box: Path) -> None:
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    dump = box / "late.txt"
    with dump.open("w") as writer:
        writer.write("BAD start")
        writer.flush()
        _settle(inbox, clock, dump)
        assert (box / "rejected" / "late.txt.error").exists()
        writer.write(" and the rest")
    inbox.scan()
    assert dump.exists() and not (box / "rejected" / "late.txt.error").exists()


def test_a_writer_that_reopens_to_append_gets_the_rest_ingested_and_a_warning(
    box: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    dump = box / "wires.txt"
    dump.write_text("first part\n")
    _settle(inbox, clock, dump)
    with dump.open("a") as writer:  # reopened by name after the first part was taken: a new file
        writer.write("the rest\n")
    with caplog.at_level(logging.WARNING, logger="bot.sources.inbox"):
        _settle(inbox, clock, dump)
    assert ingest.texts("wires.txt") == ["first part\n", "the rest\n"]
    assert any("inbox_name_reused" in m and "wires.txt" in m for m in caplog.messages)


# --- replicas sharing an inbox ------------------------------------------------------------------------


def test_two_replicas_sharing_an_inbox_ingest_each_file_once(box: Path) -> None:
    ingest = Ingest()
    names = [f"dump-{i:03d}.jsonl" for i in range(120)]
    for name in names:
        (box / name).write_text(name)
        _old(box / name)
    replicas = [Inbox(box, ingest, stable_seconds=0) for _ in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(replicas))

    def serve(inbox: Inbox) -> None:
        try:
            start.wait()
            for _ in range(20):
                inbox.scan()
                if not any(box.glob("*.jsonl")):
                    return
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=serve, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Counter(name for name, _ in ingest.read) == Counter(names)  # each file read exactly once
    assert sorted(p.name for p in (box / "processed").iterdir()) == names


def test_a_file_another_replica_took_first_is_skipped_and_the_scan_goes_on(
    box: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = Ingest(), Ingest()
    a = Inbox(box, first, stable_seconds=0)
    b = Inbox(box, second, stable_seconds=0)
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        (box / name).write_text(name)
        _old(box / name)
    a.scan(), b.scan()  # both have seen every file once: the next scan of each would take them all
    listed = b.stable

    def a_claims_between_listing_and_claiming(files: list[Path]) -> list[Path]:
        ready = listed(files)
        a.scan()
        return ready

    b.stable = a_claims_between_listing_and_claiming  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="bot.sources.inbox"):
        assert b.scan() == []  # "already taken" is normal: no error, no exception, nothing rejected
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not (box / "rejected").exists()
    assert [n for n, _ in first.read] == ["a.jsonl", "b.jsonl", "c.jsonl"] and second.read == []
    (box / "d.jsonl").write_text("later")
    _old(box / "d.jsonl")
    b.stable = listed  # type: ignore[method-assign]
    b.scan()
    assert [t.name for t in b.scan()] == ["d.jsonl"]  # and b goes on taking new files


def _foreign_claim(box: Path, folder_name: str, name: str, text: str) -> Path:
    folder = box / ".claims" / folder_name
    folder.mkdir(parents=True)
    (folder / ".lock").touch()
    (folder / name).write_text(text)
    return folder


def test_files_claimed_by_a_replica_that_died_go_back_and_are_ingested(box: Path) -> None:
    ingest = Ingest()
    inbox = Inbox(box, ingest, stable_seconds=0)
    # kill -9 while ingesting: the file stays claimed, and the kernel drops the dead process's lock.
    holder = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    folder = _foreign_claim(box, f"host-{holder.pid}-0badc0de", "orphan.jsonl", "claimed, then kill -9")
    holder.kill()
    holder.wait()
    inbox.scan()
    assert (box / "orphan.jsonl").exists() and not folder.exists()
    _old(box / "orphan.jsonl")
    inbox.scan()
    inbox.scan()
    assert [n for n, _ in ingest.read] == ["orphan.jsonl"]
    inbox.close()


def test_a_live_replica_keeps_its_claims_until_they_time_out(box: Path) -> None:
    import fcntl

    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=0, clock=clock, claim_timeout=3600)
    folder = _foreign_claim(box, "otherhost-1-abcdef12", "busy.jsonl", "being ingested over there")
    with (folder / ".lock").open("r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # that replica is alive
        claimed_at = os.lstat(folder / "busy.jsonl").st_ctime
        clock.now = claimed_at + 60
        inbox.scan()
        assert (folder / "busy.jsonl").exists() and not (box / "busy.jsonl").exists()
        clock.now = claimed_at + 3601
        inbox.scan()
        assert (box / "busy.jsonl").exists()  # given up on: back in the inbox, ingested at a later scan
    inbox.close()


def test_an_inbox_puts_back_what_it_left_claimed_itself(box: Path) -> None:
    ingest = Ingest()
    inbox = Inbox(box, ingest, stable_seconds=0)
    (box / "a.jsonl").write_text("a")
    _old(box / "a.jsonl")
    inbox.scan()
    mine = inbox._claims.ensure()
    os.rename(box / "a.jsonl", mine / "a.jsonl")  # as if filing it away had failed after the claim
    inbox.scan()  # back into the inbox, and (unchanged since it was seen) taken at once
    inbox.scan()
    assert [n for n, _ in ingest.read] == ["a.jsonl"] and (box / "processed" / "a.jsonl").exists()
    assert [p.name for p in mine.iterdir()] == [".lock"]


# --- hostile entries ----------------------------------------------------------------------------------


def test_an_over_long_name_gets_a_short_unique_name_and_never_stops_the_scan(box: Path) -> None:
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    long_a, long_b = "a" * 248 + "1.json", "a" * 248 + "2.json"  # 254 characters each
    for name, text in ((long_a, "BAD one"), (long_b, "good"), ("z-after.json", "good too")):
        (box / name).write_text(text)
    taken = _settle(inbox, clock, *box.iterdir())
    assert sorted(t.outcome for t in taken) == ["processed", "processed", "rejected"]  # type: ignore[attr-defined]
    assert list(box.glob("*.json")) == []  # nothing left behind to be re-ingested every poll
    (rejected,) = (box / "rejected").glob("*.json")
    assert rejected.read_text() == "BAD one" and rejected.suffix == ".json" and len(rejected.name) < 250
    assert rejected.with_name(rejected.name + ".error").read_text() == "no articles found\n"
    processed = sorted(p.name for p in (box / "processed").iterdir())
    assert len(processed) == 2 and "z-after.json" in processed
    inbox.scan()
    assert len(ingest.read) == 3  # each read once


def test_a_symlink_is_refused_and_its_target_never_opened(box: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret outside the inbox")
    (box / "passwd.txt").symlink_to("/etc/passwd")
    (box / "outside.txt").symlink_to(secret)
    (box / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (box / "real.txt").write_text("a dump")
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    taken = inbox.scan()  # refused at once: no need to wait for a link to be stable
    assert sorted(t.name for t in taken) == ["dangling.txt", "outside.txt", "passwd.txt"]  # type: ignore[attr-defined]
    _settle(inbox, clock, box / "real.txt")
    assert [n for n, _ in ingest.read] == ["real.txt"]
    for name in ("passwd.txt", "outside.txt", "dangling.txt"):
        moved = box / "rejected" / name
        assert moved.is_symlink()  # moved as the link itself
        assert "symbolic link" in (box / "rejected" / f"{name}.error").read_text()
    assert secret.read_text() == "secret outside the inbox"


def test_fifos_and_folders_are_refused_without_blocking(box: Path) -> None:
    os.mkfifo(box / "pipe.txt")  # opening it would block the worker forever
    (box / "folder.txt").mkdir()
    ingest = Ingest()
    taken = Inbox(box, ingest, stable_seconds=0).scan()
    reasons = {t.name: t.reason for t in taken}  # type: ignore[attr-defined]
    assert "named pipe" in (reasons["pipe.txt"] or "") and "directory" in (reasons["folder.txt"] or "")
    assert ingest.read == []


def test_a_link_planted_as_processed_folder_is_never_written_through(box: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (box / "processed").symlink_to(elsewhere)
    (box / "a.jsonl").write_text("good")
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    _settle(inbox, clock, box / "a.jsonl")
    assert list(elsewhere.iterdir()) == []
    assert (box / "a.jsonl").exists() or any((box / ".claims").rglob("a.jsonl"))  # kept, not lost


@pytest.mark.parametrize("raw", [b"evil.txt\nERROR:forged.txt", b"a\rb.txt", b"caf\xe9.txt", b"with space\n.txt"])
def test_hostile_file_names_are_ingested_and_logged_on_one_quoted_line(
    box: Path, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    from bot.app.eventlog import TextFormatter

    name = os.fsdecode(raw)
    (box / name).write_text("a dump")
    clock, ingest = Clock(1000.0), Ingest()
    inbox = Inbox(box, ingest, stable_seconds=5, clock=clock)
    with caplog.at_level(logging.INFO, logger="bot.sources.inbox"):
        _settle(inbox, clock, box / name)
    assert [n for n, _ in ingest.read] == [name] and (box / "processed" / name).exists()
    (record,) = [r for r in caplog.records if r.getMessage().startswith("ingest ")]
    line = TextFormatter("%(levelname)s %(message)s").format(record)
    assert line.splitlines() == [line] and line.startswith('INFO ingest file="')
    line.encode("utf-8")  # no lone surrogate left to break a UTF-8 log stream
