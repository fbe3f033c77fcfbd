"""The foundation subcommands, run in-process through ``bot.cli.main`` and once as the real console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.options import parse_since
from tests.conftest import SAMPLE_DUMP

ARTICLE_KEYS = {"id", "title", "topics", "credit", "published_at", "ingested_at"}


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("NEWSDIGEST_DATABASE_URL", url)
    monkeypatch.setenv("NEWSDIGEST_DATA_DIR", str(tmp_path / "data"))
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_twice_reports_new_then_duplicates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ingest", str(SAMPLE_DUMP))
    assert code == 0 and "files: 1  new: 4  duplicates: 0  rejected: 0" in out
    code, out, _ = run(capsys, "ingest", str(SAMPLE_DUMP), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["files"], data["new"], data["duplicates"], data["rejected"]) == (1, 0, 4, 0)
    assert data["results"][0]["status"] == "ok" and len(data["results"][0]["article_ids"]) == 4


def test_ingest_exit_status_is_1_when_a_file_is_rejected(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\xff" * 100)
    code, out, _ = run(capsys, "ingest", str(SAMPLE_DUMP), str(bad), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["new"] == 4 and data["rejected"] == 1
    rejected = [r for r in data["results"] if r["status"] == "rejected"]
    assert rejected[0]["path"] == str(bad) and rejected[0]["reason"]
    code, out, _ = run(capsys, "ingest", str(bad))
    assert code == 1 and f"rejected {bad}:" in out


def test_articles_json_lists_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    code, out, _ = run(capsys, "articles", "--format", "json")
    articles = json.loads(out)
    assert code == 0 and len(articles) == 4
    for article in articles:
        assert set(article) >= ARTICLE_KEYS
        datetime.fromisoformat(article["ingested_at"])
    starmer = next(a for a in articles if a["title"].startswith("Starmer"))
    assert {"china", "uk"} <= set(starmer["topics"]) and "ukraine" not in starmer["topics"]
    assert starmer["credit"] == "Reuters"


def test_articles_filters_by_topic_and_since(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    _, out, _ = run(capsys, "articles", "--topic", "Ukraine", "--format", "json")
    assert "Casualties" in json.loads(out)[0]["title"]
    _, out, _ = run(capsys, "articles", "--since", "1h", "--format", "json")
    assert len(json.loads(out)) == 4
    _, out, _ = run(capsys, "articles", "--since", "2999-01-01", "--format", "json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "articles")
    assert code == 0 and "topics: " in out and "(Reuters)" in out


def test_unknown_topic_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "articles", "--topic", "ukrane")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown topic 'ukrane'" in err and "ukraine" in err


def test_topics_lists_counts(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    code, out, _ = run(capsys, "topics")
    assert code == 0 and re.search(r"^ukraine\s+Ukraine\s+2$", out, re.M)
    assert re.search(r"^energy\s+Energy\s+0$", out, re.M)
    _, out, _ = run(capsys, "topics", "--format", "json")
    counts = {row["name"]: row["articles"] for row in json.loads(out)}
    assert counts["china"] == 1 and counts["sanctions"] == 1 and counts["russia"] == 2


def test_retag_applies_an_edited_topics_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    config = tmp_path / "config"
    config.mkdir()
    (config / "topics.toml").write_text('[topics.gold]\nlabel = "Gold"\naliases = ["bullion"]\n')
    monkeypatch.setenv("NEWSDIGEST_CONFIG_DIR", str(config))
    _, out, _ = run(capsys, "topics", "--format", "json")
    assert json.loads(out) == [{"name": "gold", "label": "Gold", "articles": 0}]  # tags from ingest time
    code, out, err = run(capsys, "topics", "--retag", "--format", "json")
    assert code == 0 and "Re-tagged 4 articles." in err
    assert json.loads(out) == [{"name": "gold", "label": "Gold", "articles": 1}]
    _, out, _ = run(capsys, "articles", "--format", "json")
    assert [a["topics"] for a in json.loads(out) if a["topics"]] == [["gold"]]


def test_brief_formats_and_fallbacks(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SAMPLE_DUMP))
    code, out, _ = run(capsys, "brief", "ukraine")
    assert code == 0 and out.startswith("Ukraine\n") and "Center for Strategic and International Studies" in out
    code, out, _ = run(capsys, "brief", "ukraine", "--format", "markdown")
    assert code == 0 and out.startswith("## Ukraine")
    code, out, _ = run(capsys, "brief", "gold", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["matched_by"] == "fulltext" and "Gold" in data["stories"][0]["headline"]
    code, out, _ = run(capsys, "brief", "ukraine", "--since", "2999-01-01")
    assert code == 0 and "No new stories on Ukraine." in out
    code, out, err = run(capsys, "brief", "ukrane")
    assert code == 1 and out == "" and err.count("\n") == 1 and "Did you mean: ukraine" in err


def test_demo_prints_the_sample_digest_grouped_by_topic(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSDIGEST_DATABASE_URL")  # the embedded default: SQLite in the data dir
    code, out, err = run(capsys, "demo")
    assert code == 0 and "4 new" in err
    assert (tmp_path / "data" / "newsdigest.sqlite3").is_file()
    sections = re.findall(r"^(.+)\n─+$", out, re.M)
    assert len(sections) >= 2 and len(set(sections)) == len(sections)
    # The scheduled digest's composer: each of the four stories once, under its best topic.
    stories = re.findall(r"^  • (.+?)(?: — |\s\(|$)", out, re.M)
    assert len(stories) == 4 and len(set(stories)) == 4, stories
    # The CSIS casualty report is as much about Ukraine as Russia; the gold sanctions story is Russia's.
    parts = re.split(r"^(.+)\n─+$", out, flags=re.M)  # [preamble, name, body, name, body, ...]
    by_section = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert "Casualties" in by_section["Ukraine"] and "Gold" in by_section["Russia"], by_section
    # Every sentence at most once in the whole digest (leads and blurbs).
    text = " ".join(line.strip() for line in out.splitlines())
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text) if len(s.split()) > 6]
    assert len(sentences) == len(set(sentences)), [s for s in sentences if sentences.count(s) > 1]
    # One screen, not 181 lines: at most about half of what one brief per topic used to print.
    assert len(out.splitlines()) <= 90
    assert "Center for Strategic and International Studies" in text and "2 Million" in text
    assert not re.search(r"^TT$|\bTT\b", out, re.M)
    assert "REUTERS/" not in out and "via REUTERS" not in out and "EPA/" not in out
    assert "bouquet of flowers" not in out and "gold refining workshop" not in out  # caption text
    code, again, err = run(capsys, "demo")
    assert code == 0 and "0 new, 4 already stored" in err
    assert re.findall(r"^(.+)\n─+$", again, re.M) == sections


def test_database_url_option_and_bad_urls(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    code, _, _ = run(capsys, "ingest", str(SAMPLE_DUMP), "--database-url", f"sqlite:///{other}")
    assert code == 0 and other.is_file()
    _, out, _ = run(capsys, "articles", "--format", "json")
    assert json.loads(out) == []  # the environment's database was not touched
    code, _, err = run(capsys, "topics", "--database-url", "nosuchdb://x")
    assert code == 2 and err.startswith("newsdigest: error:") and err.count("\n") == 1


@pytest.mark.parametrize(("text", "delta"), [("90m", timedelta(minutes=90)), ("24h", timedelta(hours=24)),
                                             ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2))])
def test_since_accepts_relative_times(text: str, delta: timedelta) -> None:
    now = datetime(2026, 1, 28, 12, tzinfo=UTC)
    assert parse_since(text, now=now) == now - delta


def test_since_accepts_iso_dates_as_utc() -> None:
    assert parse_since("2026-01-28") == datetime(2026, 1, 28, tzinfo=UTC)
    assert parse_since("2026-01-28T10:00+02:00") == datetime(2026, 1, 28, 8, tzinfo=UTC)


def test_the_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "newsdigest"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    env = {**os.environ, "NEWSDIGEST_DATABASE_URL": f"sqlite:///{tmp_path / 'sub.sqlite3'}"}
    done = subprocess.run([str(script), "ingest", str(SAMPLE_DUMP), "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 4
    failed = subprocess.run([str(script), "brief", "zzzzqqq"], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.startswith("newsdigest: error: No topic or story matches")
