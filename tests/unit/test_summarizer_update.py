"""Update mode: what the reader already has (``previous``) is not told again; new facts come first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from summarizer.models import Document
from summarizer.rank import summarize

DAY_ONE = (
    "Hurricane Lena made landfall near Tampa on Monday with winds of 120 miles per hour. "
    "Officials ordered the evacuation of 300,000 residents along the Gulf coast."
)
DAY_TWO = [
    "Hurricane Lena made landfall near Tampa on Monday with winds of 120 miles per hour. "
    "The storm killed at least 12 people in Florida, the governor said on Tuesday. "
    "Officials ordered the evacuation of 300,000 residents along the Gulf coast. "
    "Power was restored to half of the 2 million homes that lost it, the utility said.",
    "Hurricane Lena made landfall near Tampa on Monday, bringing winds of 120 miles per hour. "
    "At least 12 people died in Florida, Governor Ana Ruiz said on Tuesday. "
    "Insurers estimated the damage at 8 billion dollars on Tuesday. "
    "Power was back for half of the 2 million homes that lost it, the utility said.",
]


def _docs() -> list[Document]:
    return [Document(id=str(i), paragraphs=(text,)) for i, text in enumerate(DAY_TWO)]


def test_without_previous_the_landfall_leads_and_with_it_the_reader_gets_the_new_facts() -> None:
    fresh = [s.text for s in summarize(_docs(), max_words=40).sentences]
    assert any("made landfall" in s for s in fresh)
    update = [s.text for s in summarize(_docs(), max_words=40, previous=[DAY_ONE]).sentences]
    assert update and not any("made landfall" in s or "ordered the evacuation" in s for s in update)
    assert any("12 people" in s for s in update)


def test_a_single_story_never_repeats_a_sentence_the_reader_has() -> None:
    doc = [Document(id="0", paragraphs=(DAY_TWO[0],))]
    update = [s.text for s in summarize(doc, max_sentences=2, previous=[DAY_ONE]).sentences]
    assert len(update) == 2
    assert all(s not in DAY_ONE for s in update)


def test_when_everything_was_told_the_update_is_empty_rather_than_a_repeat() -> None:
    doc = [Document(id="0", paragraphs=(DAY_ONE,))]
    assert summarize(doc, max_sentences=2, previous=[DAY_ONE]).sentences == ()
    assert len(summarize(doc, max_sentences=2).sentences) == 2


def test_the_contract_reads_previous_per_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"id": "plain", "articles": DAY_TWO}, {"id": "update", "articles": DAY_TWO, "previous": [DAY_ONE]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["summarize", "--input", str(path), "--words", "40"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["plain", "update"]
    assert any("made landfall" in s for s in out[0]["summary"])
    assert not any("made landfall" in s for s in out[1]["summary"])
