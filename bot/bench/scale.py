"""``newsdigest bench --scale N``: a store of N synthetic stories (2,000 a day), then the request paths timed on it.

Figures printed side by side with the issue's measurements of the previous implementation on the same
kind of store (issue 10; where the old algorithm still exists in-tree, it is run too: the digest pass
without shared briefs). Every figure is wall time on a shared machine unless it says CPU.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.bench.synthetic import StoryMaker, real_sentences, write_dump
from summarizer.evaluate import p95 as nearest_rank_p95

SCALE_HEADING = "## Scale: ingest, /brief and digests on a large store"
PER_DAY = 2000
DUMP_STORIES = 5000  # stories per dump file when building the store
CHANNELS = 1000
BRIEF_REPEATS = 20
BRIEF_BUDGET = 60.0  # seconds per brief case: a slow path is sampled at least 3 times, then stops
# Issue 10's figures for the previous implementation (100k stories, this 2-core machine).
BASELINE = {
    "ingest": "~130 stories/CPU-s",
    "dump": "> 7 GB RSS at 1 GB (about 7x the file)",
    "brief-topic": "34 s (united-states, all stored); economy p95 8.2 s / 3.4 s",
    "brief-quiet": "p95 8.2 s SQLite / 3.4 s PostgreSQL (all-time fallback)",
    "brief-fulltext": "600-760 ms (police, PostgreSQL)",
    "brief-24h": "p95 120 ms (china, last 24 h, SQLite)",
    "digest": "155 s SQLite / ~260 s PostgreSQL",
    "due": "0 digests posted in 4 min",
}


def _cpu() -> float:
    return time.process_time()


@contextmanager
def _database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new schema on the test PostgreSQL server."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'scale.sqlite3'}"
        return
    from bot.store.db import make_engine, normalise_url

    base = os.environ["NEWSDIGEST_TEST_POSTGRES_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{normalise_url(base)}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _app(url: str, workdir: Path) -> Any:
    from bot.app.bootstrap import bootstrap
    from bot.app.settings import load_settings

    return bootstrap(load_settings(data_dir=workdir / "data"), database_url=url)


MEASURED_INGEST = 10_000  # stories that go through the real ingest (parse, tag, revisions) and are timed


def build_store(app: Any, maker: StoryMaker, n: int, workdir: Path,
                progress: Callable[[str], None]) -> dict[str, float]:
    """The first MEASURED_INGEST stories through ``ingest_paths`` (timed), the rest stored directly.

    The direct path (multi-row insert and topic tags, no parsing, no revision check) only fills the
    store faster; its time is not reported. Then ``ingested_at`` is spread over n/PER_DAY days.
    """
    from bot.ingest.service import ingest_paths
    from bot.store.articles import ArticleRepository

    wall, cpu, done = 0.0, 0.0, 0
    dumps = workdir / "dumps"
    dumps.mkdir(exist_ok=True)
    measured = min(n, MEASURED_INGEST)
    while done < measured:
        count = min(DUMP_STORIES, measured - done)
        path = dumps / f"d{done:08d}.jsonl"
        write_dump(path, maker.stories(count, start=done))
        t, c = time.perf_counter(), _cpu()
        report = ingest_paths(app, [path])
        wall += time.perf_counter() - t
        cpu += _cpu() - c
        done += count
        path.unlink()
        progress(f"ingested {done}/{n} ({report.new} new in the last dump)")
    while done < n:
        count = min(DUMP_STORIES, n - done)
        articles = [_article(s) for s in maker.stories(count, start=done)]
        with app.sessions.begin() as session:
            repo = ArticleRepository(session)
            results = repo.add_many(articles)
            repo.add_topics({r.id: app.topics.tag(a.title, list(a.paragraphs))
                             for r, a in zip(results, articles, strict=True) if r.created})
        done += count
        progress(f"stored {done}/{n}")
    with app.sessions.begin() as session:  # 2,000 a day, the newest now
        session.execute(text("UPDATE articles SET ingested_at = published_at WHERE published_at IS NOT NULL"))
        ArticleRepository(session).rerank()  # topic ranks decay from the ingest times just rewritten
    if app.engine.dialect.name == "postgresql":
        # The rewrite left a dead version of every row, each still in the full-text GIN index under
        # today's date, so a search of the last day read about ten times the entries a live store (with
        # autovacuum, which some servers turn off) would: docs/benchmarks.md, /brief at 1M stories.
        with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE articles"))
            conn.execute(text("VACUUM ANALYZE article_topics"))
    return {"stories": float(measured), "wall": wall, "cpu": cpu}


def _article(story: Any) -> Any:
    from summarizer.models import Article, Block

    return Article(title=story.title, blocks=tuple(Block("paragraph", p) for p in story.paragraphs),
                   caption=story.caption, credits=("Reuters",), published_at=story.published_at, source="bench")


def _status_mb(pid: int, field: str) -> int:
    """A /proc/PID/status memory field (VmRSS, VmHWM) in MB; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) // 1024 for line in status if line.startswith(field)), 0)
    except OSError:
        return 0


def _stored(db: Path) -> int:
    """Stories stored so far in the child's SQLite file (read-only; -1 while it cannot be read)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def dump_peak_rss(url_kind: str, mb: int, maker: StoryMaker, workdir: Path, *,
                  every: float = 5.0) -> dict[str, Any]:
    """Ingest one ``mb`` MB text dump in a child process: its peak RSS, stories per CPU second, and its
    RSS by stories stored (sampled from /proc every ``every`` seconds: the curve shows where it flattens)."""
    path = workdir / "large.txt"
    count = write_dump(path, maker.stories(10**9, start=10**7), until_bytes=mb * 1_000_000)
    db = workdir / "large.sqlite3"
    code = (
        "import resource, sys, time\n"
        "from bot.app.bootstrap import bootstrap\nfrom bot.app.settings import load_settings\n"
        "from bot.ingest.service import ingest_paths\n"
        f"app = bootstrap(load_settings(data_dir={str(workdir / 'd2')!r}), database_url={'sqlite:///' + str(db)!r})\n"
        "c = time.process_time()\n"
        f"r = ingest_paths(app, [{str(path)!r}])\n"
        "cpu = time.process_time() - c\n"
        "print(r.new, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    curve: dict[int, int] = {}  # stories stored (to the thousand below) -> highest RSS seen there, MB
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as child:
        while child.poll() is None:
            rss, stored = _status_mb(child.pid, "VmRSS"), _stored(db)
            if rss and stored >= 0:
                key = stored // 1000 * 1000
                curve[key] = max(curve.get(key, 0), rss)
            time.sleep(every)
        out = (child.stdout.read() if child.stdout else "").split()
    if child.returncode:
        raise RuntimeError(f"the dump's ingest failed (exit {child.returncode})")
    path.unlink()
    db.unlink(missing_ok=True)
    new, cpu, rss_kb = int(out[0]), float(out[1]), int(out[2])
    return {"mb": float(mb), "stories": float(count), "new": float(new), "cpu": cpu, "rss_mb": rss_kb / 1024,
            "curve": curve}


def rss_curve_line(curve: dict[int, int], *, points: int = 8) -> str:
    """'0: 150 MB, 2,000: 170 MB, ...': RSS by stories stored, at most about ``points`` evenly spaced samples."""
    keys = sorted(curve)
    step = max(1, len(keys) // points)
    shown = keys[::step] + ([keys[-1]] if keys and (len(keys) - 1) % step else [])
    return ", ".join(f"{k:,}: {curve[k]} MB" for k in shown)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), nearest_rank_p95(ordered)


def brief_latency(app: Any, now: datetime) -> dict[str, tuple[float, float]]:
    """/brief as the chat adapters call it (last 24 h, then everything stored when that is empty)."""
    from bot.chat.commands import BRIEF_SINCE
    from bot.newsroom.briefs import build_brief

    def slash_brief(query: str) -> None:
        brief = build_brief(app, query, since=now - BRIEF_SINCE)
        if brief.empty and brief.matched_by != "none":
            build_brief(app, query)

    quiet = _quiet_topic(app, now)
    cases = {"topic (ukraine, last 24 h)": "ukraine", f"quiet topic ({quiet}, all-time fallback)": quiet,
             "full text (police)": "police", "full text (minister said)": "minister said"}
    out: dict[str, tuple[float, float]] = {}
    for label, query in cases.items():
        slash_brief(query)  # warm caches and lazy imports once
        samples: list[float] = []
        started = time.perf_counter()
        while len(samples) < BRIEF_REPEATS and (len(samples) < 3 or time.perf_counter() - started < BRIEF_BUDGET):
            t = time.perf_counter()
            slash_brief(query)
            samples.append(time.perf_counter() - t)
        out[label] = _percentiles(samples)
    return out


def _quiet_topic(app: Any, now: datetime) -> str:
    """A configured topic with no story in the last 24 h but some before (the fallback path)."""
    from bot.store.articles import ArticleRepository

    with app.sessions() as session:
        repo = ArticleRepository(session)
        recent, everything = repo.topic_counts(since=now - timedelta(hours=24)), repo.topic_counts()
    quiet = [t for t in app.topics.names if everything.get(t) and not recent.get(t)]
    return quiet[0] if quiet else min(everything, key=lambda t: recent.get(t, 0))


def digest_pass(app: Any, now: datetime, channels: int, *, shared: bool, told: bool = False) -> dict[str, float]:
    """``channels`` channels with 3-5 topics each, all due at ``now``, timed: their cron fires at once (shared:
    one due pass, as under ``serve``), or the previous algorithm, one channel after another.

    ``told``: the channels had their first digest the day before (an untimed pass), so each brief of the
    timed one is an update for what that channel was told.
    """
    import random

    from bot.adapters.console import ConsolePoster
    from bot.chat.ports import ChannelKey
    from bot.delivery.channels import ChannelRegistry, load_channel_defaults
    from bot.delivery.runner import Delivery
    from bot.delivery.scheduler import DigestScheduler
    from bot.store.models import ChannelRow

    rng = random.Random(5)
    names = list(app.topics.names)
    prefix = f"s{int(shared)}{int(told)}"
    start = now - timedelta(days=2 if told else 1)
    rows = [{"platform": "console", "workspace": prefix, "channel": f"c{i:05d}", "digest_time": f"{now:%H:%M}",
             "timezone": "UTC", "enabled": True, "topics": rng.sample(names, min(len(names), rng.randint(3, 5))),
             "created_at": start - timedelta(days=1), "covered_until": start} for i in range(channels)]
    with app.sessions.begin() as session:
        session.execute(insert(ChannelRow), rows)
    poster = ConsolePoster(terminal=False, render=lambda d, f: d.title)
    registry = ChannelRegistry(app.sessions, load_channel_defaults(app.settings.config_dir, app.topics))
    moment = [now - timedelta(days=1) if told else now]
    delivery = Delivery(app, registry, {"console": poster}, clock=lambda: moment[0])
    keys = [ChannelKey("console", prefix, f"c{i:05d}") for i in range(channels)]

    async def fires() -> None:  # as under `newsdigest serve`: every cron job fires that minute, asking for a pass
        scheduler = DigestScheduler(delivery, clock=lambda: moment[0])
        await asyncio.gather(*(scheduler.fire(key) for key in keys))

    async def sequential() -> None:  # the previous algorithm: each channel reads its window and composes its briefs
        delivery.workers = 1
        for config, day in await asyncio.to_thread(delivery.due, now):
            if config.key.workspace == prefix:
                await delivery._run(config.key, "daily", day, now=now)

    if told:
        asyncio.run(fires())
        moment[0] = now
    first = len(poster.posts)
    t, c = time.perf_counter(), _cpu()
    asyncio.run(fires() if shared else sequential())
    wall, cpu = time.perf_counter() - t, _cpu() - c
    posted = sum(1 for p in poster.posts[first:] if p.channel.workspace == prefix)
    with app.sessions.begin() as session:  # leave the store as it was for the next figure
        session.execute(text("DELETE FROM channels WHERE workspace = :w"), {"w": prefix})
    return {"channels": float(channels), "posted": float(posted), "wall": wall, "cpu": cpu}


def _prefixed(progress: Callable[[str], None], kind: str) -> Callable[[str], None]:
    return lambda message: progress(f"{kind}: {message}")


def run_scale(n: int, *, dump_mb: int, data_dir: Path | None, old_channels: int,
              progress: Callable[[str], None]) -> dict[str, Any]:
    """Every figure for SQLite and (when NEWSDIGEST_TEST_POSTGRES_URL is set) PostgreSQL."""
    sentences = real_sentences(data_dir)
    results: dict[str, Any] = {"n": n, "sentences": len(sentences), "databases": {}}
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("NEWSDIGEST_TEST_POSTGRES_URL") else [])
    with tempfile.TemporaryDirectory(prefix="newsdigest-scale-") as tmp:
        workdir = Path(tmp)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        if dump_mb:
            progress(f"streaming a {dump_mb} MB dump in a child process")
            results["dump"] = dump_peak_rss("sqlite", dump_mb, StoryMaker(sentences, seed=9, end=now), workdir)
        for kind in kinds:
            with _database(kind, workdir) as url:
                app = _app(url, workdir)
                try:
                    figures: dict[str, Any] = {}
                    maker = StoryMaker(sentences, seed=3, end=now, per_day=PER_DAY)
                    say = _prefixed(progress, kind)
                    figures["ingest"] = build_store(app, maker, n, workdir, say)
                    progress(f"{kind}: briefs")
                    figures["briefs"] = brief_latency(app, now)
                    progress(f"{kind}: {CHANNELS} channels' digests (one pass)")
                    figures["digest"] = digest_pass(app, now, CHANNELS, shared=True)
                    progress(f"{kind}: {CHANNELS} channels' digests on their second day")
                    figures["digest_told"] = digest_pass(app, now, CHANNELS, shared=True, told=True)
                    if old_channels:
                        progress(f"{kind}: {old_channels} channels' digests, one at a time")
                        figures["digest_old"] = digest_pass(app, now, old_channels, shared=False)
                    results["databases"][kind] = figures
                finally:
                    app.close()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def format_scale(results: dict[str, Any], machine: str, date: str) -> str:
    """The Markdown section for docs/benchmarks.md (also printed)."""
    n = results["n"]
    lines = [SCALE_HEADING, "", f"`newsdigest bench --scale {n}` (`make bench-scale`): {n:,} stories.",
             f"{date}; {machine}. Shared machine (other jobs running): wall times are pessimistic; ingest",
             "rates are per CPU second of the ingesting process. Synthetic store: "
             f"{results['sentences']:,} real sentences, {PER_DAY:,} stories a day, as events of a few reports "
             "each (`bot.bench.synthetic.StoryMaker`; before 2026-11-30 23:00 UTC: random sentence mixes). "
             "Baseline: the previous",
             "implementation as measured in issue 10 on the same kind of store.", "",
             "| what | database | now | previous (issue 10) |", "| --- | --- | --- | --- |"]
    for kind, fig in results["databases"].items():
        ing = fig["ingest"]
        what = f"ingest, new stories (first {ing['stories']:,.0f}, JSONL dumps of {DUMP_STORIES:,})"
        lines.append(f"| {what} | {kind} | {ing['stories'] / ing['cpu']:.0f} stories/CPU-s "
                     f"({ing['stories'] / ing['wall']:.0f}/s wall) | {BASELINE['ingest']} |")
        for label, (p50, p95) in fig["briefs"].items():
            base = BASELINE["brief-fulltext"] if "full" in label else (
                BASELINE["brief-quiet"] if "quiet" in label else BASELINE["brief-24h"])
            lines.append(f"| /brief {label} | {kind} | p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms | {base} |")
        dig = fig["digest"]
        lines.append(f"| {dig['channels']:.0f} channels due at once (all cron jobs fire that minute, as under serve) "
                     f"| {kind} | "
                     f"{dig['wall']:.1f} s ({dig['cpu']:.1f} s CPU), {dig['posted']:.0f} posted | "
                     f"{BASELINE['digest']}; {BASELINE['due']} |")
        if "digest_told" in fig:
            told = fig["digest_told"]
            lines.append(f"| {told['channels']:.0f} channels due at once on their second day (each brief an update "
                         f"for what that channel was told the day before) | {kind} | {told['wall']:.1f} s "
                         f"({told['cpu']:.1f} s CPU), "
                         f"{told['posted']:.0f} posted | |")
        if "digest_old" in fig:
            old = fig["digest_old"]
            per = old["wall"] / max(1.0, old["channels"])
            lines.append(f"| {old['channels']:.0f} channels one at a time, each reading its window (old algorithm) | "
                         f"{kind} | {old['wall']:.1f} s, {old['cpu']:.1f} s CPU ({per * 1000:.0f} ms a channel, "
                         f"~{per * CHANNELS:.0f} s for {CHANNELS:,}) | |")
    if "dump" in results:
        d = results["dump"]
        lines.append(f"| one {d['mb']:.0f} MB text dump streamed ({d['stories']:.0f} stories) | sqlite | peak RSS "
                     f"{d['rss_mb']:.0f} MB, {d['new'] / d['cpu']:.0f} stories/CPU-s | {BASELINE['dump']} |")
        if d.get("curve"):
            lines.append(f"| ... its RSS by stories stored | sqlite | {rss_curve_line(d['curve'])} | |")
    return "\n".join(lines) + "\n"


def run_scale_command(args: Any, *, machine: str, date: str) -> int:
    """``newsdigest bench --scale N``: measure, print, and put the section in the report."""
    from bot.app.errors import UserError
    from bot.cli.bench_feeds import replace_section

    if args.scale < 1000:
        raise UserError("--scale needs at least 1000 stories")
    data = args.data if args.data.is_dir() else None
    results = run_scale(args.scale, dump_mb=args.dump_mb, data_dir=data, old_channels=args.old_channels,
                        progress=lambda m: print(f"# {m}", file=sys.stderr, flush=True))
    section = format_scale(results, machine, date)
    print(section)
    if not args.no_write:
        old = args.output.read_text(encoding="utf-8") if args.output.is_file() else "# Benchmarks\n"
        args.output.write_text(replace_section(old, section), encoding="utf-8")
        print(f"# wrote {args.output}")
    return 0
