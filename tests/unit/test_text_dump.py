"""The plain-text dump parser on the real sample (shared copy and bundled copy)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.ingest.formats import parse_bytes, parse_dump
from summarizer.models import Article
from tests.conftest import SAMPLE_DUMP, shared_path

TITLES = (
    "New US Sanctions Target Russian Gold Imports, Defense Industry",
    "Starmer, Xi Signal Reset in China-UK Ties, Eye Economic Wins",
    "Report: Russia and Ukraine's Combined War Casualties Could Reach 2 Million Soon",
    "Kallas: EU Expected to Put Iran Guards on 'Terrorist List'",
)
CREDIT_LINES = ("(Reuters)", "Kin Cheung/Pool via REUTERS", "REUTERS/Stringer/File Photo", "EPA/OLIVIER MATTHYS")
# Photo credit first, then wires the text names as its source ("Reuters reported", "The Associated
# Press said", "said AFP").
CREDITS = (("Reuters",), ("Reuters",), ("Reuters", "AP"), ("EPA", "AFP"))
CAPTION_DATES = (date(2014, 10, 17), date(2026, 1, 28), date(2025, 12, 25), date(2026, 1, 22))
CAPTION_STARTS = ("An employee displays a gold bar", "Britain's Prime Minister Keir Starmer", "FILE PHOTO: Service")
SUBHEADINGS = (
    ("Planes, trucks, gold",),
    ("TACKLING MIGRANT SMUGGLING GANGS",),
    ("A war of attrition", "2 killed in attack in Kyiv region"),
    (),
)


@pytest.fixture(params=["bundled", "shared"])
def sample(request: pytest.FixtureRequest) -> tuple[Article, ...]:
    path = SAMPLE_DUMP if request.param == "bundled" else shared_path("samples", "dumps", "world-news-2026-01-28.txt")
    parsed = parse_dump(path)
    assert parsed.errors == ()
    return parsed.articles


def assert_sample_structure(articles: tuple[Article, ...]) -> None:
    """The invariants every variant of the sample must keep."""
    assert tuple(a.title for a in articles) == TITLES
    for article in articles:
        for para in article.paragraphs:
            assert para != "TT"
            assert article.caption is None or article.caption not in para
            assert article.credit_line is None or article.credit_line not in para
            assert not para.startswith(("An employee displays", "FILE PHOTO", "European High Representative"))
        assert article.title not in article.paragraphs
    assert [a.truncated for a in articles] == [False, False, False, True]


def test_sample_yields_one_article_per_story(sample: tuple[Article, ...]) -> None:
    assert len(sample) == 4
    assert_sample_structure(sample)


def test_sample_credits_and_caption_dates(sample: tuple[Article, ...]) -> None:
    assert tuple(a.credit_line for a in sample) == CREDIT_LINES
    assert tuple(a.credits for a in sample) == CREDITS
    assert tuple(a.caption_date for a in sample) == CAPTION_DATES


def test_sample_captions_are_metadata_without_credit(sample: tuple[Article, ...]) -> None:
    for article, start in zip(sample, CAPTION_STARTS, strict=False):
        assert article.caption is not None and article.caption.startswith(start)
    assert sample[0].caption is not None and sample[0].caption.endswith("October 17, 2014.")
    assert sample[3].caption == (
        "European High Representative of the Union for Foreign Affairs, Kaja Kallas arrives for an informal "
        "meeting of the members of the European Council in Brussels, Belgium, 22 January 2026."
    )


def test_sample_subheadings_are_blocks_not_paragraphs(sample: tuple[Article, ...]) -> None:
    for article, expected in zip(sample, SUBHEADINGS, strict=True):
        assert tuple(b.text for b in article.blocks if b.kind == "subheading") == expected
        for heading in expected:
            assert heading not in article.paragraphs


def test_glued_subheading_is_split_from_its_paragraph(sample: tuple[Article, ...]) -> None:
    texts = [b.text for b in sample[2].blocks]
    index = texts.index("2 killed in attack in Kyiv region")
    assert texts[index + 1].startswith("Officials said Wednesday that two people were killed")


def test_sample_paragraph_boundaries(sample: tuple[Article, ...]) -> None:
    sanctions, starmer, casualties, kallas = sample
    assert len(sanctions.paragraphs) == 16  # blank-line paragraphs
    assert len(starmer.blocks) == 25  # one block per line, no blank lines: 24 paragraphs and a subheading
    assert len(starmer.paragraphs) == 24
    assert starmer.paragraphs[2] == "The British leader will also meet Premier Li Qiang."
    assert casualties.paragraphs[0].startswith("The number of soldiers killed, injured or missing")
    assert any("CSIS" in p and "1.2 million casualties" in p for p in casualties.paragraphs)
    assert kallas.paragraphs[-1].endswith("in Brussels said AFP.")
    assert len(kallas.paragraphs) == 2


def test_source_is_the_file_name() -> None:
    parsed = parse_bytes(SAMPLE_DUMP.read_bytes(), name="morning.txt")
    assert {a.source for a in parsed.articles} == {"morning.txt"}
