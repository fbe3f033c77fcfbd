"""README's promise, held through the real console process: bad input and a hostile machine get one line.

Each case runs ``python -m bot.cli`` in a subprocess (a traceback printed by the interpreter itself,
e.g. while flushing stdout at exit, only shows up there) and asserts: non-zero exit, exactly one
line on stderr, naming the problem, and no "Traceback".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.settings import default_config_dir
from tests.conftest import SAMPLE_DUMP

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Place:
    """A data directory and a config directory for one CLI run, with its environment."""

    root: Path
    data: Path
    config: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDIGEST_", "SLACK_", "DISCORD_"))}
        env.update(NEWSDIGEST_DATA_DIR=str(self.data), NEWSDIGEST_CONFIG_DIR=str(self.config), HOME=str(self.root),
                   PYTHONPATH=str(ROOT))
        return env

    def run(self, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *argv], env={**self.env(), **env}, cwd=self.root,
                              capture_output=True, text=True, timeout=300)


def _read_only(paths: list[Path]) -> None:
    """Make ``paths`` unwritable: permission bits for a user, the immutable flag for root (who ignores bits)."""
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True, check=False) \
        if shutil.which("chattr") else None
    if done is None or done.returncode != 0:
        pytest.skip(f"running as root and cannot set the immutable flag: {done.stderr if done else 'no chattr'}")


def _writable_again(root: Path) -> None:
    paths = [root, *root.rglob("*")]
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True, check=False)
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


@pytest.fixture
def place() -> Iterator[Place]:
    root = Path(tempfile.mkdtemp(prefix="newsdigest-cli-"))
    config = root / "config"
    shutil.copytree(default_config_dir(), config)
    (config / "settings.toml").unlink(missing_ok=True)
    place = Place(root, root / "data", config)
    yield place
    _writable_again(root)
    shutil.rmtree(root)


def _ingested(place: Place) -> None:
    done = place.run("ingest", str(SAMPLE_DUMP))
    assert done.returncode == 0, done.stderr


def _settings(body: str) -> Callable[[Place], None]:
    def write(place: Place) -> None:
        (place.config / "settings.toml").write_text(body, encoding="utf-8")
    return write


def _channels(body: str) -> Callable[[Place], None]:
    def write(place: Place) -> None:
        (place.config / "channels.toml").write_text(body, encoding="utf-8")
    return write


def _read_only_data_dir(place: Place) -> None:
    _ingested(place)
    _read_only([place.data, *place.data.rglob("*")])


def _unwritable_parent(place: Place) -> None:
    place.data = place.root / "locked" / "data"
    place.data.parent.mkdir()
    _read_only([place.data.parent])


CASES: dict[str, tuple[Callable[[Place], None] | None, tuple[str, ...], str]] = {
    "since overflow": (None, ("articles", "--since", "99999999999d"), "--since"),
    "since before year 1": (None, ("articles", "--since", "999999999d"), "--since"),
    "limit overflow": (None, ("articles", "--limit", "99999999999999999999999"), "--limit"),
    "history limit overflow": (None, ("history", "--limit", "99999999999999999999999"), "--limit"),
    "brief limit zero": (None, ("brief", "ukraine", "--limit", "0"), "--limit"),
    "unknown algorithm": (_settings('[summarizer]\nalgorithm = "nope"\n'), ("articles",), "algorithm"),
    "unknown log level": (_settings('log_level = "LOUD"\n'), ("articles",), "log_level"),
    "misspelt top-level key": (_settings('databse_url = "sqlite:///x"\n'), ("articles",),
                               "did you mean 'database_url'"),
    "misspelt section key": (_settings("[slack]\nprot = 3001\n"), ("articles",), "did you mean 'port'"),
    "channels is a list": (_channels("channels = []\n"), ("channels",), "channels must be tables"),
    "mysql without a driver": (None, ("articles", "--database-url", "mysql://u:secret@db/news"),
                               "SQLite and PostgreSQL"),
    "bare path": (None, ("articles", "--database-url", "/srv/news.db"), "sqlite:////srv/news.db"),
    "missing directory": (None, ("articles", "--database-url", "sqlite:///{root}/missing/dir/x.db"), "does not exist"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_on_stderr_never_a_traceback(place: Place, name: str) -> None:
    setup, argv, expected = CASES[name]
    if setup is not None:
        setup(place)
    done = place.run(*(word.format(root=place.root) for word in argv))
    _assert_one_line(done, expected)
    assert "secret" not in done.stderr  # a password in a database URL is never echoed
    assert not (place.root / "missing").exists()  # and no directory was made for a mistyped path


def _assert_one_line(done: subprocess.CompletedProcess[str], expected: str) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode != 0, done
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and lines[0].startswith("newsdigest: error: "), done.stderr
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize(("setup", "expected"), [(_read_only_data_dir, "read-only"),
                                                 (_unwritable_parent, "read-only")])
def test_a_read_only_or_unwritable_data_directory_says_so(place: Place, setup: Callable[[Place], None],
                                                          expected: str) -> None:
    setup(place)
    _assert_one_line(place.run("ingest", str(SAMPLE_DUMP)), expected)


def test_digest_force_while_another_process_holds_the_database(place: Place) -> None:
    _ingested(place)
    (place.config / "channels.toml").write_text('[channels."console:local:newsroom"]\ntopics = ["ukraine"]\n',
                                                encoding="utf-8")
    holder = sqlite3.connect(place.data / "newsdigest.sqlite3")
    try:
        holder.execute("BEGIN EXCLUSIVE")  # what a long write (or a stuck process) does to SQLite
        done = place.run("digest", "--channel", "console:local:newsroom", "--force",
                         NEWSDIGEST_DATABASE_BUSY_TIMEOUT="1")  # give up soon: the lock is never released
    finally:
        holder.rollback()
        holder.close()
    _assert_one_line(done, "locked")


def test_a_closed_pipe_ends_quietly(place: Place) -> None:
    _ingested(place)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "articles", "--format", "json"], env=place.env(),
                            cwd=place.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -1` exiting before the command writes anything
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) != 0
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert stderr == ""
