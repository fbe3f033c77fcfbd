"""Variants of the sample as other newsroom systems print them: encodings, line ends, header shapes."""

from __future__ import annotations

import codecs
import re

import pytest

from bot.ingest.formats import DumpError, parse_bytes
from summarizer.models import Article
from tests.conftest import SAMPLE_DUMP
from tests.unit.test_text_dump import CREDITS, SUBHEADINGS, TITLES, assert_sample_structure

SAMPLE = SAMPLE_DUMP.read_text(encoding="utf-8")


def _parse(text: str, *, encoding: str = "utf-8", name: str = "dump.txt") -> tuple[Article, ...]:
    return parse_bytes(text.encode(encoding), name=name).articles


def _reference() -> tuple[Article, ...]:
    return _parse(SAMPLE)


def _drop_repeated_lines(text: str) -> str:
    """Print each caption once: drop a line identical to the line above it."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and line and line == out[-1]:
            continue
        out.append(line)
    return "\n".join(out)


def _drop_second_header(text: str) -> str:
    """Headline and caption printed once: remove ``TT`` and the repeated block after it."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i] == "TT":
            header = {line for line in out[-6:] if line}
            i += 1
            while i < len(lines) and (not lines[i] or lines[i] in header):
                i += 1
            out.append("")
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _drop_captions(text: str) -> str:
    """No photo at all: remove every caption line (the ones ending with a credit)."""
    pattern = r"^.*(?:\(Reuters\)|via REUTERS|REUTERS/Stringer/File Photo|EPA/OLIVIER MATTHYS)\n"
    return re.sub(pattern, "", text, flags=re.MULTILINE)


def assert_same_as_reference(articles: tuple[Article, ...]) -> None:
    reference = _reference()
    assert len(articles) == len(reference) == 4
    for got, want in zip(articles, reference, strict=True):
        assert got.title == want.title
        assert got.blocks == want.blocks
        assert got.caption == want.caption
        assert got.credits == want.credits
        assert got.caption_date == want.caption_date
        assert got.truncated == want.truncated


def test_crlf_line_ends() -> None:
    assert_same_as_reference(_parse(SAMPLE.replace("\n", "\r\n")))


def test_old_mac_line_ends() -> None:
    assert_same_as_reference(_parse(SAMPLE.replace("\n", "\r")))


def test_utf8_bom() -> None:
    articles = parse_bytes(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), name="dump.txt").articles
    assert_same_as_reference(articles)
    assert not articles[0].title.startswith("\ufeff")


def test_utf16_with_bom() -> None:
    assert_same_as_reference(parse_bytes(SAMPLE.encode("utf-16"), name="dump.txt").articles)


def test_cp1252_bytes_keep_curly_quotes() -> None:
    articles = _parse(SAMPLE, encoding="cp1252")
    assert_same_as_reference(articles)
    assert any("“reliable information”" in p for p in articles[2].paragraphs)


def test_latin1_bytes() -> None:
    text = SAMPLE.replace("’", "'").replace("“", '"').replace("”", '"').replace("—", "-")
    text = text.replace("Mediazona", "Médiazona")
    articles = _parse(text, encoding="latin-1")
    assert_sample_structure(articles)
    assert any("Médiazona" in p for p in articles[2].paragraphs)


def test_latin1_bytes_undefined_in_cp1252_do_not_crash() -> None:
    data = SAMPLE.encode("utf-8").replace(b"Mediazona", b"Media\x81zona")
    articles = parse_bytes(data, name="dump.txt").articles
    assert_sample_structure(articles)
    assert any("think tank’s own analysis" in p for p in articles[2].paragraphs)  # same line, UTF-8 kept


def test_one_cp1252_line_in_a_utf8_file() -> None:
    data = SAMPLE.encode("utf-8").replace(b"Tupolev, maker", "Tupolev – maker".encode("cp1252"))
    articles = parse_bytes(data, name="dump.txt").articles
    assert any(p.startswith("Tupolev – maker") for p in articles[0].paragraphs)
    assert any("“reliable information”" in p for p in articles[2].paragraphs)  # UTF-8 lines intact


def test_no_tt_marker() -> None:
    assert_same_as_reference(_parse(re.sub(r"^TT\n", "", SAMPLE, flags=re.MULTILINE)))


def test_caption_printed_once_per_header() -> None:
    assert_same_as_reference(_parse(_drop_repeated_lines(SAMPLE)))


def test_header_printed_once_without_marker() -> None:
    text = _drop_repeated_lines(_drop_second_header(SAMPLE))
    assert "TT" not in text.split("\n")
    assert_same_as_reference(_parse(text))


def test_stray_whitespace_tabs_and_nbsp() -> None:
    lines = SAMPLE.split("\n")
    noisy = [
        f"\t {line}  \u00a0" if k % 3 else (line.replace(" ", "  ") if line else " \t ") for k, line in enumerate(lines)
    ]
    assert_same_as_reference(_parse("\n".join(noisy)))


def test_extra_blank_lines_everywhere() -> None:
    assert_same_as_reference(_parse(SAMPLE.replace("\n\n", "\n\n\n")))


def test_leading_and_trailing_blank_lines() -> None:
    assert_same_as_reference(_parse("\n\n  \n" + SAMPLE + "\n\n\n"))


def test_stories_without_captions() -> None:
    articles = _parse(_drop_captions(SAMPLE))
    assert tuple(a.title for a in articles) == TITLES
    assert all(a.caption is None and a.caption_date is None and a.credit_line is None for a in articles)
    assert articles[3].credits == ("AFP",)  # only the text attribution is left
    assert tuple(tuple(b.text for b in a.blocks if b.kind == "subheading") for a in articles) == SUBHEADINGS


def test_stories_without_captions_or_marker_separated_by_blank_lines() -> None:
    text = _drop_repeated_lines(_drop_second_header(_drop_captions(SAMPLE)))
    text = re.sub(r"\n{3,}", "\n\n\n\n", text)
    articles = _parse(text)
    assert tuple(a.title for a in articles) == TITLES
    assert tuple(tuple(b.text for b in a.blocks if b.kind == "subheading") for a in articles) == SUBHEADINGS


def test_one_caption_missing_others_kept() -> None:
    text = SAMPLE.replace(SAMPLE.split("\n")[2] + "\n", "")  # the gold-bar caption, every copy
    articles = _parse(text)
    assert tuple(a.title for a in articles) == TITLES
    assert articles[0].caption is None and articles[0].credits == ()
    assert tuple(a.credits for a in articles[1:]) == CREDITS[1:]


def test_dump_cut_in_the_middle_of_a_paragraph() -> None:
    cut = SAMPLE.index("The ministry has not released figures") + len("The ministry has not released")
    articles = _parse(SAMPLE[:cut])
    assert tuple(a.title for a in articles) == TITLES[:3]
    assert [a.truncated for a in articles] == [False, False, True]
    assert articles[2].paragraphs[-1] == "The ministry has not released"


def test_dump_cut_right_after_a_header_reports_the_story() -> None:
    cut = SAMPLE.index("EU foreign ministers are expected")
    parsed = parse_bytes(SAMPLE[:cut].encode(), name="dump.txt")
    assert tuple(a.title for a in parsed.articles) == TITLES[:3]
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == SAMPLE[:cut].split("\n").index(TITLES[3]) + 1
    assert "no body" in parsed.errors[0].reason


def test_complete_last_story_is_not_truncated() -> None:
    cut = SAMPLE.index(TITLES[3])
    articles = _parse(SAMPLE[:cut])
    assert [a.truncated for a in articles] == [False, False, False]


def test_sample_twice_gives_eight_articles() -> None:
    articles = _parse(
        SAMPLE.replace("said AFP.", "said AFP, adding that ministers would meet again.") + "\n\n\n" + SAMPLE
    )
    assert tuple(a.title for a in articles) == TITLES + TITLES
    assert articles[3].truncated is False and articles[7].truncated is True


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n", codecs.BOM_UTF8, b"\x00\x01\x02binary\x00"])
def test_unusable_files_raise_dump_error(data: bytes) -> None:
    with pytest.raises(DumpError) as excinfo:
        parse_bytes(data, name="dump.txt")
    assert excinfo.value.reason


def test_text_without_any_story_raises() -> None:
    with pytest.raises(DumpError, match="no article"):
        parse_bytes(b"just a line", name="dump.txt")


def test_mojibake_from_an_earlier_cp1252_misreading_is_repaired() -> None:
    garbled = SAMPLE.encode("utf-8").decode("cp1252", errors="replace")
    articles = _parse(garbled)
    assert_sample_structure(articles)
    assert any("“reliable information”" in p for p in articles[2].paragraphs)
    assert any("Britain’s opposition" in p for p in articles[1].paragraphs)


def test_html_entities_in_a_text_dump() -> None:
    articles = _parse(SAMPLE.replace("Planes, trucks, gold", "Planes, trucks &amp; gold"))
    assert "Planes, trucks & gold" in [b.text for b in articles[0].blocks]


def test_story_before_a_header_only_ending_is_not_marked_truncated() -> None:
    # The short Kallas story comes third; the dump ends inside the fourth story's header (a stray
    # sign-off is all its body has). The cut is in the fourth story, so nothing is truncated.
    stories = SAMPLE.split("\n\n\n")
    kallas, casualties = stories[3], stories[2]
    header = casualties[: casualties.index("The number of soldiers killed")]
    text = "\n\n\n".join([stories[0], stories[1], kallas, header + "(Reporting by Jane Doe)\n"])
    parsed = parse_bytes(text.encode(), name="dump.txt")
    assert [a.title for a in parsed.articles] == [TITLES[0], TITLES[1], TITLES[3]]
    assert [a.truncated for a in parsed.articles] == [False, False, False]
    assert len(parsed.errors) == 1 and "no body" in parsed.errors[0].reason
