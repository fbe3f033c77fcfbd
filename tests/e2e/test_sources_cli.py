"""``newsdigest sources``: list, add, remove, poll, OPML import and export, through ``bot.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.settings import default_config_dir
from bot.cli import main
from tests.integration.feed_server import feed_json, response, story, threaded_feed_server


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDIGEST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("NEWSDIGEST_DATA_DIR", str(tmp_path / "data"))
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "topics.toml").write_bytes((default_config_dir() / "topics.toml").read_bytes())
    monkeypatch.setenv("NEWSDIGEST_CONFIG_DIR", str(cfg))
    return cfg


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_poll_list_and_remove(capsys: pytest.CaptureFixture[str]) -> None:
    with threaded_feed_server() as server:
        server.static("/feed.json", feed_json([story(1), story(2)]), etag='"e"')
        server.scripted("/down.json", [response(503)])
        good, bad = server.url("/feed.json"), server.url("/down.json")
        assert run(capsys, "sources", "add", good, "--every", "10m", "--name", "Harbour")[0] == 0
        code, out, _ = run(capsys, "sources", "add", bad, "--every", "1h", "--full-text")
        assert code == 0 and "every 1h, full text on" in out
        code, out, _ = run(capsys, "sources", "poll")
        assert code == 1  # one source failed
        assert f"{good}: 200, 2 new, 0 already stored" in out and f"{bad}: HTTP 503, failed: HTTP 503" in out
    code, out, _ = run(capsys, "sources")
    header, *rows = out.splitlines()
    assert header.split("  ")[0] == "SOURCE" and "LAST FETCH (UTC)" in header and "NEXT POLL (UTC)" in header
    assert "FAILURES" in header and "LAST ERROR" in header and "TAKEN" in header
    row = {r.split()[0]: r.split() for r in rows}
    assert row[good][1:2] == ["10m"] and "200" in row[good] and row[good][-1] == "-"
    assert "1h +text" in rows[0] or "1h +text" in rows[1]
    assert row[bad][-3:] == ["503", "Service", "Unavailable"]
    data = {s["url"]: s for s in json.loads(run(capsys, "sources", "--format", "json")[1])}
    assert (data[good]["items_taken"], data[good]["consecutive_failures"], data[good]["name"]) == (2, 0, "Harbour")
    assert data[bad]["consecutive_failures"] == 1 and data[bad]["last_error"] == "HTTP 503 Service Unavailable"
    assert data[bad]["next_poll"] is not None and data[bad]["active"]
    code, out, _ = run(capsys, "sources", "remove", bad)
    assert code == 0 and "Removed" in out
    assert [s["url"] for s in json.loads(run(capsys, "sources", "--format", "json")[1])] == [good]
    code, _, err = run(capsys, "sources", "remove", bad)
    assert code != 0 and "no source" in err


def test_opml_export_then_import_elsewhere(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "sources", "add", "https://a.example/rss", "--every", "20m", "--name", "A")
    run(capsys, "sources", "add", "https://b.example/atom")
    out_file = tmp_path / "feeds.opml"
    code, _, err = run(capsys, "sources", "export", "-o", str(out_file))
    assert code == 0 and "Wrote 2 sources" in err
    monkeypatch.setenv("NEWSDIGEST_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    code, out, _ = run(capsys, "sources", "import", str(out_file))
    assert code == 0 and "2 new, 0 already known, 0 skipped" in out
    data = {s["url"]: s for s in json.loads(run(capsys, "sources", "--format", "json")[1])}
    assert (data["https://a.example/rss"]["every_seconds"], data["https://a.example/rss"]["name"]) == (1200, "A")
    assert data["https://b.example/atom"]["every_seconds"] == 15 * 60  # the default
    assert all(s["origin"] == "opml" for s in data.values())
    assert run(capsys, "sources", "import", str(out_file))[1].startswith(f"Imported {out_file}: 0 new, 2 already")


def test_file_sources_are_listed_and_removal_sticks(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    (env / "sources.toml").write_text('[defaults]\nevery = "30m"\n[[sources]]\nurl = "https://wire.example/rss"\n')
    data = json.loads(run(capsys, "sources", "--format", "json")[1])
    assert [(s["url"], s["origin"], s["every_seconds"]) for s in data] == [("https://wire.example/rss", "file", 1800)]
    code, out, _ = run(capsys, "sources", "remove", "https://wire.example/rss")
    assert code == 0 and "stays listed in config/sources.toml" in out
    [state] = json.loads(run(capsys, "sources", "--format", "json")[1])
    assert not state["active"] and state["next_poll"] is None  # the file does not bring it back
    assert "(removed)" in run(capsys, "sources")[1]
    run(capsys, "sources", "add", "https://wire.example/rss")
    [state] = json.loads(run(capsys, "sources", "--format", "json")[1])
    assert state["active"] and state["origin"] == "file"


@pytest.mark.parametrize(("argv", "message"), [
    (["sources", "add", "not-a-url"], "not a feed URL"),
    (["sources", "add", "https://x.example/", "--every", "5s"], "between 1m and 7d"),
    (["sources", "import", "/nonexistent.opml"], "cannot read"),
])
def test_bad_input_is_one_clear_error(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    try:
        code, _, err = run(capsys, *argv)
    except SystemExit as exc:  # argparse rejects a bad --every itself
        code, err = int(exc.code or 2), capsys.readouterr().err
    assert code != 0 and message in err and "Traceback" not in err
