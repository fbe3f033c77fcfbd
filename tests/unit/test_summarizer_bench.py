"""`newsdigest bench`: runs anywhere, says clearly what it skipped, writes the Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ITEM = {
    "id": "one",
    "articles": [
        "The United States on Tuesday imposed sanctions on more than 100 targets and banned Russian gold. "
        "The Treasury said it designated 70 entities and 29 people critical to Russia's defense industry."
    ],
    "title": None,
    "reference": ["The US imposed sanctions on more than 100 targets and banned Russian gold imports."],
}


def test_without_dev_data_it_says_so_and_still_measures_latency_on_the_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "benchmarks.md"
    code = main(["bench", "--data", str(tmp_path / "absent"), "--repeats", "1", "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 0
    assert "dev data not found" in err
    report = out.read_text(encoding="utf-8")
    assert "dev data not found" in report
    assert "cores" in report and "Date:" in report
    assert "world-news-2026-01-28.txt" in report  # the bundled sample stood in for the dev articles
    assert "| lead paragraph (4 sentences, query) from 50 articles |" in report
    assert "## Quality" not in report and "Multi-article speed" not in report


def test_a_rewrite_keeps_the_hand_written_duc2006_blurb_and_update_sections(tmp_path: Path) -> None:
    from bot.cli.bench_cmd import BLURBS_HEADING, CLUSTERS_HEADING, UPDATE_HEADING

    out = tmp_path / "benchmarks.md"
    out.write_text(
        f"# Benchmarks\n\n## Quality\n\nold rows\n\n{CLUSTERS_HEADING}\n\nhalves 32.82 / 30.37\n\n"
        f"{BLURBS_HEADING}\n\nxsum train 18.78 / 2.49\n\n{UPDATE_HEADING}\n\norigin repo@commit\n",
        encoding="utf-8",
    )
    assert main(["bench", "--data", str(tmp_path / "absent"), "--repeats", "1", "--output", str(out)]) == 0
    report = out.read_text(encoding="utf-8")
    assert f"{CLUSTERS_HEADING}\n\nhalves 32.82 / 30.37" in report  # kept: too slow to re-run every bench
    assert f"{BLURBS_HEADING}\n\nxsum train 18.78 / 2.49" in report  # kept: its data is not in the repo
    assert f"{UPDATE_HEADING}\n\norigin repo@commit" in report  # kept: its data is not at hand everywhere
    assert "old rows" not in report  # the generated sections were rewritten


def test_an_extra_set_is_scored_for_each_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rouge_score")
    data = tmp_path / "tiny.jsonl"
    data.write_text(json.dumps(ITEM) + "\n", encoding="utf-8")
    out = tmp_path / "b.md"
    argv = ["bench", "--data", str(tmp_path), "--set", f"tiny={data}:sentences:1", "--systems", "default,lead"]
    code = main([*argv, "--half", "all", "--repeats", "1", "--output", str(out)])
    printed, _ = capsys.readouterr()
    assert code == 0
    report = out.read_text(encoding="utf-8")
    for system in ("default", "lead"):
        assert f"| tiny | {system} | 1 |" in report
        assert f"tiny             {system}" in printed
    assert "| tiny | lead | 1 | 0.00" not in report  # the lead sentence overlaps the reference
    assert "default+previous" not in report  # no item carries "previous": no update row


def test_sets_are_scored_on_their_fixed_check_half_and_update_data_with_and_without_previous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("rouge_score")
    from summarizer.evaluate import dev_half

    ids = [f"item-{i}" for i in range(12)]
    check = [i for i in ids if dev_half(i) == "check"]
    assert 0 < len(check) < len(ids)  # both halves are populated
    data = tmp_path / "update.jsonl"
    told = "The United States on Tuesday imposed sanctions on more than 100 targets and banned Russian gold."
    lines = [json.dumps({**ITEM, "id": i, "previous": [told], "meta": {"origin": "example/repo@abc123"}}) for i in ids]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "b.md"
    argv = ["bench", "--data", str(tmp_path), "--set", f"upd={data}:sentences:1", "--systems", "default,lead"]
    assert main([*argv, "--repeats", "1", "--output", str(out)]) == 0
    capsys.readouterr()
    report = out.read_text(encoding="utf-8")
    n = len(check)
    for system in ("default", "default+previous", "lead"):
        assert f"| upd/check | {system} | {n} |" in report
    # Told the first sentence already, the update summary says the second instead: a different score.
    row = {line.split("|")[2].strip(): line for line in report.splitlines() if line.startswith("| upd/check |")}
    assert row["default"] != row["default+previous"].replace("default+previous", "default")
    assert "upd: extra set" in report and "origin example/repo@abc123" in report  # the set says where it is from


def test_missing_rouge_is_a_clear_error_but_latency_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import summarizer.evaluate as ev

    def unavailable() -> None:
        raise ev.RougeUnavailable("ROUGE needs rouge-score")

    monkeypatch.setattr(ev, "make_scorer", unavailable)
    data = tmp_path / "tiny.jsonl"
    data.write_text(json.dumps(ITEM) + "\n", encoding="utf-8")
    code = main(["bench", "--data", str(tmp_path), "--set", f"tiny={data}:words:20", "--repeats", "1", "--no-write"])
    printed, err = capsys.readouterr()
    assert code == 1
    assert "ROUGE needs rouge-score" in err
    assert "latency" in printed


@pytest.mark.parametrize(
    "argv",
    [["--systems", "default,bogus"], ["--set", "broken"], ["--set", "x=file.jsonl:pages:3"]],
)
def test_bad_options_are_user_errors(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--data", str(tmp_path), "--no-write", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("newsdigest: error:")
