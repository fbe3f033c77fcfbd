"""Multi-article briefs under a words budget lose their asides, and the words saved buy more of the story."""

from __future__ import annotations

import pytest

from summarizer.models import Document
from summarizer.rank import document_sentences
from summarizer.select import Weights, pick_default
from summarizer.trim import trim

TRIMMED = [
    ("The refugee agency (UNHCR) said 300 people died in the floods.",
     "The refugee agency said 300 people died in the floods."),
    ("The trial opened Tuesday with coaches confessing to doping.",
     "The trial opened with coaches confessing to doping."),
    ("Rebels attacked the town on Monday night, killing twelve people.",
     "Rebels attacked the town, killing twelve people."),
    ("However, the council rejected the plan by a wide margin.", "The council rejected the plan by a wide margin."),
    ("Workers surrounded government offices for five days, a rights group reported Monday.",
     "Workers surrounded government offices for five days."),
    ("An estimated 1.7 million children are taught at home, according to the association.",
     "An estimated 1.7 million children are taught at home."),
]


@pytest.mark.parametrize(("text", "trimmed"), TRIMMED)
def test_asides_and_closing_attributions_go(text: str, trimmed: str) -> None:
    assert trim(text, "en") == trimmed


def test_what_a_reader_needs_is_kept() -> None:
    kept = [
        "On Monday, the council voted to close the old bridge.",  # opens the sentence: the when of the news
        "Tuesday's vote was close, with five members abstaining.",  # a possessive names the vote
        "Officials said the vote was close and five members abstained.",  # an opening attribution stays
        "``We will rebuild the town,'' the mayor said.",  # the speaker of a quotation stays
        "Die Regierung (in Berlin) hat am Montag den Plan beschlossen.",  # only English rules exist
        "It fell (sharply).",  # trimming would leave too little
    ]
    for text in kept:
        lang = "de" if text.startswith("Die") else "en"
        assert trim(text, lang) == text


def _cluster() -> list[Document]:
    aside = "(according to figures released by the regional health ministry)"
    base = [
        f"Floods in the river valley killed 40 people {aside} and left thousands homeless.",
        f"Rescue teams reached the flooded villages by boat {aside} after the rain stopped.",
        f"The government promised emergency aid for the flooded river valley {aside} within days.",
        f"Thousands of homeless families sheltered in schools {aside} near the river valley.",
        f"Aid agencies warned of disease in the flooded villages {aside} as waters receded.",
    ]
    return [
        Document(id=f"wire-{k}", paragraphs=(" ".join(base[k:] + base[:k]),)) for k in range(3)
    ]


def test_the_words_saved_are_spent_on_more_of_the_story() -> None:
    docs = _cluster()
    per_doc = [document_sentences(d) for d in docs]
    whole = pick_default(per_doc, docs, max_sentences=None, max_words=60, weights=Weights(trim_rounds=0))
    trimmed = pick_default(per_doc, docs, max_sentences=None, max_words=60)
    assert any("(" in s.text for s in whole)
    assert not any("(" in s.text for s in trimmed)
    assert len(trimmed) > len(whole)  # the asides' words went to another sentence
    originals = {s.position: s for group in per_doc for s in group if s.doc_id == "wire-0"}
    for s in trimmed:  # still traceable to its document and place
        assert s.doc_id.startswith("wire-")
        if s.doc_id == "wire-0":
            assert trim(originals[s.position].text, "en") == s.text


def test_a_sentence_budget_or_a_single_story_is_not_trimmed() -> None:
    docs = _cluster()
    per_doc = [document_sentences(d) for d in docs]
    assert any("(" in s.text for s in pick_default(per_doc, docs, max_sentences=3, max_words=None))
    one = [per_doc[0]]
    assert any("(" in s.text for s in pick_default(one, docs[:1], max_sentences=None, max_words=60))
