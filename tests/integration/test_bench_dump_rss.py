"""The scale benchmark's streamed-dump row: the child's peak RSS and its RSS by stories stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.bench.scale import dump_peak_rss, rss_curve_line
from bot.bench.synthetic import StoryMaker, real_sentences


def test_the_curve_line_shows_evenly_spaced_samples_and_the_last() -> None:
    curve = {k * 1000: 150 + k for k in range(20)}
    line = rss_curve_line(curve, points=4)
    assert line.startswith("0: 150 MB, 5,000: 155 MB") and line.endswith("19,000: 169 MB")
    assert rss_curve_line({0: 150}) == "0: 150 MB"


def test_a_small_dump_reports_its_peak_and_its_curve(tmp_path: Path) -> None:
    maker = StoryMaker(real_sentences(), seed=2, end=datetime(2026, 11, 30, tzinfo=UTC))
    result = dump_peak_rss("sqlite", 1, maker, tmp_path, every=0.2)
    assert result["new"] == result["stories"] > 100
    curve = result["curve"]
    assert curve and 0 < max(curve.values()) <= result["rss_mb"] + 1  # the peak is the child's high-water mark
