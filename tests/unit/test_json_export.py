"""JSON and JSONL exports: good records load, bad ones are rejected with their line number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.ingest.formats import DumpError, RecordError, parse_bytes, parse_dump

GOOD = {
    "title": "Kallas: EU Expected to Put Iran Guards on 'Terrorist List'",
    "body": "EU foreign ministers are expected to agree Thursday.\n\nKallas told journalists in Brussels, said AFP.",
    "url": "https://example.org/kallas",
    "published_at": "2026-01-28T09:30:00",
    "caption": "Kaja Kallas arrives in Brussels, Belgium, 22 January 2026. EPA/OLIVIER MATTHYS",
}


def _jsonl(*records: object) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


def test_jsonl_good_record_loads_with_metadata() -> None:
    parsed = parse_bytes(_jsonl(GOOD), name="export.jsonl")
    assert parsed.errors == ()
    (article,) = parsed.articles
    assert article.title == GOOD["title"]
    assert article.paragraphs == (
        "EU foreign ministers are expected to agree Thursday.",
        "Kallas told journalists in Brussels, said AFP.",
    )
    assert article.url == "https://example.org/kallas"
    assert article.published_at == datetime(2026, 1, 28, 9, 30, tzinfo=UTC)  # naive means UTC
    assert article.caption == "Kaja Kallas arrives in Brussels, Belgium, 22 January 2026."
    assert article.credit_line == "EPA/OLIVIER MATTHYS"
    assert article.credits == ("EPA", "AFP")
    assert article.caption_date is not None and article.caption_date.isoformat() == "2026-01-22"
    assert article.source == "export.jsonl"


def test_jsonl_bad_records_are_rejected_with_line_numbers_rest_loads() -> None:
    data = _jsonl(
        GOOD,  # line 1
        {"body": "No title here."},  # line 2
        "{not json",  # line 3
        "",  # line 4: blank lines are skipped, not errors
        [1, 2],  # line 5
        {"title": "Only a title"},  # line 6
        {"title": "Text field", "text": "Uses text instead of body.", "source": "wire"},  # line 7
        {"title": "  ", "body": "Blank title."},  # line 8
    )
    parsed = parse_bytes(data, name="export.ndjson")
    assert [a.title for a in parsed.articles] == [GOOD["title"], "Text field"]
    assert parsed.articles[1].source == "wire"
    assert [e.line for e in parsed.errors] == [2, 3, 5, 6, 8]
    assert "title" in parsed.errors[0].reason
    assert "invalid JSON" in parsed.errors[1].reason
    assert "not an object" in parsed.errors[2].reason
    assert "body" in parsed.errors[3].reason


def test_json_list_reports_the_line_each_record_starts_on() -> None:
    text = json.dumps([GOOD, {"title": "No body"}, GOOD | {"title": "Second"}, 7], indent=2)
    parsed = parse_bytes(text.encode(), name="export.json")
    lines = text.split("\n")
    starts = [no for no, line in enumerate(lines, start=1) if line in ("  {", "  7")]
    assert [a.title for a in parsed.articles] == [GOOD["title"], "Second"]
    assert parsed.errors == (
        RecordError(starts[1], "missing or empty 'body'/'text'"),
        RecordError(starts[3], "record is a JSON int, not an object"),
    )


def test_json_articles_wrapper() -> None:
    text = '{"exported": "2026-01-28",\n "articles": [\n  {"title": "A", "body": "One."},\n  {"title": "B"}\n ]}'
    parsed = parse_bytes(text.encode(), name="export.json")
    assert [a.title for a in parsed.articles] == ["A"]
    assert parsed.errors == (RecordError(4, "missing or empty 'body'/'text'"),)


def test_single_object_json_is_one_record() -> None:
    parsed = parse_bytes(json.dumps(GOOD).encode(), name="one.json")
    assert len(parsed.articles) == 1


def test_body_cleaning_drops_caption_credit_and_marker_lines() -> None:
    record = GOOD | {
        "body": "TT\n" + GOOD["title"] + "\n" + GOOD["caption"] + "\nREUTERS/Stringer\n"
        "First paragraph of the story.\nA subheading\nSecond paragraph.\n(Reporting by Jane Doe; Editing by John Roe)",
    }
    (article,) = parse_bytes(_jsonl(record), name="x.jsonl").articles
    assert article.paragraphs == ("First paragraph of the story.", "Second paragraph.")
    assert [b.kind for b in article.blocks] == ["paragraph", "subheading", "paragraph"]


def test_body_as_list_of_paragraphs_and_agency_field() -> None:
    record = {"title": "T", "body": ["One.", "Two."], "agency": "Associated Press"}
    (article,) = parse_bytes(_jsonl(record), name="x.jsonl").articles
    assert article.paragraphs == ("One.", "Two.")
    assert article.credits == ("AP",)
    assert article.credit_line == "Associated Press"


def test_unknown_credit_is_kept_as_given() -> None:
    (article,) = parse_bytes(_jsonl({"title": "T", "body": "B.", "credit": "Example Wire"}), name="x.jsonl").articles
    assert article.credits == ("Example Wire",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-28T09:30:00Z", datetime(2026, 1, 28, 9, 30, tzinfo=UTC)),
        ("2026-01-28T10:30:00+01:00", datetime(2026, 1, 28, 10, 30, tzinfo=timezone(timedelta(hours=1)))),
        ("2026-01-28", datetime(2026, 1, 28, tzinfo=UTC)),
        ("yesterday", None),
        (1769592600, None),
    ],
)
def test_published_at(value: object, expected: datetime | None) -> None:
    (article,) = parse_bytes(_jsonl({"title": "T", "body": "B.", "published_at": value}), name="x.jsonl").articles
    assert article.published_at == expected


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"[1, 2", "x.json", "line 1: invalid JSON"),
        (b'{"articles": [}', "x.json", "invalid JSON at line 1"),
        (b"[]", "x.json", "no article"),
        (b'"just a string"', "x.json", "not a list"),
        (b'{"articles": 3}', "x.json", "not a list"),
        (b'{"title": "x"}\n{"title": "y"}', "x.jsonl", "no article"),
    ],
)
def test_unusable_exports_raise(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(DumpError, match=reason):
        parse_bytes(data, name=name)


def test_cut_off_json_list_keeps_the_complete_records() -> None:
    text = json.dumps([GOOD, GOOD | {"title": "Second"}], indent=1)
    cut = text[: text.rindex('"title"')]
    parsed = parse_bytes(cut.encode(), name="export.json")
    assert [a.title for a in parsed.articles] == [GOOD["title"]]
    assert len(parsed.errors) == 1
    assert parsed.errors[0].reason.startswith("invalid JSON")
    assert parsed.errors[0].line == cut.count("\n") + 1


def test_jsonl_in_a_json_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(_jsonl(GOOD, {"title": "B", "body": "Two."}))
    assert [a.title for a in parse_dump(path).articles] == [GOOD["title"], "B"]


def test_format_is_sniffed_without_extension(tmp_path: Path) -> None:
    (tmp_path / "feed").write_bytes(json.dumps([GOOD]).encode())
    (tmp_path / "lines").write_bytes(_jsonl(GOOD, GOOD))
    assert len(parse_dump(tmp_path / "feed").articles) == 1
    assert len(parse_dump(tmp_path / "lines").articles) == 2


def test_missing_file_is_a_dump_error(tmp_path: Path) -> None:
    with pytest.raises(DumpError, match="cannot read"):
        parse_dump(tmp_path / "absent.txt")


def test_html_bodies_become_paragraphs_and_subheadings() -> None:
    record = {
        "title": "Gold &amp; Sanctions",
        "body": "<p>The US imposed sanctions on <a href='x'>Rostec</a>.</p><h2>Planes, trucks, gold</h2>"
        "<p>Imports of Russian gold were banned &ndash; with exceptions.</p>",
    }
    (article,) = parse_bytes(_jsonl(record), name="x.jsonl").articles
    assert article.title == "Gold & Sanctions"
    assert [(b.kind, b.text) for b in article.blocks] == [
        ("paragraph", "The US imposed sanctions on Rostec."),
        ("subheading", "Planes, trucks, gold"),
        ("paragraph", "Imports of Russian gold were banned – with exceptions."),
    ]


def test_hard_wrapped_body_lines_are_joined_single_newline_paragraphs_kept() -> None:
    record = {
        "title": "T",
        "body": "Officials said on Monday that the new bridge would open to\ntraffic next month.\n"
        "Local businesses welcomed the news.\r\nThe mayor was not available for comment.",
    }
    (article,) = parse_bytes(_jsonl(record), name="x.jsonl").articles
    assert article.paragraphs == (
        "Officials said on Monday that the new bridge would open to traffic next month.",
        "Local businesses welcomed the news.",
        "The mayor was not available for comment.",
    )


def test_title_that_is_only_markup_is_missing() -> None:
    data = _jsonl({"title": "<b> </b>", "body": "Text."}, {"title": "Fine", "body": "Text."})
    parsed = parse_bytes(data, name="x.jsonl")
    assert [a.title for a in parsed.articles] == ["Fine"]
    assert parsed.errors == (RecordError(1, "missing or empty 'title'"),)
