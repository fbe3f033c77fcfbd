"""Hypothesis: no input crashes the dump parsers; every failure is a DumpError with a reason."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.formats import DumpError, ParsedDump, parse_bytes
from tests.conftest import SAMPLE_DUMP

NAMES = st.sampled_from(["dump.txt", "dump.json", "dump.jsonl", "dump.ndjson", "dump", "dump.dat"])
SAMPLE_LINES = SAMPLE_DUMP.read_text(encoding="utf-8").split("\n")
# Text made of the sample's own lines, markers and blanks in random order: layout-shaped noise.
LAYOUT_TEXT = st.lists(
    st.one_of(st.sampled_from(SAMPLE_LINES), st.just("TT"), st.just(""), st.text(max_size=80)), max_size=60
).map("\n".join)
# Values that clean down to nothing or to credits only: they must be rejected, never kept as text.
MARKUP = ["<p></p>", "<b> </b>", "&amp;", "TT", "REUTERS/Stringer", "(Reuters)", " \n\n ", "FILE PHOTO: x"]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, name: str) -> None:
    try:
        parsed = parse_bytes(data, name=name)
    except DumpError as exc:
        assert exc.reason.strip()
        return
    assert isinstance(parsed, ParsedDump)
    assert parsed.articles
    for article in parsed.articles:
        assert article.title.strip()
        assert article.paragraphs and all(p.strip() for p in article.paragraphs)
        assert all(b.text.strip() for b in article.blocks)
    for error in parsed.errors:
        assert error.line >= 1 and error.reason.strip()


@FUZZ
@given(data=st.binary(max_size=2000), name=NAMES)
def test_arbitrary_bytes_never_crash(data: bytes, name: str) -> None:
    _check(data, name)


@FUZZ
@given(text=st.text(max_size=2000), name=NAMES, encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_arbitrary_text_never_crashes(text: str, name: str, encoding: str) -> None:
    _check(text.encode(encoding, errors="surrogatepass"), name)


@FUZZ
@given(text=LAYOUT_TEXT, crlf=st.booleans())
def test_shuffled_sample_lines_never_crash(text: str, crlf: bool) -> None:
    if crlf:
        text = text.replace("\n", "\r\n")
    _check(text.encode("utf-8", errors="surrogatepass"), "dump.txt")


@FUZZ
@given(
    records=st.lists(
        st.one_of(
            st.dictionaries(
                st.sampled_from(["title", "body", "text", "url", "published_at", "source", "caption", "credit"]),
                st.one_of(
                    st.text(max_size=60),
                    st.sampled_from(MARKUP),
                    st.integers(),
                    st.none(),
                    st.lists(st.text(max_size=20), max_size=3),
                ),
            ),
            st.integers(),
            st.text(max_size=10),
        ),
        max_size=8,
    ),
    jsonl=st.booleans(),
)
def test_arbitrary_json_records_never_crash(records: list[object], jsonl: bool) -> None:
    import json

    if jsonl:
        data = "\n".join(json.dumps(r) for r in records).encode()
        _check(data, "dump.jsonl")
    else:
        _check(json.dumps(records, indent=1).encode(), "dump.json")
