"""A bench rewrites its own section of docs/benchmarks.md and nothing else."""

from __future__ import annotations

from bot.cli.bench_feeds import replace_section

REPORT = """# Benchmarks

## Quality

rows

## Scale: ingest

| old | figures |

### Memory of a streamed dump (written by hand)

dated figures

## Latency

latency rows
"""


def test_a_generated_section_is_replaced_and_the_hand_written_subsections_under_it_stay() -> None:
    new = replace_section(REPORT, "## Scale: ingest\n\n| new | figures |\n")
    assert "| new | figures |" in new and "| old | figures |" not in new
    assert "### Memory of a streamed dump (written by hand)\n\ndated figures" in new
    assert new.index("| new | figures |") < new.index("### Memory") < new.index("## Latency")
    assert "## Quality\n\nrows" in new and "latency rows" in new


def test_a_missing_section_is_added_at_the_end() -> None:
    new = replace_section(REPORT, "## Feed polling\n\nfeeds\n")
    assert new.startswith(REPORT.rstrip()) and new.endswith("## Feed polling\n\nfeeds\n")
