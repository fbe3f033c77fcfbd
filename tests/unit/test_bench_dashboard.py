"""`newsdigest bench --dashboard`: a small run fills the database, serves every page and prints both columns."""

from __future__ import annotations

import re

import pytest

from bot.cli import main


def test_dashboard_bench_times_every_page_with_and_without_the_indexes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--dashboard", "300", "--channels", "5", "--runs", "3"]) == 0
    out = capsys.readouterr().out
    assert "300 stories, 5 channels, 15 posted runs" in out
    rows = re.findall(r"^\| `([^`]+)` \| ([\d.]+) \| ([\d.]+) \|$", out, re.MULTILINE)
    assert {page for page, _, _ in rows} >= {"/", "/channels", "/history", "/inbox", "/stories?q=gold"}
    assert all(float(a) > 0 and float(b) > 0 for _, a, b in rows)
