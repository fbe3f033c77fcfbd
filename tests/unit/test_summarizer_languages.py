"""Briefs in the story's language: real German, French and Spanish news (tests/fixtures/multilingual/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.language import detect_language, normalise
from summarizer.models import Document
from summarizer.rank import blurb, document_sentences, summarize
from summarizer.readability import needs_context
from summarizer.text import STOP_WORDS, content_terms, split_sentences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "multilingual"
# file, language, number of sentences a reader counts in the body
STORIES = [
    ("de_wikinews_merkel_four_freedoms.txt", "de", 8),
    ("fr_wikinews_wikitribune.txt", "fr", 6),
    ("es_voa_biden_petro.txt", "es", 7),
]


def _story(name: str, language: str | None = None) -> Document:
    headline, *body = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return Document(id="1", paragraphs=tuple(p for p in body if p.strip()), title=headline, language=language)


@pytest.mark.parametrize(("name", "language", "count"), STORIES)
def test_the_story_is_split_into_its_own_whole_sentences(name: str, language: str, count: int) -> None:
    doc = _story(name)
    sents = document_sentences(doc)
    assert {s.language for s in sents} == {language}  # detected offline from the text
    assert len(sents) == count, [s.text for s in sents]
    for paragraph in doc.paragraphs:  # nothing lost, nothing cut mid-sentence: the pieces rebuild the paragraph
        own = [s.text for s in sents if s.text in paragraph]
        assert " ".join(own) == paragraph
    for s in sents:
        assert s.text[0].isupper() or s.text[0] in "«\"„", s.text
        assert s.text.rstrip("»“”\" ")[-1] in ".!?", s.text


@pytest.mark.parametrize(("name", "language", "count"), STORIES)
def test_the_brief_and_the_blurb_are_whole_sentences_of_the_story(name: str, language: str, count: int) -> None:
    doc = _story(name)
    sentences = [s.text for s in document_sentences(doc)]
    brief = summarize([doc], max_sentences=3).sentences
    assert len(brief) == 3
    assert all(s.text in sentences for s in brief)
    assert not needs_context(brief[0].text, language)  # never opens on "Sie habe ..." / "Dies gelte ..."
    one = blurb(doc)
    assert one is not None and one.text in sentences and not needs_context(one.text, language)


def test_german_rules_keep_ordinals_initials_and_low_quotes_inside_the_sentence() -> None:
    text = (FIXTURES / STORIES[0][0]).read_text(encoding="utf-8").splitlines()
    first, third = split_sentences(text[1], "de"), split_sentences(text[2], "de")
    assert first[0].startswith("Middelburg") and "dem 21. April, erhielt" in first[0]
    assert "Franklin D. Roosevelt, in der Nieuwe Kerk" in first[1]
    assert third[-1].startswith("Laut der Roosevelt Foundation") and third[-1].endswith("bewiesen.")
    assert needs_context("Sie habe auch zum Ausdruck gebracht, dass ...", "de")
    assert needs_context("Dies gelte für ihre leitende Rolle.", "de")
    assert not needs_context("Der Preis wurde überreicht.", "de")


def test_french_guillemets_stay_with_their_attribution() -> None:
    text = (FIXTURES / STORIES[1][0]).read_text(encoding="utf-8").splitlines()
    sents = split_sentences(text[1], "fr")
    quote = "« Les informations ne fonctionnent plus et nous pouvons régler ce problème »"
    assert sents[1] == f"{quote}, peut-on lire sur le site."


def test_stop_words_and_stems_follow_the_language() -> None:
    german = content_terms("Die Flüchtlinge und den Flüchtlingen", "de")
    assert german[0] == german[1] and "die" not in german and "und" not in german
    spanish = content_terms("Los presidentes y el presidente", "es")
    assert spanish[0] == spanish[1] and "los" not in spanish
    # English keeps its own light stemmer (Snowball would give "presid").
    assert content_terms("The presidents met", "en") == ["president", "met"]


def test_a_declared_language_wins_and_unknown_codes_fall_back_to_english() -> None:
    assert normalise("de-DE") == "de" and normalise("PT_br") == "pt" and normalise("xx") == "en"
    assert normalise(None) == "en"
    doc = _story(STORIES[2][0], language="es-ES")
    assert {s.language for s in document_sentences(doc)} == {"es"}


def test_english_news_is_detected_as_english_without_the_other_lists() -> None:
    text = "The president said on Tuesday that the talks would go on, and that he had no plan to leave."
    assert detect_language(text, STOP_WORDS) == "en"
    assert detect_language("", STOP_WORDS) == "en"
