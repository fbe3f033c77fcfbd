"""Every text function stays linear on hostile runs (spaces, dots, quotes, capitals, brackets, breaks).

A regex or library that rescans a run from each of its positions is quadratic: 20 KB of spaces once
took 40 s in ``clean_line`` and blocked the inbox. Each function here must handle 10,000 and 100,000
characters of each run, and ten times the text may cost at most LINEAR_FACTOR times the CPU (linear
work costs 10x, quadratic 100x). The check is a ratio of two CPU times of this process, so neither a
loaded machine nor a slow host fails it; each function is called once on a short run first, so
first-use costs (a language model loaded, patterns compiled) are not counted as the run's. The small
size runs first and must finish within HANG_SECONDS, so a regression fails fast instead of running for
minutes (20 KB of spaces once took 40 s in ``clean_line``); real input takes milliseconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.ingest.decode import clean_line
from bot.ingest.formats import PARSERS, DumpError, DumpSource, parse_bytes
from bot.newsroom.keywords import top_keywords
from bot.newsroom.topics import load_topics
from summarizer.models import Document
from summarizer.rank import summarize
from summarizer.text import split_sentences, tokens

CONFIG = Path(__file__).resolve().parents[2] / "config"
LINEAR_FACTOR = 25  # 10x the text: linear is about 10x the CPU, quadratic about 100x
NOISE_FLOOR = 0.1  # s: below this a small run's CPU is noise (a collection, a page fault), not its cost
HANG_SECONDS = 20.0  # the small run's guard against a hang, far above any host's linear cost
RUNS = {
    "spaces": " ", "tabs": "\t", "no-break spaces": "\u00a0", "newlines": "\n", "space-newline": " \n",
    "carriage returns": "\r", "dots": ".", "dot-space": ". ", "ellipses": "…", "straight quotes": '"',
    "apostrophes": "'", "curly open quotes": "“", "curly single quotes": "‘", "backtick quotes": "``",
    "guillemets": "«", "capitals": "A", "capital words": "AB ", "initials": "A. ", "brackets": "(",
    "closing brackets": ")", "square brackets": "[", "angle brackets": "<", "ampersands": "&",
    "dashes": "-", "underscores": "_", "commas": ", ", "mixed": 'A. (B) "c" \n\t', "quote-word": "“a ",
}
SIZES = (10_000, 100_000)


def _run(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _dump(run: str) -> str:
    """The run inside a story body, where the parsers and cleaners really meet it."""
    return f"Headline For The Test\n\nA first sentence opens the story. {run} The story ends here.\n"


def _functions() -> dict[str, Callable[[str], object]]:
    topics = load_topics(CONFIG)

    def parse(text: str, name: str) -> object:
        try:
            return parse_bytes(text.encode("utf-8"), name=name)
        except DumpError:
            return None  # a clear rejection is fine; the time it took is what is measured

    def registered(kind: str) -> Callable[[str], object]:
        """Every parser in PARSERS, a format added later included, on the run inside a text dump."""

        def run_parser(run: str) -> object:
            source = DumpSource.from_bytes(_dump(run).encode("utf-8"), name=f"d.{kind}")
            try:
                return list(PARSERS[kind](source))
            except DumpError:
                return None

        return run_parser

    return {
        **{f"{kind} parser": registered(kind) for kind in PARSERS},
        "clean_line": clean_line,
        "text dump": lambda run: parse(_dump(run), "d.txt"),
        "bare run as a dump": lambda run: parse(run, "d.txt"),
        "json export": lambda run: parse(json.dumps([{"title": run, "body": _dump(run), "caption": run}]), "d.json"),
        "jsonl export": lambda run: parse(json.dumps({"title": "T", "body": _dump(run), "credit": run}), "d.jsonl"),
        "split_sentences": lambda run: split_sentences(_dump(run)),
        "tokens": tokens,
        "summarize": lambda run: summarize([Document(id="a", paragraphs=(_dump(run),), title=run[:200])]),
        "topic tagging": lambda run: topics.tag(run, [_dump(run)]),
        "keywords": lambda run: top_keywords([run, _dump(run)]),
    }


FUNCTIONS = _functions()


@pytest.mark.parametrize("unit", RUNS.values(), ids=list(RUNS))
@pytest.mark.parametrize("function", FUNCTIONS, ids=list(FUNCTIONS))
def test_text_functions_are_linear_on_hostile_runs(function: str, unit: str) -> None:
    FUNCTIONS[function](_run(unit, 100))  # first-use costs are not the run's
    used: list[float] = []
    for size in SIZES:
        run = _run(unit, size)
        started = time.process_time()
        FUNCTIONS[function](run)
        used.append(time.process_time() - started)
        assert used[0] <= HANG_SECONDS, f"{function} took {used[0]:.1f} s of CPU on {size:,} x {unit!r}"
    small, large = max(used[0], NOISE_FLOOR), used[1]
    assert large <= LINEAR_FACTOR * small, (
        f"{function} is not linear on {unit!r}: {used[0]:.3f} s of CPU for {SIZES[0]:,} characters, "
        f"{large:.3f} s for {SIZES[1]:,}"
    )
