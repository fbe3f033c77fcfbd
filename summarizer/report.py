"""The benchmark report as Markdown (pure formatting; the CLI measures and writes it)."""

from __future__ import annotations

from typing import Any


def render_markdown(
    date: str,
    machine: str,
    rows: list[Any],
    notes: list[str],
    source: str,
    lat: list[tuple[str, Any]],
    speed: list[tuple[str, float, float]],
    group: int,
) -> str:
    """The Markdown benchmark report (docs/benchmarks.md) from one run's figures."""
    out = [
        "# Benchmarks",
        "",
        "Written by `newsdigest bench` (`make bench`); numbers from one run on one machine, not a test.",
        "",
        f"- Date: {date}",
        f"- Machine: {machine}",
        "- ROUGE: rouge-score F1 x100 (stemmed, mean over references), scored like `../shared/tools/summ_eval.py`;"
        " time is wall seconds for the whole set, in-process.",
        "",
    ]
    if rows:
        out += [
            "## Quality",
            "",
            "| set | system | n | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | seconds |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {r.set_name} | {r.system} | {r.n} | {r.rouge1:.2f} | {r.rouge2:.2f} | {r.rougeLsum:.2f} | "
            f"{r.seconds:.2f} |"
            for r in rows
        ]
        out.append("")
    if notes:
        out += ["Notes:", "", *[f"- {n}" for n in notes], ""]
    out += [
        "## Latency (in-process, one core)",
        "",
        f"Input: {source}.",
        "",
        "| what | wall median ms | wall p95 ms | CPU median ms | CPU p95 ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {label} | {x.wall_median:.1f} | {x.wall_p95:.1f} | {x.cpu_median:.1f} | {x.cpu_p95:.1f} |"
        for label, x in lat
    ]
    out += [
        "",
        "CPU time is what one core spends on the call; wall time adds waiting for a core, which is larger"
        " when the machine is busy (see the load average above). Every timed call starts with the per-text"
        " caches empty (`summarizer.rank.clear_caches`): the figures are for stories the process has not read.",
        "",
    ]
    if speed:
        wall0, cpu0 = speed[0][1], speed[0][2]
        out += [
            f"## Multi-article speed ({group} articles per item, cnndm_dev grouped)",
            "",
            "| system | wall s | CPU s | x faster than sumy LexRank (wall) | (CPU) |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {label} | {w:.2f} | {c:.2f} | {wall0 / max(w, 1e-9):.1f} | {cpu0 / max(c, 1e-9):.1f} |"
            for label, w, c in speed
        ]
        out.append("")
    return "\n".join(out)
