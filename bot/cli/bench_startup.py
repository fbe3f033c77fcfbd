"""``newsdigest bench --startup N``: a short command as a whole process, beside the same command run plainly.

Ingests the bundled sample into a fresh SQLite file, then runs ``newsdigest brief ukraine`` N times as
the program does (``python -m bot.cli``: :func:`bot.cli.entry_point`, with its garbage-collector
settings) and N times through :func:`bot.cli.main` with the collector as Python leaves it (how the
program ran before), alternating so both see the same machine load. Wall and CPU (user + system, from
``wait4``) of each process, start-up and exit included; both must print the same brief.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.app.errors import UserError
from summarizer.evaluate import p95

COMMAND = ("brief", "ukraine")
PLAIN_MAIN = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


def _timed_process(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and standard output of one process run to its end."""
    # An installed package has its .pyc files; without them every run would compile every module.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage, not all children's so far
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            problem = err.read().decode(errors="replace").strip()[-300:]
            raise UserError(f"{' '.join(cmd[-4:])} failed ({proc.returncode}): {problem}")
        return wall, usage.ru_utime + usage.ru_stime, out.read().decode(errors="replace")


def run_startup_bench(runs: int, sample: Path) -> str:
    """Time both ways of running the command ``runs`` times each; the report as Markdown."""
    with tempfile.TemporaryDirectory(prefix="newsdigest-startup-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.sqlite3'}"
        _timed_process([sys.executable, "-m", "bot.cli", "ingest", str(sample), "--database-url", url])
        args = [*COMMAND, "--database-url", url]
        ways = {"`newsdigest` (`bot.cli.entry_point`)": [sys.executable, "-m", "bot.cli", *args],
                "`bot.cli.main`, collector left as Python sets it": [sys.executable, "-c", PLAIN_MAIN, *args]}
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in ways}
        outputs = {label: _timed_process(cmd)[2] for label, cmd in ways.items()}  # warm-up: .pyc, page cache
        if len(set(outputs.values())) != 1:
            raise UserError("the two ways printed different briefs")
        load_before = os.getloadavg()[0]
        for _ in range(runs):
            for label, cmd in ways.items():
                wall, cpu, _ = _timed_process(cmd)
                times[label].append((wall, cpu))
        load_after = os.getloadavg()[0]
    lines = [f"`newsdigest {' '.join(COMMAND)}` as a whole process on the bundled sample (SQLite), {runs} runs "
             f"each, alternating, after one warm-up; load average {load_before:.1f} -> {load_after:.1f}.", "",
             "| how | wall median s | wall p95 s | CPU median s | CPU p95 s |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, pairs in times.items():
        walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
        lines.append(f"| {label} | {statistics.median(walls):.3f} | {p95(walls):.3f} | "
                     f"{statistics.median(cpus):.3f} | {p95(cpus):.3f} |")
    return "\n".join(lines) + "\n"
