"""A hostile JSON record costs that record only: the rest of the export loads, the bad one has its line."""

from __future__ import annotations

import json

import pytest

from bot.ingest.formats import DumpError, parse_bytes

FIRST = {"title": "First Story Loads", "body": "The first story has a sentence."}
LAST = {"title": "Last Story Loads", "body": "The last story has a sentence too."}
SURROGATE = '{"title": "Broken \\ud800 Title", "body": "Text."}'
HUGE_INT = '{"title": "Huge Number", "body": "Text.", "views": ' + "9" * 5000 + "}"
DEEP = '{"title": "Deep", "body": "Text.", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
HOSTILE = {
    "lone surrogate": (SURROGATE, "surrogate"),
    "integer of 5000 digits": (HUGE_INT, "5000 digits"),
    "negative integer of 5000 digits": (HUGE_INT.replace(": 9", ": -9"), "5000 digits"),
    "surrogate in a key": ('{"title": "Key", "body": "Text.", "\\udfff": 1}', "surrogate"),
    "nested too deeply": (DEEP, "nested too deeply"),
}


def _titles(data: bytes, name: str) -> tuple[list[str], list[tuple[int, str]]]:
    parsed = parse_bytes(data, name=name)
    return [a.title for a in parsed.articles], [(e.line, e.reason) for e in parsed.errors]


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=list(HOSTILE))
def test_jsonl_bad_record_costs_that_line_only(bad: tuple[str, str]) -> None:
    record, reason = bad
    data = "\n".join([json.dumps(FIRST), record, json.dumps(LAST)]).encode()
    titles, errors = _titles(data, "export.jsonl")
    assert titles == [FIRST["title"], LAST["title"]]
    assert len(errors) == 1 and errors[0][0] == 2 and reason in errors[0][1]


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=list(HOSTILE))
def test_json_list_bad_record_costs_that_record_only(bad: tuple[str, str]) -> None:
    record, reason = bad
    data = f"[\n{json.dumps(FIRST)},\n{record},\n{json.dumps(LAST)}\n]".encode()
    titles, errors = _titles(data, "export.json")
    assert titles == [FIRST["title"], LAST["title"]]
    assert len(errors) == 1 and errors[0][0] == 3 and reason in errors[0][1]  # line 1 is the "["


@pytest.mark.parametrize("key", ["lone surrogate", "integer of 5000 digits"])
def test_json_articles_wrapper_bad_record_costs_that_record_only(key: str) -> None:
    record, reason = HOSTILE[key]
    data = f'{{"exported": 1,\n "articles": [\n{json.dumps(FIRST)},\n{record},\n{json.dumps(LAST)}]}}'.encode()
    titles, errors = _titles(data, "export.json")
    assert titles == [FIRST["title"], LAST["title"]]
    assert [line for line, _ in errors] == [4] and reason in errors[0][1]


def test_a_huge_integer_outside_the_articles_is_not_fatal() -> None:
    data = f'{{"count": {"1" * 5000}, "articles": [{json.dumps(FIRST)}]}}'.encode()
    assert _titles(data, "export.json") == ([FIRST["title"]], [])


def test_a_single_record_file_with_a_bad_value_is_one_clear_error() -> None:
    with pytest.raises(DumpError, match="surrogate"):
        parse_bytes(SURROGATE.encode(), name="one.json")


def test_escaped_control_characters_are_dropped_not_stored() -> None:
    record = {"title": "Nul\u0000 In Title", "body": "Bell\u0007 and nul\u0000 in the body.\nSecond line."}
    parsed = parse_bytes(json.dumps(record).encode() + b"\n" + json.dumps(LAST).encode(), name="x.jsonl")
    article = parsed.articles[0]
    assert article.title == "Nul In Title"
    assert "\x00" not in article.body and "\x07" not in article.body
    assert "Second line." in article.body


def test_paired_surrogate_escapes_are_a_real_character() -> None:
    record = {"title": "Emoji Story", "body": "A sentence with \U0001f600 in it."}
    parsed = parse_bytes(json.dumps(record).encode(), name="x.json")  # json.dumps escapes it as a pair
    assert "\U0001f600" in parsed.articles[0].body


@pytest.mark.parametrize(
    ("text", "end"),
    [('"a,]" , 2', 5), ("[1, [2, 3], {\"k\": \"]\"}], 9", 23), ("123 , 4", 4), ('{"a": "\\"}"}]', 12), ("[[[", 3)],
)
def test_value_end_skips_strings_and_nesting(text: str, end: int) -> None:
    from bot.ingest.json_records import value_end

    assert value_end(text, 0) == end
