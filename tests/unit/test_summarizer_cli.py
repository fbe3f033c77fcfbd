"""`newsdigest summarize`: the JSONL contract summaries are evaluated through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_A = (
    "The United States on Tuesday imposed sanctions on more than 100 targets and banned new imports of Russian gold. "
    "The US Treasury Department said it imposed sanctions on 70 entities and 29 people. "
    "The move freezes any US assets of those designated. "
    "Fresh sanctions were imposed on Rostec, Russia's state aerospace and defense conglomerate."
)
ARTICLE_B = (
    "British Prime Minister Keir Starmer met Chinese President Xi Jinping in Beijing on Thursday. "
    "Starmer said Britain wanted a consistent relationship with China focused on trade. "
    "It was the first visit to China by a British prime minister since 2018."
)


def _write(tmp_path: Path, records: Sequence[object]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(["summarize", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def test_one_line_per_input_in_input_order_with_at_most_n_sentences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records: list[dict[str, object]] = [
        {"id": "z-last", "articles": [ARTICLE_A], "title": "US sanctions Russian gold"},
        {"id": "a-first", "articles": [ARTICLE_B], "title": None},
        {"id": "multi", "articles": [ARTICLE_A, ARTICLE_B], "title": None},
        {"id": 7, "articles": [], "title": None},
    ]
    code, rows, _ = _run(capsys, "--input", str(_write(tmp_path, records)), "--sentences", "2")
    assert code == 0
    assert [r["id"] for r in rows] == ["z-last", "a-first", "multi", "7"]
    sources = [ARTICLE_A, ARTICLE_B, ARTICLE_A + " " + ARTICLE_B]
    for row, source in zip(rows[:3], sources, strict=True):
        summary = row["summary"]
        assert isinstance(summary, list) and 1 <= len(summary) <= 2
        assert all(s in source for s in summary)  # whole sentences taken from the articles
    assert rows[3]["summary"] == []


def test_words_budget_takes_about_n_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, [{"id": "m", "articles": [ARTICLE_A, ARTICLE_B], "title": None}])
    code, rows, _ = _run(capsys, "--input", str(path), "--words", "30")
    assert code == 0
    summary = rows[0]["summary"]
    assert isinstance(summary, list)
    counts = [len(str(s).split()) for s in summary]
    # Picking stops at the first sentence that reaches the budget (reading order may differ from pick order).
    assert sum(counts) - max(counts) < 30 <= sum(counts)


@pytest.mark.parametrize("algorithm", ["default", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl"])
def test_every_algorithm_is_selectable(algorithm: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, [{"id": "x", "articles": [ARTICLE_A], "title": None}])
    code, rows, _ = _run(capsys, "--input", str(path), "--sentences", "1", "--algorithm", algorithm)
    assert code == 0 and len(rows[0]["summary"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "in.jsonl:2: not valid JSON"),
        ('["a list"]', "in.jsonl:2: expected a JSON object"),
        ('{"id": "x", "articles": "text"}', "in.jsonl:2: 'articles' must be a list of strings"),
        ('{"id": null, "articles": []}', "in.jsonl:2: 'id' must be a string"),
        ('{"id": "x", "articles": [], "title": 5}', "in.jsonl:2: 'title' must be a string or null"),
        ('{"id": "x", "articles": [], "previous": "told"}', "in.jsonl:2: 'previous' must be a list of strings"),
        ('{"id": "x", "articles": [], "language": 7}', "in.jsonl:2: 'language' must be a string"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2_with_no_output(
    line: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, [{"id": "ok", "articles": [ARTICLE_A], "title": None}, line])
    code, rows, err = _run(capsys, "--input", str(path), "--sentences", "1")
    assert code == 2
    assert rows == []  # validated before anything is written
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_bad_budget_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--input", str(tmp_path / "nope.jsonl"), "--sentences", "1")
    assert code == 2 and "input file not found" in err
    path = _write(tmp_path, [{"id": "ok", "articles": [ARTICLE_A], "title": None}])
    for argv in (["--sentences", "0"], ["--words", "x"], ["--sentences", "1", "--words", "5"], []):
        with pytest.raises(SystemExit) as exc:
            main(["summarize", "--input", str(path), *argv])
        assert exc.value.code == 2
    capsys.readouterr()


def test_runs_offline_in_a_fresh_process_without_nltk_data(tmp_path: Path) -> None:
    """Every algorithm in a real process with no NLTK data reachable and NLTK loading forbidden."""
    path = _write(tmp_path, [{"id": "x", "articles": [ARTICLE_A, ARTICLE_B], "title": None}])
    script = (
        "import nltk, sys\n"
        "def boom(*a, **k): raise SystemExit('NLTK data requested')\n"
        "nltk.data.load = boom; nltk.download = boom\n"
        "from bot.cli import main\n"
        "for alg in ('default','lead','lexrank','textrank','lsa','luhn','sumbasic','kl'):\n"
        f"    assert main(['summarize','--input',{str(path)!r},'--words','25','--algorithm',alg]) == 0\n"
    )
    env = {
        **os.environ,
        "NLTK_DATA": "/nonexistent",
        "HOME": str(tmp_path),
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len([line for line in proc.stdout.splitlines() if line.startswith('{"id": "x"')]) == 8


def test_the_contract_also_runs_as_a_module_without_the_dispatcher(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "b", "articles": [ARTICLE_B], "title": None}, "{bad"])
    cmd = [sys.executable, "-m", "bot.cli.summarize_cmd", "--input", str(path), "--sentences", "1"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "in.jsonl:2: not valid JSON" in proc.stderr and proc.stdout == ""
    path.write_text(json.dumps({"id": "b", "articles": [ARTICLE_B], "title": None}) + "\n", encoding="utf-8")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["id"] == "b" and len(json.loads(proc.stdout)["summary"]) == 1
