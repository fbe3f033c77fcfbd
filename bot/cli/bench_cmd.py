"""`newsdigest bench`: ROUGE and time of our default, lead and every sumy algorithm on the same input,
plus brief latency; writes docs/benchmarks.md. Figures side by side, never a pass/fail test."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.app.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"
SAMPLE = ROOT / "bot" / "samples" / "world-news-2026-01-28.txt"
# In a checkout the report lives in docs/; an installed package writes to the working directory.
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md" if (ROOT / "pyproject.toml").is_file() else Path("benchmarks.md")
SYSTEMS = ("default", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl")
# name: (file, budget kind, budget size), as in ../shared/data/dev/README.md. The DUC 2006 clusters
# (25 articles each) are left to --set: sumy's LexRank and KL take the better part of an hour on them.
DEV_SETS = {"cnndm_dev": ("cnndm_dev.jsonl", "sentences", 3), "xsum_dev": ("xsum_dev.jsonl", "sentences", 1)}
HALVES = ("check", "tune", "all")
GROUP = 25  # articles per multi-article item in the speed comparison (as summ_eval --group 25)
# Hand-written sections of docs/benchmarks.md that a rewrite of the report keeps: the DUC 2006 runs (too
# slow for every bench: sumy LexRank alone takes minutes there) and the one-sentence blurb experiments
# (they read public training data kept outside the repository).
CLUSTERS_HEADING = "## Quality on DUC 2006 clusters, both halves"
BLURBS_HEADING = "## Quality of one-sentence blurbs: both halves, and public XSum training articles"
# Likewise the update mode's section: where its (never committed) data comes from, how to rebuild it,
# and both halves, of which a bench run writes only one.
UPDATE_HEADING = "## Update mode on DUC 2007 update clusters, both halves"
HAND_WRITTEN_HEADINGS = (CLUSTERS_HEADING, BLURBS_HEADING, UPDATE_HEADING)


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    p = subparsers.add_parser("bench", help="summary quality (ROUGE) and speed, side by side with sumy")
    p.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("NEWSDIGEST_BENCH_DATA", DEFAULT_DATA)),
        help="folder with cnndm_dev.jsonl / xsum_dev.jsonl (default: ../shared/data/dev)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=PATH:KIND:N",
        help="extra JSONL set with references, e.g. clusters=x.jsonl:words:100",
    )
    p.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated algorithms")
    p.add_argument("--limit", type=int, default=0, help="only the first N items of each set")
    p.add_argument(
        "--half",
        choices=HALVES,
        default="check",
        help="which fixed half of each set to score (items split by a hash of their id; weights are "
        "chosen on 'tune' only, so 'check' is the honest figure; default: check)",
    )
    p.add_argument("--repeats", type=int, default=30, help="latency repeats")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown report to write")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--feeds", type=int, metavar="N", default=0,
                   help="instead: feed polling throughput for N feeds from a local server (feeds/s, CPU, peak RSS)")
    p.add_argument("--database-url", metavar="URL", help="with --feeds: store into this database (default: SQLite)")
    p.add_argument("--dashboard", type=int, metavar="N", default=0,
                   help="instead: dashboard page times with N stories, --channels channels and --runs digests each, "
                        "beside the same pages without the history indexes")
    p.add_argument("--channels", type=int, default=1000, help="with --dashboard: channels (default 1000)")
    p.add_argument("--runs", type=int, default=30, help="with --dashboard: posted digests per channel (default 30)")
    p.add_argument("--scale", type=int, default=0, metavar="N",
                   help="instead: build a store of N synthetic stories and time ingest, /brief and 1,000 "
                        "channels' digests on it (SQLite, and PostgreSQL when NEWSDIGEST_TEST_POSTGRES_URL is set)")
    p.add_argument("--dump-mb", type=int, default=100, metavar="MB",
                   help="with --scale: size of the text dump whose streamed ingest is measured (0: skip)")
    p.add_argument("--old-channels", type=int, default=100, metavar="N",
                   help="with --scale: channels run the previous way (one at a time, briefs per channel; 0: skip)")
    p.add_argument("--startup", type=int, default=0, metavar="N",
                   help="instead: `brief ukraine` as a whole process N times, beside it run through main() "
                        "with the garbage collector left as Python sets it")
    p.set_defaults(func=run)


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{model}, {cores} cores, Python {platform.python_version()}, load average {load} at start"


def _load_items(path: Path, limit: int, half: str = "all") -> list[Any]:
    from summarizer.evaluate import Item, dev_half

    items = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                if half != "all" and dev_half(str(o["id"])) != half:
                    continue
                items.append(Item(str(o["id"]), tuple(o["articles"]), tuple(o["reference"]), o.get("title"),
                                  tuple(o.get("previous") or ())))
    return items[:limit] if limit else items


def _origin(path: Path) -> str | None:
    """The set's own word on where its data came from (``meta.origin`` of its first item), if it says."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                meta = json.loads(line).get("meta")
                origin = meta.get("origin") if isinstance(meta, dict) else None
                return str(origin) if origin else None
    return None


def _sets(args: argparse.Namespace) -> tuple[list[tuple[str, list[Any], Any]], list[str]]:
    from summarizer.evaluate import Budget

    found, notes = [], []
    specs = [(name, args.data / f, kind, n) for name, (f, kind, n) in DEV_SETS.items()]
    for spec in args.set:
        try:
            name, rest = spec.split("=", 1)
            path, kind, n = rest.rsplit(":", 2)
            specs.append((name, Path(path), kind, int(n)))
        except ValueError:
            raise UserError(f"--set {spec!r}: expected NAME=PATH:sentences:N or NAME=PATH:words:N") from None
    for name, path, kind, n in specs:
        if kind not in ("sentences", "words"):
            raise UserError(f"--set {name}: budget must be 'sentences' or 'words', not {kind!r}")
        if not path.is_file():
            notes.append(f"{name}: {path} not found, skipped")
            continue
        items = _load_items(path, args.limit, args.half)
        label = name if args.half == "all" else f"{name}/{args.half}"
        found.append((label, items, Budget(kind, n)))  # type: ignore[arg-type]
        if name not in DEV_SETS:
            origin = _origin(path)
            said = f"; origin {origin}" if origin else ""
            notes.append(f"{name}: extra set {path} ({len(items)} items, {n} {kind}){said}")
    return found, notes


def _quality(sets: list[tuple[str, list[Any], Any]], systems: list[str]) -> list[Any]:
    from summarizer.evaluate import make_scorer, score_set

    scorer = make_scorer()
    rows = []
    for name, items, budget in sets:
        runs = [(system, False) for system in systems]
        if "default" in systems and any(it.previous for it in items):
            # Update data: the same items again, now telling the summarizer what the reader already has.
            runs.insert(systems.index("default") + 1, ("default", True))
        for system, use_previous in runs:
            row = score_set(name, items, system, budget, scorer, use_previous=use_previous)
            rows.append(row)
            print(
                f"{name:16s} {row.system:16s} n={row.n:3d} R1={row.rouge1:5.2f} R2={row.rouge2:5.2f} "
                f"RL={row.rougeLsum:5.2f} t={row.seconds:7.2f}s",
                flush=True,
            )
    return rows


def _brief_docs(data: Path) -> tuple[list[Any], str]:
    """50 articles for the brief latency: real dev articles, else the bundled sample made into 50."""
    from summarizer.models import Document
    from summarizer.text import split_paragraphs

    cnndm = data / DEV_SETS["cnndm_dev"][0]
    if cnndm.is_file():
        items = _load_items(cnndm, 50)
        return [Document(id=it.id, paragraphs=tuple(split_paragraphs(it.articles[0]))) for it in items], str(cnndm)
    from bot.ingest.formats import parse_dump

    articles = parse_dump(SAMPLE).articles
    if not articles:
        raise UserError(f"no articles in {SAMPLE}")
    docs = []
    for i in range(50):  # synthetic: rotate the sample's stories and paragraphs so no two are identical
        art = articles[i % len(articles)]
        paras = art.paragraphs[i % max(len(art.paragraphs), 1) :] + art.paragraphs[: i % max(len(art.paragraphs), 1)]
        docs.append(Document(id=f"sample-{i}", paragraphs=tuple(paras), title=art.title))
    return docs, f"{SAMPLE.name} (4 stories rotated into 50 synthetic articles)"


def _latency(docs: list[Any], repeats: int) -> list[tuple[str, Any]]:
    from summarizer.evaluate import latency
    from summarizer.rank import blurb, clear_caches, summarize

    # Every timed call starts with the per-text caches empty: the figures are for stories the process
    # has not read yet (within one brief the lead paragraph and the blurbs still share the work).
    def lead() -> None:
        clear_caches()
        summarize(docs, max_sentences=4, query="ukraine")

    def hundred_words() -> None:
        clear_caches()
        summarize(docs, max_words=100)

    def brief() -> None:
        lead()
        for d in docs:
            blurb(d)

    return [
        ("lead paragraph (4 sentences, query) from 50 articles", latency(lead, repeats=repeats)),
        ("100-word summary of 50 articles", latency(hundred_words, repeats=repeats)),
        ("whole brief: lead paragraph + a blurb per article (50)", latency(brief, repeats=max(5, repeats // 3))),
    ]


def _timed(fn: Any) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn()``, CPU counting this process and the children it waited for."""
    import resource

    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    w0, c0 = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - w0, cpu() - c0


def _collect(into: list[subprocess.CompletedProcess[str]], cmd: list[str]) -> None:
    into.append(subprocess.run(cmd, capture_output=True, text=True, check=False))


def _speed(data: Path, limit: int) -> list[tuple[str, float, float]]:
    """Multi-article input (25 articles per item): sumy LexRank in-process vs our whole CLI process."""
    from summarizer.evaluate import Budget, Item, run_system

    cnndm = data / DEV_SETS["cnndm_dev"][0]
    if not cnndm.is_file():
        return []
    items = _load_items(cnndm, limit or 75)
    grouped = [
        Item(
            "+".join(x.id for x in items[i : i + GROUP]), tuple(a for x in items[i : i + GROUP] for a in x.articles), ()
        )
        for i in range(0, len(items), GROUP)
    ]
    budget = Budget("sentences", 3)
    rows = [
        ("sumy lexrank (in-process)", *_timed(lambda: run_system(grouped, "lexrank", budget))),
        ("default (in-process)", *_timed(lambda: run_system(grouped, "default", budget))),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in.jsonl"
        inp.write_text(
            "".join(json.dumps({"id": g.id, "articles": list(g.articles), "title": None}) + "\n" for g in grouped)
        )
        commands = [
            ("default (`newsdigest summarize` process, start-up included)", ["bot.cli", "summarize"]),
            ("default (`python -m bot.cli.summarize_cmd` process, start-up included)", ["bot.cli.summarize_cmd"]),
        ]
        for label, module in commands:
            cmd = [sys.executable, "-m", *module, "--input", str(inp), "--sentences", "3"]
            procs: list[subprocess.CompletedProcess[str]] = []
            # One untimed run first (page cache, .pyc files), then the median of three: a single
            # cold process start swings by a third on a busy machine.
            _collect(procs, cmd)
            if procs[0].returncode != 0:
                raise UserError(f"{' '.join(module)} failed: {procs[0].stderr.strip()[-300:]}")
            runs = sorted(_timed(partial(_collect, procs, cmd)) for _ in range(3))
            rows.append((label, *runs[1]))
    return rows


def run(args: argparse.Namespace) -> int:
    """Run the benchmark, print it, and write the Markdown report unless --no-write."""
    systems = [s for s in args.systems.split(",") if s]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        raise UserError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    machine, date = _machine(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {date}; {machine}")
    if args.dashboard:
        from bot.cli.bench_dashboard import run_dashboard_bench

        print(run_dashboard_bench(args.dashboard, channels=args.channels, runs=args.runs), end="")
        return 0
    if args.startup:
        from bot.cli.bench_startup import run_startup_bench

        print(run_startup_bench(args.startup, SAMPLE), end="")
        return 0
    if args.feeds:
        from bot.cli.bench_feeds import run_feeds

        return run_feeds(args.feeds, database_url=args.database_url, machine=machine, date=date,
                         output=None if args.no_write else args.output)
    if args.scale:
        from bot.bench.scale import run_scale_command

        return run_scale_command(args, machine=machine, date=date)
    status = 0
    sets, notes = _sets(args)
    if not args.data.is_dir():
        notes.insert(
            0,
            f"dev data not found at {args.data} (it lives in ../shared on development machines): "
            "ROUGE skipped, latency measured on the bundled sample",
        )
    for note in notes:
        print(f"# {note}", file=sys.stderr)
    rows: list[Any] = []
    if sets:
        from summarizer.evaluate import RougeUnavailable

        try:
            rows = _quality(sets, systems)
        except RougeUnavailable as exc:
            print(f"newsdigest: error: {exc}; ROUGE skipped", file=sys.stderr)
            notes.append(str(exc))
            status = 1
    docs, source = _brief_docs(args.data)
    lat = _latency(docs, args.repeats)
    for label, x in lat:
        print(
            f"latency  {label}: wall median {x.wall_median:.1f} ms (p95 {x.wall_p95:.1f}), "
            f"CPU median {x.cpu_median:.1f} ms (p95 {x.cpu_p95:.1f})"
        )
    speed = _speed(args.data, args.limit)
    for label, w, c in speed:
        print(f"speed    {label}: wall {w:.2f} s, CPU {c:.2f} s")
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        from bot.cli.bench_feeds import kept_section, replace_section
        from summarizer.report import render_markdown

        report = render_markdown(date, machine, rows, notes, source, lat, speed, GROUP)
        from bot.bench.scale import SCALE_HEADING

        old = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        kept_sections = [kept_section(old), kept_section(old, SCALE_HEADING)]
        kept_sections += [kept_section(old, heading) for heading in HAND_WRITTEN_HEADINGS]
        for kept in kept_sections:
            report = replace_section(report, kept) if kept else report
        args.output.write_text(report, encoding="utf-8")
        print(f"# wrote {args.output}")
    return status
