"""Property: any mix of layout variants of a known dump parses to the same stories as the original."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.formats import parse_bytes
from summarizer.models import Article
from tests.conftest import SAMPLE_DUMP

DUMPS = Path(__file__).resolve().parents[1] / "fixtures" / "dumps"
CORPUS = {path.name: path.read_text(encoding="utf-8") for path in [SAMPLE_DUMP, *sorted(DUMPS.glob("*.txt"))]}


def _summary(articles: tuple[Article, ...]) -> list[tuple[object, ...]]:
    return [(a.title, a.blocks, a.caption, a.credits, a.caption_date, a.truncated) for a in articles]


def _drop_marker(lines: list[str]) -> list[str]:
    return [line for line in lines if line != "TT"]


def _caption_once(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not (out and line and line == out[-1]):
            out.append(line)
    return out


def _stray_whitespace(lines: list[str], rng: random.Random) -> list[str]:
    pads = ["", " ", "\t", "  ", "\u00a0"]
    return [f"{rng.choice(pads)}{line}{rng.choice(pads)}" for line in lines]


def _extra_blank_lines(lines: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line and rng.random() < 0.3:
            out.append("")  # widen an existing gap by one line: never joins or splits anything
    return out


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(CORPUS)),
    drop_marker=st.booleans(),
    caption_once=st.booleans(),
    whitespace=st.booleans(),
    blanks=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_variants_parse_like_the_original(
    name: str,
    drop_marker: bool,
    caption_once: bool,
    whitespace: bool,
    blanks: bool,
    newline: str,
    encoding: str,
    seed: int,
) -> None:
    rng = random.Random(seed)
    original = CORPUS[name]
    lines = original.split("\n")
    if drop_marker:
        lines = _drop_marker(lines)
    if caption_once:
        lines = _caption_once(lines)
    if whitespace:
        lines = _stray_whitespace(lines, rng)
    if blanks:
        lines = _extra_blank_lines(lines, rng)
    data = newline.join(lines).encode(encoding)
    assert not data.startswith(codecs.BOM_UTF8) or encoding == "utf-8-sig"
    expected = parse_bytes(original.encode("utf-8"), name=name)
    got = parse_bytes(data, name=name)
    assert _summary(got.articles) == _summary(expected.articles)
    assert got.errors == ()
