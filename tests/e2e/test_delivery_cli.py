"""`newsdigest digest`, `channels` and `serve`, in-process and (serve) as a real process with signals."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import bootstrap
from bot.app.serve import build_service, console_factory, serve
from bot.app.settings import load_settings
from bot.chat.results import CommandContext
from bot.cli import main
from tests.conftest import SAMPLE_DUMP

CHANNEL = "console:local:newsroom"  # the shipped embedded default


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDIGEST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("NEWSDIGEST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDIGEST_DIGEST__MARKDOWN_DIR", str(tmp_path / "digests"))
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _posted(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "digests").rglob("*.md"))


def test_dry_run_renders_and_posts_nothing(capsys: pytest.CaptureFixture[str], environment: Path) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    code, out, _ = run(capsys, "digest", "--channel", CHANNEL, "--dry-run", "--format", "markdown")
    assert code == 0 and out.startswith("# Daily digest") and "Gold" in out
    assert _posted(environment) == []
    code, out, _ = run(capsys, "digest", "--channel", CHANNEL, "--dry-run", "--format", "json")
    assert code == 0 and json.loads(out)["run_marker"].startswith("dry-run-")


def test_second_run_the_same_day_posts_nothing_unless_forced(capsys: pytest.CaptureFixture[str],
                                                             environment: Path) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    code, out, err = run(capsys, "digest", "--channel", CHANNEL)
    assert code == 0 and "Daily digest" in out and "Posted" in err and len(_posted(environment)) == 1
    code, out, err = run(capsys, "digest", "--channel", CHANNEL)
    assert code == 0 and out == "" and "already posted" in err and len(_posted(environment)) == 1
    code, out, err = run(capsys, "digest", "--channel", CHANNEL, "--force")
    assert code == 0 and "No new stories" in err and len(_posted(environment)) == 1  # nothing new to force


def test_digest_for_a_channel_without_topics_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "digest", "--channel", "slack:T1:C1")
    assert code == 2 and "follows no topics" in err and CHANNEL in err
    code, _, err = run(capsys, "digest", "--channel", "nonsense")
    assert code == 2 and "platform:workspace:channel" in err


@pytest.mark.parametrize("command", [["channels"], ["digest", "--channel", CHANNEL, "--dry-run"]])
def test_a_bad_channels_file_is_one_clear_line(command: list[str], capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "channels.toml").write_text('[channels."console:local:newsroom"]\ntime = "25:99"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSDIGEST_CONFIG_DIR", str(cfg))
    code, _, err = run(capsys, *command)
    assert code == 2 and err.startswith("newsdigest: error:") and "25:99" in err and "Traceback" not in err


def test_channels_lists_the_next_digest_time(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "channels")
    header, row = out.splitlines()[:2]
    assert header.split()[:4] == ["CHANNEL", "TIME", "TIMEZONE", "STATE"] and "LAST POSTED" in header
    assert code == 0 and row.split()[:4] == [CHANNEL, "07:30", "Europe/London", "active"] and "never" in row
    code, out, _ = run(capsys, "channels", "--format", "json")
    [row] = json.loads(out)
    assert row["channel"] == CHANNEL and row["next_digest"].endswith(("+00:00", "+01:00"))
    assert "T07:30:00" in row["next_digest"]


async def test_serve_ingests_inbox_files_schedules_channels_and_stops_cleanly(environment: Path) -> None:
    settings = load_settings(inbox={"poll_seconds": 0.2, "stable_seconds": 0.0})
    app = bootstrap(settings)
    poster = ConsolePoster(terminal=False)
    service = build_service(app, [console_factory(poster)])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(service, stop=stop))
    try:
        inbox = settings.inbox_dir
        for _ in range(2400):  # a generous bound (120 s) on a loaded machine; nothing about timing is asserted
            if inbox.is_dir():
                break
            await asyncio.sleep(0.05)
        tmp = inbox / "sample.txt.part"
        tmp.write_bytes(SAMPLE_DUMP.read_bytes())
        tmp.rename(inbox / "sample.txt")  # the write-then-rename convention
        (inbox / "junk.txt").write_bytes(b"\x00\xff" * 50)
        for _ in range(2400):  # bounded wait (120 s) for the interval job; no timing is asserted
            if (inbox / "processed" / "sample.txt").exists() and (inbox / "rejected" / "junk.txt.error").exists():
                break
            await asyncio.sleep(0.05)
        assert (inbox / "processed" / "sample.txt").exists()
        assert (inbox / "rejected" / "junk.txt.error").read_text().strip()
        fires = service.scheduler.next_fire_times()
        assert [str(k) for k in fires] == [CHANNEL] and fires[next(iter(fires))] is not None
        reply = await service.commands.digest(CommandContext("console", "local", "newsroom", "me", can_manage=True),
                                              "now")
        assert reply.ok and poster.posts and poster.posts[-1].digest.title.startswith("Digest update")
    finally:
        stop.set()
        await asyncio.wait_for(task, 120)
        app.close()
    assert not service.scheduler.scheduler.running


def test_serve_process_stops_on_sigterm(environment: Path) -> None:
    env = {**os.environ, "NEWSDIGEST_INBOX__POLL_SECONDS": "0.5", "NEWSDIGEST_WEB__PORT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 180
        lines = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            if "serve_started" in line or not line:
                break
        assert any("serve_started adapters=console" in line for line in lines), "".join(lines)
        # The dashboard's health and readiness answer with only the console adapter running.
        [url] = re.findall(r"dashboard=(http://127\.0\.0\.1:\d+/)", "".join(lines))
        for path, body in (("healthz", '"status": "ok"'), ("readyz", '"status": "ready"')):
            with urllib.request.urlopen(url + path, timeout=30) as response:
                assert response.status == 200 and body in response.read().decode()
        port = url.rstrip("/").rsplit(":", 1)[1]
        check = subprocess.run([sys.executable, "-m", "bot.cli", "healthcheck", "--port", port, "--ready"], env=env,
                               capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
        assert check.returncode == 0 and "ready" in check.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
        assert "serve_stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_history_lists_every_run_and_channels_shows_the_last_posted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history")
    assert code == 0 and "No digest runs yet" in out
    run(capsys, "ingest", str(SAMPLE_DUMP))
    run(capsys, "digest", "--channel", CHANNEL)
    code, out, _ = run(capsys, "history")
    header, row = out.splitlines()
    assert header.split()[:3] == ["WHEN", "(UTC)", "CHANNEL"] and "STATUS" in header
    assert CHANNEL in row and " daily " in row and " posted " in row and ".md" in row
    code, out, _ = run(capsys, "history", "--channel", CHANNEL, "--since", "1d", "--format", "json")
    [record] = json.loads(out)
    assert record["status"] == "posted" and record["stories"] > 0 and record["message_ids"]
    code, out, _ = run(capsys, "history", "--channel", "slack:T1:C1")
    assert code == 0 and "No digest runs match" in out
    code, out, _ = run(capsys, "channels")
    assert "stories)" in out.splitlines()[1]  # the LAST POSTED column: when, and how many stories
    code, out, _ = run(capsys, "channels", "--format", "json")
    assert json.loads(out)[0]["last_posted_stories"] == record["stories"]


def test_healthcheck_fails_when_nothing_answers(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago and has no server now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = run(capsys, "healthcheck", "--port", str(port), "--timeout", "5")
    assert code == 1 and "not answering" in err
