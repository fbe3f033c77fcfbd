"""Photo credits, agencies, caption dates and subheading/headline predicates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.ingest.body import lower_vocabulary, split_glued_subheading
from bot.ingest.credits import agencies, caption_date, is_credit_only, is_sign_off, split_credit, text_attributions
from bot.ingest.textutil import is_subheading, is_title_case


@pytest.mark.parametrize(
    ("caption", "credit", "names"),
    [
        ("A man walks, October 17, 2014. (Reuters)", "(Reuters)", ("Reuters",)),
        (
            "Starmer in Beijing, January 28, 2026. Kin Cheung/Pool via REUTERS",
            "Kin Cheung/Pool via REUTERS",
            ("Reuters",),
        ),
        ("Soldiers fire. REUTERS/Stringer/File Photo", "REUTERS/Stringer/File Photo", ("Reuters",)),
        ("Kallas arrives, 22 January 2026. EPA/OLIVIER MATTHYS", "EPA/OLIVIER MATTHYS", ("EPA",)),
        (
            "Traders at work. Spencer Platt/AFP via Getty Images",
            "Spencer Platt/AFP via Getty Images",
            ("AFP", "Getty Images"),
        ),
        ("Firefighters, Jan. 31, 2026. (AP Photo/Esteban Felix)", "(AP Photo/Esteban Felix)", ("AP",)),
        ("Soldiers in Kyiv, Jan. 5, 2026 AP Photo/Efrem Lukatsky", "AP Photo/Efrem Lukatsky", ("AP",)),
        ("Protesters gather in Paris. Photo: Jane Doe", "Photo: Jane Doe", ()),
        ("Dockworkers march, 3 February 2026. EPA-EFE/OLIVIER HOSLET", "EPA-EFE/OLIVIER HOSLET", ("EPA",)),
    ],
)
def test_split_credit(caption: str, credit: str, names: tuple[str, ...]) -> None:
    text, got = split_credit(caption)
    assert got == credit
    assert text == caption[: caption.index(credit)].rstrip()
    assert agencies(got) == names


@pytest.mark.parametrize(
    "line",
    [
        '"If you act as a terrorist," Kallas told journalists in Brussels said AFP.',
        "Reuters poll results",
        "TACKLING MIGRANT SMUGGLING GANGS",
        "The company (JSC)",
        "He said AFP.",
    ],
)
def test_prose_is_not_a_credit(line: str) -> None:
    assert split_credit(line) == (line, None)
    assert not is_credit_only(line)


def test_credit_only_lines() -> None:
    assert is_credit_only("REUTERS/Stringer")
    assert is_credit_only("(Reuters)")
    assert is_credit_only("AFP via Getty Images")


def test_agency_acronyms_are_case_sensitive() -> None:
    assert agencies("a map of the area") == ()
    assert agencies("AP and afp and Reuters") == ("AP", "Reuters")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("outside Yekaterinburg, October 17, 2014. (Reuters)", date(2014, 10, 17)),
        ("in Brussels, Belgium, 22 January 2026. EPA/X", date(2026, 1, 22)),
        ("Donetsk region, Ukraine December 25, 2025. REUTERS/Stringer", date(2025, 12, 25)),
        ("Kyiv, Jan. 5, 2026", date(2026, 1, 5)),
        ("Sept 3rd, 2025", date(2025, 9, 3)),
        ("taken 2026-01-28 in Oslo", date(2026, 1, 28)),
        ("February 30, 2026 is no date", None),
        ("since a statement in September 2022", None),
    ],
)
def test_caption_date(text: str, expected: date | None) -> None:
    assert caption_date(text) == expected


def test_text_attributions() -> None:
    assert text_attributions("Kallas told journalists in Brussels said AFP.") == ("AFP",)
    assert text_attributions("in the Zaporizhzhia region, The Associated Press said.") == ("AP",)
    assert text_attributions("KYIV, Ukraine (AP) — Russian forces attacked.") == ("AP",)
    assert text_attributions("LONDON (Reuters) - Shares fell.") == ("Reuters",)
    assert text_attributions("The EPA said emissions fell. The AP style guide says so.") == ()


def test_sign_offs() -> None:
    assert is_sign_off("(Reporting by Jane Doe; Editing by John Roe)")
    assert is_sign_off("Associated Press writer Jane Doe in Paris contributed to this report.")
    assert not is_sign_off("Officials said reporting by local media was inaccurate and would be reviewed.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Planes, trucks, gold", True),
        ("A war of attrition", True),
        ("TACKLING MIGRANT SMUGGLING GANGS", True),
        ("The British leader will also meet Premier Li Qiang.", False),
        ("Asked by a reporter, Starmer replied 'yes'.", False),
        ("He said:", False),
    ],
)
def test_is_subheading(text: str, expected: bool) -> None:
    assert is_subheading(text) is expected


def test_title_case() -> None:
    assert is_title_case("Kallas: EU Expected to Put Iran Guards on 'Terrorist List'")
    assert is_title_case("Report: Russia and Ukraine's Combined War Casualties Could Reach 2 Million Soon")
    assert not is_title_case("A war of attrition")
    assert not is_title_case("TACKLING MIGRANT SMUGGLING GANGS")


def test_glued_subheading_split_is_conservative() -> None:
    vocab = lower_vocabulary(["interviews with state officials.", "the state department"])
    glued = "2 killed in attack in Kyiv region Officials said Wednesday that two people were killed near the capital."
    assert split_glued_subheading(glued, vocab) == (
        "2 killed in attack in Kyiv region",
        "Officials said Wednesday that two people were killed near the capital.",
    )
    for sentence in (
        "The State Department on Tuesday is also imposing sanctions on 45 entities and 29 people.",
        "The US Treasury Department said it imposed sanctions on 70 entities and 29 people today.",
        "A man and a woman died in an overnight attack in the Bilohorodka area on the outskirts of Kyiv.",
        "Starmer held an 80-minute summit with Xi at the Great Hall of the People before lunch.",
    ):
        assert split_glued_subheading(sentence, vocab) is None


def test_glued_split_needs_a_news_verb_after_the_capitalised_word() -> None:
    vocab = lower_vocabulary(["the senate voted", "state officials"])
    assert (
        split_glued_subheading("Voters in the state Senate elections were turning out in numbers on Tuesday.", vocab)
        is None
    )


def test_parenthesised_prose_is_not_a_credit() -> None:
    assert split_credit("Prices rose 5% (year/year)") == ("Prices rose 5% (year/year)", None)
    assert split_credit("Talks in Geneva, Jan. 5, 2026. (VOA)") == ("Talks in Geneva, Jan. 5, 2026.", "(VOA)")


@pytest.mark.parametrize(
    "line",
    [
        "READ MORE: Russia's war in Ukraine",
        "https://example.org/story",
        "Follow AP's coverage at https://apnews.com/hub/russia-ukraine",
        "Some information for this story came from The Associated Press, Reuters and Agence France-Presse.",
    ],
)
def test_web_and_wire_trailers_are_sign_offs(line: str) -> None:
    assert is_sign_off(line)
