"""Streaming parsers: a dump read in small chunks and windows gives what the whole file gives, in bounded memory."""

from __future__ import annotations

import codecs
import io
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bench.synthetic import StoryMaker, real_sentences, write_dump
from bot.ingest import decode, json_export, text_dump
from bot.ingest.decode import decode_bytes, normalise_text, text_chunks
from bot.ingest.formats import DumpSource, iter_dump, iter_source, parse_bytes
from tests.conftest import SAMPLE_DUMP

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dumps"


@pytest.fixture(scope="module")
def maker() -> StoryMaker:
    return StoryMaker(real_sentences(), seed=7, end=datetime(2026, 1, 28, tzinfo=UTC))


def _small_reads(monkeypatch: pytest.MonkeyPatch, chunk: int = 4096, window: int = 40) -> None:
    monkeypatch.setattr(decode, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(text_dump, "_WINDOW_LINES", window)


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE_DUMP.read_bytes(),
        SAMPLE_DUMP.read_bytes().replace(b"\n", b"\r\n"),
        SAMPLE_DUMP.read_bytes().replace(b"\n", b"\r"),  # old Mac line ends: no "\n" at all
        codecs.BOM_UTF8 + SAMPLE_DUMP.read_bytes(),
        SAMPLE_DUMP.read_text(encoding="utf-8").encode("utf-16"),
        "Caf\u00e9 d\u00e9j\u00e0 vu \u2019quoted\u2019\n".encode() * 50 + b"cp1252 \x93smart\x94 \xe9t\xe9\n" * 50,
        "\u00e2\u20ac\u2122 mojibake line\n".encode() * 40,
    ],
    ids=["lf", "crlf", "cr", "bom", "utf16", "mixed", "mojibake"],
)
def test_text_chunks_join_to_the_whole_file_decoded(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = normalise_text(decode_bytes(data))
    monkeypatch.setattr(decode, "CHUNK_BYTES", 7)  # cuts everywhere: inside CRLF, UTF-8 and UTF-16 pairs
    pieces = list(text_chunks(io.BytesIO(data)))
    assert "".join(pieces) == expected
    assert all(p.endswith("\n") for p in pieces[:-1])


def test_a_long_text_dump_parsed_in_windows_equals_the_whole(maker: StoryMaker, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    write_dump(path, maker.stories(120))
    data = SAMPLE_DUMP.read_bytes() + b"\n\n\n" + path.read_bytes() + b"\n\n\n" + SAMPLE_DUMP.read_bytes()
    whole = parse_bytes(data, name="long.txt")
    assert len(whole.articles) == 128 and not whole.errors
    _small_reads(monkeypatch)
    assert parse_bytes(data, name="long.txt") == whole


@pytest.mark.parametrize("name", ["wire-mix-2026-02-03.txt", "variants-2026-02-04.txt", "voa-style-2026-02-05.txt"])
def test_fixture_layouts_parse_the_same_in_tiny_windows(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / name).read_bytes()
    whole = parse_bytes(data, name=name)
    _small_reads(monkeypatch, chunk=64, window=6)
    windowed = parse_bytes(data, name=name)
    assert [a.title for a in windowed.articles] == [a.title for a in whole.articles]
    assert [a.paragraphs for a in windowed.articles] == [a.paragraphs for a in whole.articles]


def test_json_exports_stream_in_small_chunks(maker: StoryMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"title": s.title, "body": list(s.paragraphs), "published_at": s.published_at.isoformat()}
               for s in maker.stories(60)]
    records[7] = {"title": "no body"}  # a record error keeps its line number
    listing = json.dumps(records, indent=1).encode()
    wrapped = json.dumps({"source": "x", "articles": records, "count": 60}, indent=2).encode()
    lines = "".join(json.dumps(r) + "\n" for r in records).encode()
    expected = {name: parse_bytes(data, name=name) for name, data in
                [("a.json", listing), ("b.json", wrapped), ("c.jsonl", lines)]}
    monkeypatch.setattr(decode, "CHUNK_BYTES", 97)
    for name, data in [("a.json", listing), ("b.json", wrapped), ("c.jsonl", lines)]:
        got = parse_bytes(data, name=name)
        assert got == expected[name], name
        assert len(got.articles) == 59 and len(got.errors) == 1


def test_parsers_yield_before_reading_the_whole_file(maker: StoryMaker, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    write_dump(path, maker.stories(400))
    _small_reads(monkeypatch, chunk=8192, window=200)
    read: list[int] = []
    real_open = DumpSource.open

    def counting_open(self: DumpSource) -> io.BufferedReader:
        stream = real_open(self)
        real_read = stream.read

        def read_some(size: int = -1) -> bytes:
            data = real_read(size)
            read.append(len(data))
            return data

        stream.read = read_some  # type: ignore[method-assign]
        return stream  # type: ignore[return-value]

    monkeypatch.setattr(DumpSource, "open", counting_open)
    items = iter_source(DumpSource.from_path(path))
    next(items)
    assert sum(read) < path.stat().st_size / 4  # the first story came out after a fraction of the file


def _peak(run: object) -> int:
    tracemalloc.start()
    try:
        run()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_reading_a_50_mb_json_export(tmp_path: Path, maker: StoryMaker,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The reader and decoder on 50 MB; building each Article (the same work for any file size) is
    # replaced by a counter so the test stays quick. A whole-file parser would peak above 100 MB.
    records = [json.dumps({"title": s.title, "body": list(s.paragraphs)}) for s in maker.stories(500)]
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        written, n = 0, 0
        while written < 50_000_000:
            line = records[n % len(records)] + ",\n"
            written += out.write(line)
            n += 1
        out.write(records[0] + "\n]\n")
    seen = []
    monkeypatch.setattr(json_export, "record_to_article", lambda record, name: seen.append(1) or record)
    small = tmp_path / "small.json"
    small.write_text("[\n" + ",\n".join(records[:50]) + "\n]\n", encoding="utf-8")
    base = _peak(lambda: sum(1 for _ in iter_dump(small)))
    peak = _peak(lambda: sum(1 for _ in iter_dump(path)))
    assert len(seen) == n + 1 + 50
    assert peak < 12_000_000, peak  # about two chunks and a record, not the 50 MB file
    assert peak < base + 10_000_000


def _without_line_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap the parsers' lru_caches (bounded at 4096 lines by design) for the plain functions.

    tracemalloc counts a cache filling up as growth, so a file that fills it looks like it leaks;
    what is measured here is everything else.
    """
    import sys

    for module in [m for name, m in sys.modules.items() if name.startswith("bot.ingest.")]:
        for attr, value in list(vars(module).items()):
            if callable(value) and hasattr(value, "cache_clear") and hasattr(value, "__wrapped__"):
                monkeypatch.setattr(module, attr, value.__wrapped__)


def test_memory_stays_flat_parsing_a_long_text_dump(tmp_path: Path, maker: StoryMaker,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows and chunks scaled down with the files, so both files span many windows.
    _small_reads(monkeypatch, chunk=8192, window=120)
    _without_line_caches(monkeypatch)
    short, long = tmp_path / "short.txt", tmp_path / "long.txt"
    write_dump(short, maker.stories(10**6), until_bytes=100_000)
    count = write_dump(long, maker.stories(10**6), until_bytes=600_000)
    short_peak = _peak(lambda: sum(1 for _ in iter_dump(short)))
    long_peak = _peak(lambda: sum(1 for _ in iter_dump(long)))
    assert count > 150
    assert long_peak < 1.5 * short_peak, (short_peak, long_peak)  # six times the file, same memory
