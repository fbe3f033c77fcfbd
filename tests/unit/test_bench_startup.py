"""``newsdigest bench --startup``: both ways of running a brief, timed as processes, print the same brief."""

from __future__ import annotations

import re

import pytest

from bot.app.errors import UserError
from bot.cli import bench_startup
from bot.cli.bench_cmd import SAMPLE


def test_startup_bench_reports_the_program_beside_plain_main() -> None:
    report = bench_startup.run_startup_bench(1, SAMPLE)
    rows = [line for line in report.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == ["| `newsdigest` (`bot.cli.entry_point`)",
                                                     "| `bot.cli.main`, collector left as Python sets it"]
    for row in rows:
        figures = [float(x) for x in re.findall(r"\d+\.\d{3}", row)]
        assert len(figures) == 4 and all(x > 0 for x in figures), row


def test_startup_bench_stops_when_the_command_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_startup, "COMMAND", ("no-such-command",))
    with pytest.raises(UserError, match="failed"):
        bench_startup.run_startup_bench(1, SAMPLE)
