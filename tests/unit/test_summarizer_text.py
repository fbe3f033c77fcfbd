"""Sentence splitting, cleaning and tokens: offline rules that every ranker builds on."""

from __future__ import annotations

import pytest

from summarizer.text import (
    content_terms,
    normalize_space,
    split_paragraphs,
    split_sentences,
    stem,
    strip_dateline,
    word_count,
)


def test_abbreviations_initials_and_decimals_do_not_end_sentences() -> None:
    text = "Mr. Smith paid $3.50 for it at 3 p.m. on Jan. 5. The U.S. Treasury said so. It rose 2.5% in Q1."
    assert split_sentences(text) == [
        "Mr. Smith paid $3.50 for it at 3 p.m. on Jan. 5.",
        "The U.S. Treasury said so.",
        "It rose 2.5% in Q1.",
    ]


def test_line_breaks_end_paragraphs_and_sentences() -> None:
    text = "Planes, trucks, gold\nThe US imposed sanctions on Tuesday.\r\n\r\n  Russia responded.  "
    assert split_sentences(text) == [
        "Planes, trucks, gold",
        "The US imposed sanctions on Tuesday.",
        "Russia responded.",
    ]
    assert split_paragraphs("a\n\n\nb\r\nc") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        (
            'He said: "It is fine. Really fine. We will go." Then he left.',
            'He said: "It is fine. Really fine. We will go."',
        ),
        (
            "“We will not stop. We will win,” Zelenskyy said. Talks resume Monday.",
            "“We will not stop. We will win,” Zelenskyy said.",
        ),
        (
            "‘I had a taste of it. It is great.’ said Locke. He signed.",
            "‘I had a taste of it. It is great.’ said Locke.",
        ),
    ],
)
def test_a_multi_sentence_quotation_stays_in_one_piece(text: str, whole: str) -> None:
    sentences = split_sentences(text)
    assert whole in sentences
    for s in sentences:  # no piece carries half a quotation
        assert s.count('"') % 2 == 0
        assert s.count("“") == s.count("”")


def test_a_newswire_style_quotation_stays_in_one_piece() -> None:
    text = "``We will not stop. We will win,'' the minister said. Talks resume Monday."
    assert split_sentences(text) == ["``We will not stop. We will win,'' the minister said.", "Talks resume Monday."]


def test_an_unclosed_quote_does_not_swallow_the_paragraph() -> None:
    text = '"This quote never closes. ' + " ".join(f"Sentence number {i} is here." for i in range(12))
    assert len(split_sentences(text)) > 5


def test_whitespace_is_normalised_including_no_break_spaces() -> None:
    assert normalize_space("  a\u00a0 b\t\tc \n") == "a b c"


def test_stemming_matches_plurals_and_verb_forms_but_not_non_plurals() -> None:
    assert stem("sanctions") == stem("sanction") == stem("sanctioned")
    assert stem("imposed") == stem("imposing") == stem("impose")
    assert stem("policies") == stem("policy")
    assert stem("classes") == stem("class")
    assert stem("Russia's") == stem("Russia")
    assert stem("bus") == "bus"


def test_content_terms_drop_stop_words_and_numbers() -> None:
    terms = content_terms("The US said it would impose 100 new sanctions on Russia's gold.")
    assert terms == [stem("us"), stem("impose"), stem("sanctions"), stem("russia"), stem("gold")]


def test_word_count_counts_what_a_reader_counts() -> None:
    assert word_count("  Two-thirds of the   U.S. budget ") == 5


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("BRUSSELS, January 22 (Xinhua) -- Two polls showed support.", "Two polls showed support."),
        ("YANGON, Myanmar (AP) _ Aung San Suu Kyi spoke.", "Aung San Suu Kyi spoke."),
        ("KYIV (Reuters) - Drones hit the capital.", "Drones hit the capital."),
        ("(CNN)They may not be.", "They may not be."),
        ("LONDON, England (CNN) -- The PM spoke.", "The PM spoke."),
        ("U.S. officials said so.", "U.S. officials said so."),
        ("NATO -- the alliance -- met.", "NATO -- the alliance -- met."),
        ("WASHINGTON _", "WASHINGTON _"),
        ("COEUR d'ALENE, Idaho _ A jury ruled.", "A jury ruled."),
        ("WASHINGTON _ ``We will act,'' he said.", "``We will act,'' he said."),
        ("_ For months, fans waited.", "For months, fans waited."),  # the dateline was a line of its own
        ("_", "_"),
        ("- In the beginning, the board met.", "In the beginning, the board met."),
    ],
)
def test_wire_datelines_are_dropped_from_the_start_of_a_paragraph(text: str, clean: str) -> None:
    assert strip_dateline(text) == clean


def test_split_sentences_drops_the_dateline_of_each_paragraph() -> None:
    text = "BEIJING, May 5 (Xinhua) -- The ministry spoke today.\nPARIS (AFP) - Talks resumed."
    assert split_sentences(text) == ["The ministry spoke today.", "Talks resumed."]
