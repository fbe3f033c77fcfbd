"""``newsdigest bench-formats``: how fast each format parses, and what a hostile XML file costs.

Figures side by side, never a pass/fail test: stories per second for each feed and wire format next to
the plain-text dump parser on the bundled sample (the baseline), and the time and peak memory of
refusing a billion-laughs file next to parsing an ordinary feed of the same size. Each hostile-file
case runs in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "bot" / "samples" / "world-news-2026-01-28.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "wire"
# One representative file per format (present in a checkout; an installed package has only the sample).
PER_FORMAT = {
    "plain-text dump (baseline)": SAMPLE,
    "RSS 2.0 (content:encoded)": FIXTURES / "rss20-wordpress.xml",
    "RSS 1.0 (RDF)": FIXTURES / "rss10-rdf-de.xml",
    "Atom 1.0": FIXTURES / "atom-pt.xml",
    "NewsML-G2": FIXTURES / "newsml-g2-message.xml",
    "NITF 3.6": FIXTURES / "nitf-3.6-no.xml",
    "NewsML 1.2": FIXTURES / "newsml-1.2-pt.xml",
    "ninjs 2.x": FIXTURES / "ninjs-2.x-mixed.json",
}

# Runs in a child process (cold: the first document it sees), prints seconds and peak RSS as JSON.
# VmHWM, not ru_maxrss: the latter survives exec, so a child would report its parent's peak.
_CHILD = """
import json, sys, time
from bot.ingest.formats import DumpError, parse_bytes

def peak_kb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    return 0

data = sys.stdin.buffer.read()
before = peak_kb()  # the interpreter and the parser modules
started = time.perf_counter()
try:
    outcome = f"{len(parse_bytes(data, name='bench.xml').articles)} stories"
except DumpError as exc:
    outcome = "refused: " + exc.reason[:60]
seconds = time.perf_counter() - started
after = peak_kb()
print(json.dumps({"seconds": seconds, "rss_mb": after / 1024, "base_mb": before / 1024,
                  "outcome": outcome}))
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("bench-formats", help="parse speed per feed/wire format, and the cost of hostile XML",
                            description="Stories per second for each format next to the plain-text dump "
                                        "parser, and the time and peak memory of refusing a billion-laughs "
                                        "file next to parsing an ordinary feed of the same size.")
    parser.add_argument("--repeats", type=int, default=20, help="parses of each file for the speed figures")
    parser.set_defaults(func=run)


def billion_laughs(levels: int = 10) -> bytes:
    """The classic entity bomb: 10 levels of 10 references, 10**9 "lol"s if expanded (about 3 GB)."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) +
            f'\n]>\n<rss version="2.0"><channel><title>&lol{levels - 1};</title></channel></rss>').encode()


def ordinary_feed(size: int) -> bytes:
    """A well-formed RSS feed of about ``size`` bytes (the baseline for the hostile file)."""
    item = ("<item><title>Harbour bridge reopens</title><guid>g{n}</guid><description>&lt;p&gt;The harbour "
            "bridge reopened to traffic on Friday morning after three weeks of repairs.&lt;/p&gt;</description>"
            "</item>")
    items: list[str] = []
    total = 0
    while total < size:
        items.append(item.replace("{n}", str(len(items))))
        total += len(items[-1])
    return f'<rss version="2.0"><channel><title>Courier</title>{"".join(items)}</channel></rss>'.encode()


def _child(data: bytes) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CHILD], input=data, capture_output=True, check=True,
                          cwd=ROOT, timeout=600)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _speed(repeats: int) -> list[tuple[str, int, float]]:
    from bot.ingest.formats import parse_bytes

    rows = []
    for label, path in PER_FORMAT.items():
        if not path.is_file():
            continue
        data = path.read_bytes()
        stories = len(parse_bytes(data, name=path.name).articles)  # warm-up (imports, language model)
        started = time.perf_counter()
        for _ in range(repeats):
            parse_bytes(data, name=path.name)
        seconds = time.perf_counter() - started
        rows.append((label, stories, stories * repeats / seconds))
    return rows


def run(args: argparse.Namespace) -> int:
    print("Parse speed (one process, warm; stories per second):")
    for label, stories, rate in _speed(max(1, args.repeats)):
        print(f"  {label:<30} {stories:>3} stories/file  {rate:>9.0f} stories/s")
    bomb = billion_laughs()
    print(f"\nHostile XML (a fresh process each; {len(bomb)} bytes in; the cold parse of an ordinary feed "
          "includes loading feedparser and the language model):")
    cases = (("billion laughs (refused)", bomb), ("ordinary feed, same size (cold)", ordinary_feed(len(bomb))))
    for label, data in cases:
        figures = _child(data)
        print(f"  {label:<31} {figures['seconds'] * 1000:>8.2f} ms   peak RSS {figures['rss_mb']:>6.1f} MB "
              f"({figures['base_mb']:.1f} MB before the file)   {figures['outcome']}")
    return 0
