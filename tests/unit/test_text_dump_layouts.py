"""Header and body shapes seen in other newsroom systems, on small hand-written dumps."""

from __future__ import annotations

from datetime import date

from bot.ingest.formats import parse_bytes
from summarizer.models import Article

BODY_A = (
    "Officials in the capital said on Monday that the new bridge would open to traffic next month.\n\n"
    "The project, delayed by two years, cost more than twice the original estimate.\n\n"
    "Local businesses welcomed the news."
)
BODY_B = (
    "Farmers drove hundreds of tractors into the city centre on Tuesday to protest against new rules.\n\n"
    "Police said the demonstration was peaceful and that traffic would return to normal by evening.\n\n"
    "The agriculture minister agreed to meet union leaders on Friday."
)


def _parse(text: str) -> tuple[Article, ...]:
    return parse_bytes(text.encode(), name="dump.txt").articles


def test_credit_on_its_own_line_under_the_caption() -> None:
    text = (
        "Bridge Opening Set for March\n\n"
        "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026.\nNTB/Ole Berg-Rusten\nTT\n\n"
        "Bridge Opening Set for March\n\n"
        "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026.\nNTB/Ole Berg-Rusten\n\n"
        f"{BODY_A}\n"
    )
    (article,) = _parse(text)
    assert article.caption == "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026."
    assert article.credit_line == "NTB/Ole Berg-Rusten" and article.credits == ("NTB",)
    assert article.caption_date == date(2026, 2, 1)
    assert article.paragraphs[0].startswith("Officials in the capital")
    assert len(article.paragraphs) == 3


def test_another_agency_code_in_place_of_tt() -> None:
    first = f"Bridge Opening Set for March\n\nANP\n\nBridge Opening Set for March\n\n{BODY_A}\n"
    text = f"{first}\n\nTractors Block City Centre\n\nANP\n\nTractors Block City Centre\n\n{BODY_B}\n"
    articles = _parse(text)
    assert [a.title for a in articles] == ["Bridge Opening Set for March", "Tractors Block City Centre"]
    assert all("ANP" not in p for a in articles for p in a.paragraphs)


def test_dated_caption_without_credit_printed_once() -> None:
    text = (
        "Bridge Opening Set for March\n\n"
        "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026.\n\n"
        f"{BODY_A}\n\n\n"
        "Tractors Block City Centre\n\n"
        "Farmers protest with their tractors in Paris, France, 3 February 2026.\n\n"
        f"{BODY_B}\n"
    )
    articles = _parse(text)
    assert [a.title for a in articles] == ["Bridge Opening Set for March", "Tractors Block City Centre"]
    assert [a.caption_date for a in articles] == [date(2026, 2, 1), date(2026, 2, 3)]
    assert all(a.credits == () and len(a.paragraphs) == 3 for a in articles)


def test_bylines_sign_offs_and_in_body_photos_are_not_paragraphs() -> None:
    text = (
        "Tractors Block City Centre\n\n"
        "Farmers protest in Paris, France, 3 February 2026. REUTERS/Abdul Saboor\nTT\n\n"
        "Tractors Block City Centre\n\n"
        "By Jane Doe and John Roe, Associated Press\n\n"
        f"{BODY_B}\n\n"
        "A farmer waves a flag during the protest in Paris. AFP via Getty Images\n\n"
        "Talks are expected to last several days.\n\n"
        "___\n\n"
        "Associated Press writer Ana Lopez in Madrid contributed to this report.\n\n"
        "(Reporting by Abdul Saboor; Editing by Mark Heinrich)\n\n"
        "© 2026 The Associated Press. All rights reserved.\n"
    )
    (article,) = _parse(text)
    assert article.paragraphs[0].startswith("Farmers drove hundreds of tractors")
    assert article.paragraphs[-1] == "Talks are expected to last several days."
    assert len(article.paragraphs) == 4
    assert article.credits == ("Reuters", "AP")
    assert not article.truncated


def test_separator_lines_between_stories() -> None:
    text = f"Bridge Opening Set for March\n\n{BODY_A}\n\n----------\n\nTractors Block City Centre\n\n{BODY_B}\n"
    articles = _parse(text)
    assert [a.title for a in articles] == ["Bridge Opening Set for March", "Tractors Block City Centre"]
    assert all(len(a.paragraphs) == 3 for a in articles)


def test_plain_headline_and_body_dump_without_any_header_marks() -> None:
    text = f"Bridge Opening Set for March\n{BODY_A}\n\n\nTractors block city centre as farmers protest\n{BODY_B}\n"
    articles = _parse(text)
    assert [a.title for a in articles] == [
        "Bridge Opening Set for March",
        "Tractors block city centre as farmers protest",
    ]


def test_subheading_is_not_a_new_story() -> None:
    text = (
        "Bridge Opening Set for March\n\n"
        "Workers finish the bridge in Oslo, Norway, February 1, 2026. NTB/Ole Berg-Rusten\nTT\n\n"
        "Bridge Opening Set for March\n\n"
        f"{BODY_A}\n\nCost Overruns\n\nThe final bill came to 2 billion crowns, auditors said.\n"
    )
    (article,) = _parse(text)
    assert [(b.kind, b.text) for b in article.blocks][-2:] == [
        ("subheading", "Cost Overruns"),
        ("paragraph", "The final bill came to 2 billion crowns, auditors said."),
    ]


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "Bridge Opening Set for March\n\n"
        "Workers finish the bridge in Oslo, Norway, February 1, 2026. NTB/Ole Berg-Rusten\nTT\n\n"
        "Bridge Opening Set for March\n\n"
        "Officials in the capital said on Monday that the new bridge\n"
        "would open to traffic next month, two years later than\n"
        "planned.\n\n"
        "Local businesses welcomed the news.\n"
    )
    (article,) = _parse(text)
    assert article.paragraphs == (
        "Officials in the capital said on Monday that the new bridge would open to traffic next month, "
        "two years later than planned.",
        "Local businesses welcomed the news.",
    )


def test_web_copy_link_artefacts_are_removed() -> None:
    text = (
        "Bridge Opening Set for March\n\n"
        "Workers finish the bridge in Oslo, Norway, February 1, 2026. REUTERS/Ole Berg"
        " Purchase Licensing Rights\nTT\n\n"
        "Bridge Opening Set for March\n\n"
        "Officials said in a statement, opens new tab that the bridge would open next month.\n"
    )
    (article,) = _parse(text)
    assert article.credit_line == "REUTERS/Ole Berg"
    assert article.paragraphs == ("Officials said in a statement that the bridge would open next month.",)


def test_reuters_editor_notes_after_the_credit() -> None:
    caption = (
        "Ukraine's President meets troops in Kharkiv region, Ukraine, January 20, 2026. Ukrainian Presidential "
        "Press Service/Handout via REUTERS ATTENTION EDITORS - THIS IMAGE HAS BEEN SUPPLIED BY A THIRD PARTY."
    )
    text = f"Zelenskyy Visits Front Line\n\n{caption}\n{caption}\nTT\n\nZelenskyy Visits Front Line\n\n{BODY_A}\n"
    (article,) = _parse(text)
    assert article.credit_line == "Ukrainian Presidential Press Service/Handout via REUTERS"
    assert article.credits == ("Reuters",)
    assert article.caption_date == date(2026, 1, 20)
    assert all("ATTENTION EDITORS" not in p for p in article.paragraphs)


def test_headline_alone_at_the_end_is_reported_not_glued_on() -> None:
    text = f"Bridge Opening Set for March\n\n{BODY_A}\n\n\nTractors Block City Centre\n"
    parsed = parse_bytes(text.encode(), name="dump.txt")
    (article,) = parsed.articles
    assert article.paragraphs[-1] == "Local businesses welcomed the news."
    assert [(e.line, "no body" in e.reason) for e in parsed.errors] == [(10, True)]


def test_preamble_line_is_not_an_error() -> None:
    text = f"World News Digest\n\n\nBridge Opening Set for March\n\nTT\n\nBridge Opening Set for March\n\n{BODY_A}\n"
    parsed = parse_bytes(text.encode(), name="dump.txt")
    assert [a.title for a in parsed.articles] == ["Bridge Opening Set for March"]
    assert parsed.errors == ()


def test_two_photos_in_the_header_and_a_file_photo_in_the_body() -> None:
    first = "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026. NTB/Ole Berg-Rusten"
    second = "The old ferry that the bridge replaces leaves the harbour for the last time."
    header = f"{first}\n{first}\n{second}\n{second}\n"
    text = (
        f"Bridge Opening Set for March\n\n{header}TT\n\nBridge Opening Set for March\n\n{header}\n"
        "Officials in the capital said on Monday that the new bridge would open to traffic next month.\n\n"
        "FILE PHOTO: The bridge under construction in the summer\n\n"
        "Local businesses welcomed the news.\n\nLocal businesses welcomed the news.\n"
    )
    (article,) = _parse(text)
    assert article.caption == "Workers finish the deck of the new bridge in Oslo, Norway, February 1, 2026."
    assert article.paragraphs == (
        "Officials in the capital said on Monday that the new bridge would open to traffic next month.",
        "Local businesses welcomed the news.",
    )


def test_paragraph_pasted_twice_under_a_subheading_is_not_a_story() -> None:
    text = (
        "Bridge Opening Set for March\n\nTT\n\nBridge Opening Set for March\n\n"
        "Officials in the capital said on Monday that the new bridge would open to traffic next month.\n"
        "Cost overruns\n"
        "The final bill came to 2 billion crowns, auditors said.\n"
        "The final bill came to 2 billion crowns, auditors said.\n"
        "Local businesses welcomed the news.\n"
    )
    parsed = parse_bytes(text.encode(), name="dump.txt")
    (article,) = parsed.articles
    assert [(b.kind, b.text) for b in article.blocks][1:] == [
        ("subheading", "Cost overruns"),
        ("paragraph", "The final bill came to 2 billion crowns, auditors said."),
        ("paragraph", "Local businesses welcomed the news."),
    ]
    assert parsed.errors == ()


def test_dated_preamble_above_the_first_story_is_skipped() -> None:
    story = f"Bridge Opening Set for March\n\nTT\n\nBridge Opening Set for March\n\n{BODY_A}\n"
    text = f"World News\nJanuary 28, 2026\n\n\n{story}"
    parsed = parse_bytes(text.encode(), name="dump.txt")
    assert [a.title for a in parsed.articles] == ["Bridge Opening Set for March"]
    assert parsed.errors == ()
