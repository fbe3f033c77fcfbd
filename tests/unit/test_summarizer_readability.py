"""Readability rules: what may open a brief, what may appear in one at all."""

from __future__ import annotations

import pytest

from summarizer.readability import (
    first_word,
    has_half_quote,
    is_boilerplate,
    is_dangling,
    is_fragment,
    is_quote_only,
    usable,
)


@pytest.mark.parametrize(
    "text",
    [
        "He said the talks would resume.",
        "But the Kremlin denied it.",
        "“But we will not stop,” she said.",
        "The report also found 400,000 deaths.",
        "The spokesman added that no date was set.",
        "It was the largest attack this year.",
        "This is the first time sanctions target gold.",
        "Those who fled were not counted.",
        "In addition, 29 people were designated.",
        "They said the figure could rise.",
        "However, officials disputed the count.",
        "Others designated on Tuesday include Kamaz.",
    ],
)
def test_sentences_that_lean_on_a_previous_one_are_dangling(text: str) -> None:
    assert is_dangling(text)


@pytest.mark.parametrize(
    "text",
    [
        "The United States on Tuesday imposed sanctions on more than 100 targets.",
        "This week the EU will decide on the Revolutionary Guards.",
        "There were 1.2 million casualties, the CSIS report said.",
        "Heavy fighting continued near Pokrovsk.",
        "Theresa May resigned.",  # "The..." prefix is not "The report also"
        "Hezbollah fired rockets.",  # starts like "He"
    ],
)
def test_self_contained_sentences_are_not_dangling(text: str) -> None:
    assert not is_dangling(text)


def test_first_word_skips_quotes_and_brackets() -> None:
    assert first_word("“(He) said") == "he"
    assert first_word("2,000 troops") == ""


def test_bare_quotations_are_quote_only_but_attributed_ones_are_not() -> None:
    assert is_quote_only("“We will win this war.”")
    assert is_quote_only('"It is over."')
    assert not is_quote_only("“We will win this war,” Zelenskyy said.")
    assert is_quote_only("``The technology may be there. We will shut it down.''")  # newswire ``quotes''
    assert not is_quote_only("``It is over,'' he said.")
    assert not is_quote_only("``Star Wars'' creator George Lucas founded the merchandising industry.")


@pytest.mark.parametrize(
    "text",
    [
        "By . Daily Mail Reporter . PUBLISHED: 10:05 EST, 3 May 2014",
        "Click here to watch the video.",
        "Last updated at 9:20 AM on 3rd May 2014",
        "Read more: the full report",
        "For Use By Clients of the New York Times News Service",
        "(STORY CAN END HERE. OPTIONAL 2ND TAKE FOLLOWS.)",
    ],
)
def test_page_furniture_is_boilerplate_and_unusable(text: str) -> None:
    assert is_boilerplate(text)
    assert not usable(text)


def test_fragments_are_unusable_and_real_sentences_usable() -> None:
    assert is_fragment("Planes, trucks, gold")
    assert is_fragment("12 34 56 78 90 11")
    assert not usable("KYIV, Jan 28")
    assert usable("The US Treasury said it imposed sanctions on 70 entities.")
    assert is_fragment("a b c d e f", n_words=3)  # a known word count is trusted


@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("‘But I’ve said all along, it’s not about me.", True),
        ('"We will win this war, and', True),
        ("“It is over,” he said.", False),
        ("‘I had a taste of it,’ said Locke.", False),
        ("The players’ union met on Monday.", False),  # an apostrophe, not a closing quote
        ("``We will win this war, and", True),
        ("``It is over,'' he said.", False),
    ],
)
def test_half_quotations_are_never_usable(text: str, half: bool) -> None:
    assert has_half_quote(text) is half
    assert usable(text) is not half
